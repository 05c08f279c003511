import ArgumentParser

/// `-q`/`--quiet`, the same in every command: no progress, no per-file lines, no summary; only errors
/// (on standard error) and the exit code.
struct QuietOption: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print only errors: no progress, no per-file lines, no summary.")
    var quiet = false

    /// `--quiet` with `--json` asks for both silence and a line per file: a usage error.
    func refuse(json: Bool) throws {
        if quiet && json { throw ValidationError("use --quiet or --json, not both") }
    }
}
