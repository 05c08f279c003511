import ArgumentParser

/// A command whose last argument is a list of paths (files, directories, globs), as `probe *.jpg` in a
/// large folder gives by the thousand.
protocol PathOperands: ParsableCommand {
    var paths: [String] { get set }
}

extension ProbeCommand: PathOperands {}
extension CheckCommand: PathOperands {}
extension ThumbCommand: PathOperands {}
extension VerifyCommand: PathOperands {}

/// Keeps the command line's long runs of operands away from swift-argument-parser, whose parsing is
/// quadratic in the number of positional values (1.8.2 removes each parsed value from its argument list
/// one by one, in hash order, shifting the rest each time: 12,000 paths took minutes).
///
/// A run is a stretch of tokens that are not options (before `--`, an option starts with `-` and is not
/// `-` alone; after `--` nothing is). The parser sees each run's first two tokens: the first may be an
/// option's value or the subcommand's name, the second is then certainly an operand, since every option
/// of imagepipe takes at most one value. The rest of the run (its tail) is put back after that second
/// token once the parser is done, so the paths come out exactly as typed, in time linear in their number.
struct OperandRuns {
    /// The tokens the parser sees.
    private(set) var kept: [String] = []
    /// Per run with a tail: the token the tail follows, and the tail.
    private var tails: [(after: String, tail: ArraySlice<String>)] = []
    /// The kept operand tokens, to tell whether putting tails back is unambiguous.
    private var keptOperands: [String] = []

    init(_ arguments: [String]) {
        var index = 0
        var afterTerminator = false
        while index < arguments.count {
            let token = arguments[index]
            if !afterTerminator && token.hasPrefix("-") && token != "-" {
                if token == "--" { afterTerminator = true }
                kept.append(token)
                index += 1
                continue
            }
            var end = index
            while end < arguments.count, afterTerminator || !(arguments[end].hasPrefix("-") && arguments[end] != "-") {
                end += 1
            }
            let run = arguments[index..<end]
            kept += run.prefix(2)
            keptOperands += run.prefix(2)
            if run.count > 2 { tails.append((after: run[index + 1], tail: run.dropFirst(2))) }
            index = end
        }
    }

    /// Whether any run was shortened.
    var shortened: Bool { !tails.isEmpty }

    /// The paths as typed, from those the parser found among the kept tokens; nil when that cannot be
    /// told for certain (two kept operands alike), and the whole command line must be parsed as it is.
    func restore(_ parsed: [String]) -> [String]? {
        guard Set(keptOperands).count == keptOperands.count else { return nil }
        var restored: [String] = []
        restored.reserveCapacity(parsed.count + tails.reduce(0) { $0 + $1.tail.count })
        var pending = tails[...]
        for path in parsed {
            restored.append(path)
            if let next = pending.first, next.after == path {
                restored += next.tail
                pending = pending.dropFirst()
            }
        }
        return pending.isEmpty ? restored : nil
    }
}

extension Imagepipe {
    /// Parses the command line as `parseAsRoot` does, in time linear in the number of paths.
    static func parseLinearly(_ arguments: [String]) throws -> ParsableCommand {
        let runs = OperandRuns(arguments)
        // Anything but a path-list command that parses from the kept tokens (a usage error, `--help`, a
        // command with fixed operands such as `convert IN OUT`) is parsed again as typed, so that its
        // outcome and messages are exactly the parser's own.
        guard runs.shortened, var listing = (try? parseAsRoot(runs.kept)) as? any PathOperands,
            let paths = runs.restore(listing.paths)
        else {
            return try parseAsRoot(arguments)
        }
        listing.paths = paths
        return listing
    }
}
