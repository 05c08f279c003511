import ImageCore
import Marketplace
import Simulator

/// One file held to marketplace presets, as `imagepipe verify --preset` reports it: a block per preset
/// (a head line, then a line per rule), on standard output when the file passes, on standard error when
/// a required rule fails, like verify's other verdicts.
struct PresetCheck {
    let path: String
    var reports: [PresetReport] = []
    var format: ImageFormat?
    var width: Int?
    var height: Int?
    /// Why the file could not be judged, as `path: reason`.
    var error: String?
    /// The file carries the simulator's label: it is AI-generated, and not the service's work.
    let simulated: Bool

    /// Decodes `path` once and judges it against every preset. `aiGenerated` nil: known only for
    /// a simulator's outputs.
    init(path: String, presets: [Preset], aiGenerated: Bool?) {
        self.path = path
        simulated = SimulatorMark.isPresent(inFileAt: path)
        do {
            let subject = try PresetSubject.load(path: path, aiGenerated: aiGenerated ?? (simulated ? true : nil))
            reports = presets.map { PresetEvaluator.evaluate($0, subject) }
            format = subject.info.format
            width = subject.pixels.width
            height = subject.pixels.height
        } catch {
            self.error = (error as? FileError)?.description ?? "\(path): \(error)"
        }
    }

    /// True when the file was judged and no required rule of any preset fails.
    var ok: Bool { error == nil && reports.allSatisfy(\.passed) }

    func write(to output: inout LineWriter) {
        if let error {
            output.error(error)
            return
        }
        for report in reports {
            let verdict = report.passed ? "passes" : "fails (" + report.failures.map(\.rule).joined(separator: ", ") + ")"
            let head = "\(path): \(report.preset): \(verdict)" + (simulated ? " (simulated: made by imagepipe's simulator, not by VicSee)" : "")
            for line in [head] + report.lines.map({ "  " + $0 }) {
                if report.passed { output.write(line) } else { output.error(line) }
            }
        }
    }
}
