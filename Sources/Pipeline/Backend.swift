import Foundation
import Simulator
import VicSee

/// Which service generations go to.
public enum Backend: Sendable {
    /// The simulated service, started in-process on loopback. Its outputs are marked as simulated.
    case simulator(SimulatorOptions)
    /// The real VicSee API (or anything speaking it) at `baseURL`, with the user's key.
    case vicsee(baseURL: String, apiKey: String?)

    public var isSimulated: Bool {
        if case .simulator = self { return true }
        return false
    }

    /// Whether the service runs on this machine (the simulator, or a service at a loopback address, such
    /// as `imagepipe simulate`): only such a service can fetch references imagepipe serves on 127.0.0.1.
    public var isOnThisMachine: Bool {
        switch self {
        case .simulator: return true
        case .vicsee(let baseURL, _):
            guard let host = URL(string: baseURL)?.host else { return false }
            return host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]"
        }
    }
}
