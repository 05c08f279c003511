import ArgumentParser
import Foundation
import Pipeline
import Simulator
import VicSee

/// Which service `generate` and `upscale` talk to.
enum BackendChoice: String, ExpressibleByArgument, CaseIterable {
    case sim, vicsee

    /// The backend chosen. For VicSee the API key is read from the environment and checked before
    /// anything is built or sent: a missing or unusable key is exit 2, the message naming the variable,
    /// never the key.
    func backend(baseURL: String) throws -> Backend {
        switch self {
        case .sim:
            return .simulator(SimulatorOptions())
        case .vicsee:
            let key = ProcessInfo.processInfo.environment[VicSeeConfiguration.apiKeyVariable]
            do { _ = try APIKey.validate(key) } catch {
                printError(error.description)
                throw ExitCode(2)
            }
            return .vicsee(baseURL: baseURL, apiKey: key)
        }
    }
}

/// How `generate` and `upscale` end on a failure: one line on standard error and the exit code of the
/// README's Conventions — 2 for a request refused before anything was sent (it needs changing), 1 for a
/// file or the service that failed. Anything else is rethrown as it is.
enum ServiceFailure {
    /// `command` names the line when the error has no subject of its own (`imagepipe generate: …`);
    /// `file` is the file the command works on, when there is one.
    static func exit(_ error: any Error, command: String, file: String? = nil) throws -> Never {
        let subject = file ?? "imagepipe \(command)"
        let (line, code): (String, Int32) =
            switch error {
            case let error as RequestError: ("imagepipe \(command): \(error)", 2)
            case let error as UpscaleRefusal: ("\(subject): \(error)", 2)
            case let error as ReferenceError: (error.description, 1)
            case let error as PublishError: (error.description, 1)
            case let error as UploadError: ("\(subject): \(error)", 1)
            case let error as ServiceError: ("imagepipe \(command): \(error)", 1)
            default: throw error
            }
        printError(line)
        throw ExitCode(code)
    }
}
