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
}
