import Crypto
import Foundation
import ImageCore
import Synchronization
import VicSee

extension PipelineRunner {
    /// Executes the pipeline against `backend`. `onEvent` hears one line per step of each item.
    public func run(backend: Backend, options: RunOptions = RunOptions(), onEvent: @escaping @Sendable (String) -> Void = { _ in })
        async throws -> RunSummary
    {
        let output = spec.outputDirectory
        guard AtomicFile.makeDirectories(output) else { throw PipelineRunError.cannotCreate(output) }
        let journal = try Journal(path: output + "/journal.sqlite", crashAfterWrites: options.crashAfterWrites)
        var opened: GenerationSession?
        if spec.generate != nil {
            if case .loopback = spec.publish, !backend.isSimulated, !spec.inputs.isEmpty {
                throw PipelineRunError.loopbackNeedsSimulator
            }
            var referenceBase: String?
            if case .baseURL(let base) = spec.publish { referenceBase = base }
            opened = try await GenerationSession.open(backend: backend, catalogue: catalogue, referenceBaseURL: referenceBase)
        }
        let session = opened
        let (items, expansionProblems) = items()
        for problem in expansionProblems { onEvent(problem) }
        let budget = Budget(limit: options.maxCredits)
        let results = Locked<[Int: ItemReport]>([:])
        let concurrency = spec.generate?.concurrency ?? 2
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var next = 0
                func launch(_ index: Int) {
                    group.addTask {
                        let report = await self.process(items[index], journal: journal, session: session, budget: budget,
                                                        options: options, onEvent: onEvent)
                        results.withLock { $0[index] = report }
                        onEvent("\(report.name): \(report.state)" + (report.problems.isEmpty ? "" : " — " + report.problems.joined(separator: "; ")))
                    }
                }
                while next < min(concurrency, items.count) { launch(next); next += 1 }
                while try await group.next() != nil {
                    if next < items.count { launch(next); next += 1 }
                }
            }
        } catch {
            await session?.close()
            throw error
        }
        await session?.close()
        let reports = (0..<items.count).compactMap { index in results.withLock { $0[index] } }
        let (json, html) = try ReportWriter.write(reports, pipeline: spec.name, directory: output)
        return RunSummary(items: reports, creditsSpent: budget.spent, reportPath: json, htmlPath: html)
    }

    private func process(_ item: PipelineItem, journal: Journal, session: GenerationSession?,
                         budget: Budget, options: RunOptions,
                         onEvent: @Sendable (String) -> Void) async -> ItemReport {
        var report = ItemReport(name: item.name, input: item.input, state: "failed", problems: [], simulated: session?.backend.isSimulated ?? false)
        var reference: String?
        if let input = item.input {
            switch checked(input) {
            case .failure(let problem):
                report.state = problem.skipped ? "skipped" : "failed"
                report.problems = [problem.message]
                return report
            case .success(let info):
                if let choice = chooseRatio(for: info) { (report.ratio, report.distortion) = (choice.ratio, choice.distortion) }
                do {
                    reference = try prepareReference(input, info: info, name: item.name, ratio: report.ratio)
                } catch {
                    report.problems = ["\(input): cannot prepare the reference: \(error.reason)"]
                    return report
                }
            }
        } else if let generate = spec.generate {
            report.ratio = generate.aspect == .inferred ? "1:1" : generate.aspect.description
        }
        guard let generate = spec.generate, let session, let model else {
            // No generation: verify and thumbnail the inputs themselves.
            report.output = item.input
            return finish(report, journalEntry: nil, journal: journal, onEvent: onEvent)
        }
        let key = key(for: item)
        do {
            var entry = try journal.entry(key) ?? Journal.Entry(key: key, name: item.name, state: .pending, ratio: report.ratio)
            switch entry.state {
            case .done:
                report = reported(entry, into: report)
                report.state = entry.error == nil ? "done" : "failed"
                return thumbnail(report)
            case .submitting, .unknown:
                guard options.resubmitUnknown else {
                    entry.state = .unknown
                    entry.error = "the submit's outcome is unknown (interrupted or lost); it was not re-sent. Run with --resubmit-unknown to send it again, which may charge twice"
                    try journal.save(entry)
                    report.state = "unknown"
                    report.problems = [entry.error!]
                    return report
                }
                entry.state = .pending
            case .pending, .failed, .submitted, .downloaded:
                break
            }
            let aspect: AspectChoice = AspectChoice(report.ratio ?? "auto") ?? .auto
            if entry.state == .pending || entry.state == .failed {
                let cost = model.credits(for: generate.resolution) ?? 0
                let allowed = budget.reserve(cost)
                guard allowed else {
                    report.state = "budget"
                    report.problems = ["not submitted: --max-credits would be exceeded"]
                    return report
                }
                var urls: [String] = []
                var sizes: [Int] = []
                if let reference {
                    let published = try await publish(reference, session: session)
                    urls.append(published.url)
                    if let bytes = published.bytes { sizes.append(bytes) }
                }
                let request = GenerationRequest(model: generate.model, prompt: generate.prompt(for: item.name), imageURLs: urls,
                                                resolution: generate.resolution, aspect: aspect, referenceBytes: sizes)
                let spec = try request.validate(against: catalogue)
                entry.state = .submitting
                entry.error = nil
                try journal.save(entry)
                let receipt: SubmitReceipt
                do {
                    receipt = try await submitWaitingOutLimits(request, spec: spec, client: session.client)
                } catch let error as ServiceError {
                    budget.release(cost)
                    if case .submitOutcomeUnknown = error {
                        entry.state = .unknown
                        entry.error = error.description
                    } else {
                        entry.state = .failed
                        entry.error = error.description
                    }
                    try journal.save(entry)
                    report.state = entry.state == .unknown ? "unknown" : "failed"
                    report.problems = [error.description]
                    return report
                }
                entry.state = .submitted
                entry.taskID = receipt.taskID
                entry.credits = receipt.creditsUsed ?? cost
                try journal.save(entry)
                onEvent("\(item.name): submitted as \(receipt.taskID)")
            }
            if entry.state == .submitted, let taskID = entry.taskID {
                let finished: TaskStatus
                do {
                    finished = try await session.client.waitForCompletion(taskID)
                } catch let error as ServiceError {
                    if case .taskFailed = error {
                        entry.state = .failed  // refunded by the service: a later run may try again
                        entry.error = error.description
                        try journal.save(entry)
                    }
                    report.taskID = taskID
                    report.problems = [error.description]
                    return report
                }
                let outcome = try await session.download(finished, creditsUsed: entry.credits, creditsRemaining: nil,
                                                         into: spec.outputDirectory + "/.downloads")
                let prefix = session.backend.isSimulated ? "SIMULATED-" : ""
                let final = spec.outputDirectory + "/" + prefix + item.name + "." + outcome.format.fileExtension
                guard rename(outcome.outputPath, final) == 0 else { throw PipelineRunError.cannotCreate(final) }
                entry.state = .downloaded
                entry.output = final
                entry.checksum = Self.checksum(final)
                try journal.save(entry)
            }
            report = reported(entry, into: report)
            return finish(report, journalEntry: entry, journal: journal, onEvent: onEvent)
        } catch {
            report.problems = ["\(error)"]
            return report
        }
    }

    /// A 429 on submit is a definite refusal (no task was made): wait and send again, a few times.
    private func submitWaitingOutLimits(_ request: GenerationRequest, spec: ModelSpec, client: VicSeeClient) async throws -> SubmitReceipt {
        var attempt = 0
        while true {
            do {
                return try await client.submit(request, spec: spec)
            } catch ServiceError.rateLimited(let message, let reset) where attempt < 6 {
                attempt += 1
                let wait = reset.flatMap(VicSeeClient.parseDate).map { $0.timeIntervalSinceNow } ?? Double(attempt)
                guard wait < 120 else { throw ServiceError.rateLimited(message: message, resetsAt: reset) }
                try await Task.sleep(for: .seconds(max(0.05, wait) + Double.random(in: 0...0.2)))
            }
        }
    }

    private func reported(_ entry: Journal.Entry, into report: ItemReport) -> ItemReport {
        var report = report
        report.taskID = entry.taskID
        report.credits = entry.credits
        report.output = entry.output
        report.ratio = entry.ratio ?? report.ratio
        if let error = entry.error { report.problems = error.components(separatedBy: "\n") }
        return report
    }

    /// Verifies the output, records the verdict, makes the thumbnail.
    private func finish(_ report: ItemReport, journalEntry: Journal.Entry?, journal: Journal, onEvent: @Sendable (String) -> Void) -> ItemReport {
        var report = report
        guard let output = report.output else { return report }
        var ok = true
        if let verify = spec.verify, let expectation = expectation(verify, ratio: report.ratio) {
            let result = Verifier.verify(path: output, expectation: expectation)
            report.verified = result.ok
            report.problems = result.problems.filter { $0 != .simulated }.map(\.description)  // the report marks simulated items itself
            if let renamed = result.renamedTo { report.output = renamed }
            ok = result.ok
        }
        report.state = ok ? "done" : "failed"
        if var entry = journalEntry {
            entry.state = .done
            entry.output = report.output
            entry.error = ok ? nil : report.problems.joined(separator: "\n")
            try? journal.save(entry)
        }
        return thumbnail(report)
    }

    private func expectation(_ verify: VerifyStep, ratio: String?) -> VerifyExpectation? {
        guard let name = verify.model ?? spec.generate?.model, let model = catalogue.model(name),
            let tier = verify.resolution ?? spec.generate?.resolution
        else { return nil }
        let aspect = verify.aspect ?? ratio.flatMap(AspectChoice.init)
        return VerifyExpectation(model: model, resolution: tier, aspect: aspect, tolerance: verify.tolerance, allowBlank: verify.allowBlank)
    }

    private func thumbnail(_ report: ItemReport) -> ItemReport {
        var report = report
        guard let step = spec.thumbnail, let output = report.output, FileManager.default.fileExists(atPath: output) else { return report }
        let directory = spec.outputDirectory + "/" + step.directory
        _ = AtomicFile.makeDirectories(directory)
        let format = step.options.format ?? (try? ImageProbe.probe(path: output, limits: ImageLimits(maxPixels: nil)))?.format ?? .jpeg
        let path = directory + "/" + ((output as NSString).lastPathComponent as NSString).deletingPathExtension + "." + format.fileExtension
        do {
            if !FileManager.default.fileExists(atPath: path) { try Thumbnailer.write(input: output, to: path, options: step.options) }
            report.thumbnail = path
        } catch {
            report.problems.append("thumbnail: \(error.reason)")
        }
        return report
    }

    /// The reference to send: the original, or a derived copy in `.work/` (shrunk to fit the limits,
    /// cropped or padded to the chosen ratio). The original is never touched.
    private func prepareReference(_ input: String, info: ImageInfo, name: String, ratio: String?) throws -> String {
        let check = spec.check ?? CheckStep()
        let work = spec.outputDirectory + "/.work"
        var source = input
        var width = info.width, height = info.height
        if info.bytes > check.maxBytes || info.pixelCount > check.maxPixels {
            _ = AtomicFile.makeDirectories(work)
            var scale = min(1, (Double(check.maxPixels) / Double(info.pixelCount)).squareRoot())
            let path = work + "/\(name)-shrunk.jpg"
            repeat {
                var options = ThumbnailOptions(width: max(1, Int(Double(width) * scale)), height: max(1, Int(Double(height) * scale)))
                options.format = .jpeg
                options.quality = 90
                options.limits = ImageLimits(maxBytes: nil, maxPixels: nil)
                try Thumbnailer.write(input: input, to: path, options: options)
                scale *= 0.8
            } while (try ImageProbe.probe(path: path, limits: ImageLimits(maxPixels: nil)).bytes) > check.maxBytes
            let shrunk = try ImageProbe.probe(path: path, limits: ImageLimits(maxPixels: nil))
            (source, width, height) = (path, shrunk.width, shrunk.height)
        }
        guard let mode = spec.aspect?.mode, mode != .report, let ratio = ratio.flatMap(AspectRatio.init) else { return source }
        _ = AtomicFile.makeDirectories(work)
        var options = ThumbnailOptions()
        options.limits = ImageLimits(maxBytes: nil, maxPixels: nil)
        options.format = .png
        if mode == .crop {
            let w = min(Double(width), Double(height) * ratio.value)
            options.width = max(1, Int(w.rounded()))
            options.height = max(1, Int((w / ratio.value).rounded()))
            options.fit = .cover
        } else {
            let w = max(Double(width), Double(height) * ratio.value)
            options.width = max(1, Int(w.rounded()))
            options.height = max(1, Int((w / ratio.value).rounded()))
            options.fit = .pad
            options.upscale = false
        }
        let path = work + "/\(name)-\(mode.rawValue).png"
        try Thumbnailer.write(input: source, to: path, options: options)
        return path
    }

    private func publish(_ reference: String, session: GenerationSession) async throws -> (url: String, bytes: Int?) {
        if case .s3(let target) = spec.publish {
            let bytes = (try? FileManager.default.attributesOfItem(atPath: reference)[.size] as? Int) ?? nil
            let url = try await S3Publisher(target: target, credentials: .fromEnvironment()).publish(reference)
            return (url, bytes)
        }
        return try session.publish(reference)
    }

    static func checksum(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}

public enum PipelineRunError: Error, CustomStringConvertible {
    case cannotCreate(String)
    case loopbackNeedsSimulator

    public var description: String {
        switch self {
        case .cannotCreate(let path): "\(path): cannot create it"
        case .loopbackNeedsSimulator:
            "'publish loopback' serves references on 127.0.0.1, which only the simulator can reach: use 'publish base-url URL' or 'publish s3 bucket NAME' with the real service"
        }
    }
}

/// Credits reserved by this run's submits, against `--max-credits`.
final class Budget: Sendable {
    private let state: Mutex<(spent: Int, limit: Int?)>

    init(limit: Int?) {
        state = Mutex((0, limit))
    }

    var spent: Int { state.withLock { $0.spent } }

    /// Reserves `cost`; false when that would pass the limit.
    func reserve(_ cost: Int) -> Bool {
        state.withLock { state in
            if let limit = state.limit, state.spent + cost > limit { return false }
            state.spent += cost
            return true
        }
    }

    /// Gives back a reservation whose submit was refused.
    func release(_ cost: Int) {
        state.withLock { $0.spent -= cost }
    }
}

/// A value shared between tasks.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R>(_ body: (inout sending Value) -> sending R) -> sending R { mutex.withLock(body) }
}
