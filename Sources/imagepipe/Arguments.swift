import ArgumentParser
import ImageCore

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

/// The files the user named, expanded; arguments that named nothing are reported on standard error.
func expandInputs(_ arguments: [String], json: Bool, output: inout LineWriter) -> (files: [String], failures: Int) {
    var files: [String] = []
    var failures = 0
    for (argument, expansion) in zip(arguments, InputFiles.expand(arguments)) {
        files += expansion.files
        if let problem = expansion.problem {
            failures += 1
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
    return (files, failures)
}
