import ArgumentParser
import Foundation
import ImageCore
import Pipeline

extension FailOn: ExpressibleByArgument {}

/// Options shared by every command that reads images.
struct LimitOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Largest file accepted, in bytes (0: up to imagepipe's ceiling, 1 GiB).", valueName: "bytes"))
    var maxBytes: Int = ImageLimits.referenceBytes

    @Option(help: ArgumentHelp("Largest width × height accepted, checked before decoding (0: up to imagepipe's ceiling, 16383×16383).", valueName: "pixels"))
    var maxPixels: Int = ImageLimits.defaultPixels

    func validate() throws {
        guard maxBytes >= 0 else { throw ValidationError("expected a non-negative integer for --max-bytes but received \(maxBytes)") }
        guard maxPixels >= 0 else { throw ValidationError("expected a non-negative integer for --max-pixels but received \(maxPixels)") }
    }

    var limits: ImageLimits {
        ImageLimits(maxBytes: maxBytes == 0 ? nil : maxBytes, maxPixels: maxPixels == 0 ? nil : maxPixels)
    }
}

/// The files the user's arguments named, each with its argument's root (`InputFiles.root(of:)`), and how
/// many arguments named nothing.
struct ExpandedInputs {
    var files: [String] = []
    var roots: [String] = []
    var failures = 0
}

/// The files the user named, expanded; arguments that named nothing are reported on standard error.
/// Directories are walked without the subfolders named in `skipping` (at any depth below them); files
/// named one by one or matched by a pattern are kept whatever folder they are in. With a `shard`, only the
/// files it takes are kept (their key: the path below the argument's folder).
func expandInputs(_ arguments: [String], json: Bool, output: inout LineWriter, skipping: Set<String> = [],
                  shard: Shard? = nil) -> ExpandedInputs {
    var inputs = ExpandedInputs()
    for (argument, found) in zip(arguments, InputFiles.expand(arguments)) {
        var expansion = found
        if !skipping.isEmpty, isDirectory(argument) {
            expansion.files = found.files.filter { !isInside($0, oneOf: skipping, below: argument) }
            if expansion.files.isEmpty, !found.files.isEmpty {
                expansion.problem = "only files in " + skipping.sorted().map { $0 + "/" }.joined(separator: ", ") + " here, which are skipped"
            }
        }
        let taken = shard?.taking(expansion.files, foundBy: argument) ?? expansion.files
        inputs.files += taken
        inputs.roots += repeatElement(InputFiles.root(of: argument), count: taken.count)
        if let problem = expansion.problem {
            inputs.failures += 1
            if json {
                var line = JSONLine()
                line.add("path", argument)
                line.add("error", "\(argument): \(problem)")
                output.write(line)
            } else {
                output.error("\(argument): \(problem)")
            }
        }
    }
    return inputs
}

private func isDirectory(_ path: String) -> Bool {
    var directory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
}

/// True when `file`, found by walking `directory`, lies in a folder named one of `folders` below it.
private func isInside(_ file: String, oneOf folders: Set<String>, below directory: String) -> Bool {
    let prefix = directory.hasSuffix("/") ? directory : directory + "/"
    guard file.hasPrefix(prefix) else { return false }
    return file.dropFirst(prefix.count).split(separator: "/").dropLast().contains { folders.contains(String($0)) }
}
