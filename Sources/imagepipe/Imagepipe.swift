import ArgumentParser
import ImageCore

#if canImport(Glibc)
    import Glibc
#endif

/// The `imagepipe` command: each job is a subcommand type; this file only dispatches and maps errors
/// to exit codes (0 all fine, 1 some file failed or nothing matched, 2 the command line or configuration
/// is wrong, 130 interrupted; README "Conventions").
@main
struct Imagepipe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imagepipe",
        abstract: "Prepare, generate, verify and thumbnail images around hosted AI image generation.",
        discussion: """
            Formats are recognised by content (JPEG, PNG, WebP), never by file name.

            Exit codes: 0 when every file is fine, 1 when any file failed (the others are still \
            processed and reported) or nothing matched, 2 when the command line or the configuration is \
            wrong, 3 when run's journal could not record a task id, 130 when interrupted.

            Completion scripts: imagepipe --generate-completion-script bash (or zsh, fish).
            """,
        version: version,
        subcommands: [ProbeCommand.self, CheckCommand.self, ConvertCommand.self, ThumbCommand.self, ModelsCommand.self,
                      GenerateCommand.self, UpscaleCommand.self, SimulateCommand.self, PlanCommand.self, RunCommand.self, StepsCommand.self,
                      VerifyCommand.self, MergeCommand.self])

    static func main() async {
        do {
            var command = try parseLinearly(Array(CommandLine.arguments.dropFirst()))
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            Glibc.exit(code.rawValue)
        } catch let error as FileError {
            printError(error.description)
            Glibc.exit(1)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                self.exit(withError: error)  // --help and --version print and exit 0
            }
            printError(fullMessage(for: error))
            Glibc.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}
