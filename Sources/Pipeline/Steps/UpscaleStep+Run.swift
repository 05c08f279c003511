import Foundation
import ImageCore
import VicSee

/// The upscale step at work — a second paid task for the item, journaled like the generation in the
/// item's `upscale` record: decide (below the target?) → reserve the credits → a URL for the output
/// (the service's own download URL of the generation, or the file published) → the intent (durable) →
/// submit → the task id (durable) → poll → download → verify the size (exactly the output × the
/// factor) → done or rejected.
extension UpscaleStep: ItemStage {
    var keyword: String { Self.keyword }

    func plan(_ item: inout ItemContext, in run: RunContext) throws(ItemStop) {
        // A rejected item is planned when fit or a preset rejected its output (which passed verify): a
        // changed upscale can make it pass. One rejected before it was generated has nothing to upscale.
        guard let tool = run.catalogue.service?.upscale, item.record.state != .skipped,
              item.record.state != .rejected || (Acceptance.isAccepted(item.record) && item.record.output != nil) else { return }
        if let upscale = item.record.upscale, upscale.state == .done, upscale.key.hasPrefix(line + " of ") { return }
        guard let size = Self.expectedSource(of: item, in: run) else { return }
        do {
            item.upscalePlan = UpscalePlan(decision: try decide(from: size, tool: tool))
        } catch {
            item.upscalePlan = UpscalePlan(refusal: error)
        }
    }

    func run(_ item: inout ItemContext, in run: RunContext) async throws(ItemStop) {
        // Any output verify accepted, also one that fit or a preset rejected: fit and the presets judge
        // the upscaled file, so a changed upscale is what can make such an item pass.
        guard let session = run.session, let tool = run.catalogue.service?.upscale, Acceptance.isAccepted(item.record),
            let source = item.record.output
        else { return }
        // What is upscaled: the generation's task (its output, downloaded again, is the same picture), or
        // the input, whose bytes the item's key covers.
        let key = line + " of " + (item.record.taskID ?? item.key)
        if let upscale = item.record.upscale, upscale.key == key || Self.inFlight.contains(upscale.state) {
            try await resume(&item, upscale, tool: tool, session: session, in: run)
            return
        }
        let size: PixelSize
        if let width = item.record.width, let height = item.record.height {
            size = PixelSize(width: width, height: height)
        } else {
            guard let info = try? ImageProbe.probe(path: source, limits: ImageLimits(maxBytes: nil, maxPixels: nil)) else { return }
            size = PixelSize(width: info.width, height: info.height)
        }
        var fresh = UpscaleRecord(state: .pending, key: key, factor: factor ?? 0, source: source, sourceWidth: size.width, sourceHeight: size.height)
        let decided: UpscaleDecision?
        do {
            decided = try decide(from: size, tool: tool)
        } catch {
            try stop(&item, .failed, ItemProblem(.upscale, subject: source, reason: error.description), start: fresh, in: run)
        }
        guard let decision = decided else {
            // Long enough already: nothing to pay for (an upscale of earlier settings is forgotten).
            if item.record.upscale != nil { try item.move(to: item.record.state, step: Self.keyword, in: run) { $0.upscale = nil } }
            return
        }
        fresh.factor = decision.factor
        try await submit(&item, fresh, credits: decision.credits, session: session, in: run)
        try await collect(&item, session: session, in: run)
    }

    /// States in which an upscale may have been paid for and is not settled: never dropped for a new one.
    static let inFlight: Set<ItemState> = [.submitting, .submitted, .unknown, .lost, .downloaded]

    /// Takes up an upscale where it stands: polls what was submitted, verifies what was downloaded,
    /// downloads again a done one whose file went, and sends again what was not sent (or, when the user
    /// says so, what may or may not have been).
    private func resume(_ item: inout ItemContext, _ upscale: UpscaleRecord, tool: UpscaleTool, session: GenerationSession,
                        in run: RunContext) async throws(ItemStop) {
        let name = item.name
        let subject = upscale.taskID ?? name
        switch upscale.state {
        case .done, .rejected:
            guard !OutputFile.isIntact(upscale) else { return }
            guard upscale.taskID != nil else {
                try stop(&item, .lost, ItemProblem(.outputChanged, subject: upscale.output ?? name,
                    reason: "the upscaled output was deleted or changed and there is no task to download it from again"), in: run)
            }
            try item.moveUpscale(to: .submitted, step: Self.keyword, in: run) { record in
                record.problems = [ItemProblem(.outputChanged, subject: upscale.output ?? name, reason: "deleted or changed since it was saved; downloading it again")]
                record.verified = nil
            }
        case .downloaded:
            try verify(&item, decoded: nil, in: run)
            return
        case .submitted:
            break
        case .submitting, .unknown:
            guard run.options.resubmitUnknown else {
                try stop(&item, .unknown, ItemProblem(.unknownOutcome, subject: name,
                    reason: "the upscale's submit has an unknown outcome: a task may exist and be charged, so it was not sent again; run with --resubmit-unknown to send it again (which may charge twice)"), in: run)
            }
            if upscale.state == .submitting { try item.moveUpscale(to: .unknown, step: Self.keyword, in: run) }
            try await resend(&item, tool: tool, session: session, in: run)
        case .lost:
            guard run.options.resubmitLost else {
                try stop(&item, .lost, ItemProblem(.taskLost, subject: subject,
                    reason: "the service has no such upscale task; run with --resubmit-lost to upscale again (it pays again)"), in: run)
            }
            try await resend(&item, tool: tool, session: session, in: run)
        case .pending, .failed, .budget, .skipped:
            try await resend(&item, tool: tool, session: session, in: run)
        }
        try await collect(&item, session: session, in: run)
    }

    /// Sends the item's upscale again, at its recorded factor.
    private func resend(_ item: inout ItemContext, tool: UpscaleTool, session: GenerationSession, in run: RunContext) async throws(ItemStop) {
        guard let upscale = item.record.upscale else { return }
        let output = tool.output(of: PixelSize(width: upscale.sourceWidth, height: upscale.sourceHeight), factor: upscale.factor)
        guard let credits = tool.credits(forOutput: output) else {
            try stop(&item, .failed, ItemProblem(.upscale, subject: upscale.source,
                reason: UpscaleRefusal.outputTooLarge(output, factor: upscale.factor, maxMegapixels: tool.maxMegapixels).description), in: run)
        }
        try await submit(&item, upscale, credits: credits, session: session, in: run)
    }

    /// Reserves, publishes, journals the intent, submits and journals the task id, as a generation does.
    private func submit(_ item: inout ItemContext, _ upscale: UpscaleRecord, credits: Int, session: GenerationSession,
                        in run: RunContext) async throws(ItemStop) {
        guard run.control.stop == nil else { throw ItemStop() }
        let kind = TaskDurations.upscale(credits: credits)
        if let problem = run.requests.refusal(perTask: 2 + run.pollPolicy.expectedPolls(history: run.durations.history(kind)),
                                              limit: session.client.rateLimit) {
            try stop(&item, .budget, problem, start: upscale, in: run)
        }
        guard await run.budget.reserve(credits) else {
            try stop(&item, .budget, ItemProblem(.budget, subject: item.name,
                reason: "not upscaled: \(credits) more credits would pass --max-credits \(run.options.maxCredits ?? 0)"), start: upscale, in: run)
        }
        let imageURL: String
        do {
            imageURL = try await sourceURL(of: item, upscale, session: session, in: run)
        } catch {
            run.budget.release(credits)
            try stop(&item, .failed, ItemProblem(.reference, subject: upscale.source, reason: error.reason), start: upscale, in: run)
        }
        guard run.control.beginSubmit() else {
            run.budget.release(credits)
            throw ItemStop()
        }
        defer { run.control.endSubmit() }
        do {
            try item.moveUpscale(to: .submitting, step: Self.keyword, in: run, start: upscale) { record in
                record.problems = []
                record.taskID = nil
            }
        } catch {
            run.budget.release(credits)
            throw error
        }
        let receipt: SubmitReceipt
        let sent = ContinuousClock.now
        do {
            receipt = try await session.client.submitUpscale(UpscaleRequest(imageURL: imageURL, factor: upscale.factor))
        } catch let error as ServiceError {
            if case .submitOutcomeUnknown = error {
                run.budget.commit(credits)
                try stop(&item, .unknown, ItemProblem(.unknownOutcome, subject: item.name,
                    reason: "\(error.description); run with --resubmit-unknown to send it again (which may charge twice)"), in: run)
            }
            run.budget.release(credits)
            try stop(&item, .failed, ItemProblem(.refused, subject: item.name, reason: error.description), in: run)
        } catch {
            run.budget.commit(credits)
            try stop(&item, .unknown, ItemProblem(.unknownOutcome, subject: item.name,
                reason: "the run stopped while the upscale's submit was in flight; run with --resubmit-unknown to send it again (which may charge twice)"), in: run)
        }
        run.budget.commit(credits)
        item.upscaleReserved = credits
        item.upscaleSubmittedAt = sent
        do {
            try item.moveUpscale(to: .submitted, step: Self.keyword, in: run) { record in
                record.taskID = receipt.taskID
                record.credits = receipt.creditsUsed ?? credits
            }
        } catch {
            run.control.unjournaled(item: item.name + " (upscale)", taskID: receipt.taskID)
            throw error
        }
    }

    /// A URL the service can fetch the output from: the generation's own download URL (one request, no
    /// bytes moved) when its task is on this service, else the file published the pipeline's way (by
    /// upload rather than inline: the tool is published for URLs).
    private func sourceURL(of item: ItemContext, _ upscale: UpscaleRecord, session: GenerationSession, in run: RunContext) async throws -> String {
        if let taskID = item.record.taskID, item.record.backend == session.backendName {
            return try await session.client.downloadInfo(taskID).url
        }
        let way = run.publishWay == .inline ? PublishStep.Way.upload : run.publishWay
        let original = item.item.input == upscale.source
        return try await ReferencePublisher(way: way, session: session, journal: run.journal)
            .publish(upscale.source, original: original, relativePath: original ? item.item.relativePath : nil).url
    }

    /// Polls the upscale to its end, downloads it, names it `NAME@Nx.ext` beside the output and verifies it.
    private func collect(_ item: inout ItemContext, session: GenerationSession, in run: RunContext) async throws(ItemStop) {
        guard let upscale = item.record.upscale, upscale.state == .submitted, let taskID = upscale.taskID else { return }
        let finished: TaskStatus
        do {
            finished = try await run.poll(taskID, submittedAt: item.upscaleSubmittedAt, kind: TaskDurations.upscale(credits: upscale.credits ?? 0),
                                          session: session)
        } catch let error as ServiceError {
            switch error {
            case .taskFailed:
                if let reserved = item.upscaleReserved { run.budget.refund(reserved) }
                try stop(&item, .failed, ItemProblem(.taskFailed, subject: taskID, reason: error.description + " (refunded; the next run tries again)"),
                         in: run) { $0.credits = 0 }
            case .taskNotFound:
                try stop(&item, .lost, ItemProblem(.taskLost, subject: taskID,
                    reason: "the service has no such upscale task; run with --resubmit-lost to upscale again (it pays again)"), in: run)
            default:
                try stop(&item, .submitted, ItemProblem(error.isTimeout ? .timedOut : .download, subject: taskID,
                    reason: error.description + "; the next run polls it again"), in: run)
            }
        } catch {
            throw ItemStop()  // cancelled: the task id is on disk, the next run polls it
        }
        let outcome: GenerationOutcome
        do {
            outcome = try await session.download(finished, creditsUsed: upscale.credits, into: run.downloadDirectory, strictness: run.downloadStrictness)
        } catch {
            try stop(&item, .submitted, ItemProblem(.download, subject: taskID, reason: error.reason + "; the next run downloads it again"), in: run)
        }
        let prefix = session.isSimulated ? "SIMULATED-" : ""
        let final = run.outputDirectory + "/" + prefix + item.item.name.fileStem + "@\(upscale.factor)x." + outcome.format.fileExtension
        guard rename(outcome.outputPath, final) == 0 else {
            try stop(&item, .submitted, ItemProblem(.download, subject: final, reason: "cannot save the upscaled output there: \(String(cString: strerror(errno)))"),
                     in: run)
        }
        _ = try? Provenance.mark(fileAt: final, as: run.spec.generate != nil && item.item.input == nil
            ? .trainedAlgorithmicMedia : .compositeWithTrainedAlgorithmicMedia)
        try item.moveUpscale(to: .downloaded, step: Self.keyword, in: run) { record in
            OutputFile.record(final, in: &record)
            record.width = outcome.width
            record.height = outcome.height
            record.format = outcome.format.rawValue
            record.problems = []
        }
        try verify(&item, decoded: outcome.decoded, in: run)
    }

    /// The upscaled output's verdict: a whole image, exactly the output × the factor (within verify's
    /// tolerance), not blank (unless verify allows it).
    private func verify(_ item: inout ItemContext, decoded: Result<DecodedImage, any Error>?, in run: RunContext) throws(ItemStop) {
        guard let upscale = item.record.upscale, upscale.state == .downloaded, let path = upscale.output else { return }
        let result = Verifier.verifyUpscale(path: path, source: PixelSize(width: upscale.sourceWidth, height: upscale.sourceHeight),
                                            factor: upscale.factor, tolerance: run.spec.verify?.tolerance ?? 0,
                                            allowBlank: run.spec.verify?.allowBlank ?? false, decoded: decoded)
        let problems = result.problems.compactMap { ItemProblem($0, path: result.renamedTo ?? path) }
        try item.moveUpscale(to: result.ok ? .done : .rejected, step: Self.keyword, in: run) { record in
            if let renamed = result.renamedTo { OutputFile.record(renamed, in: &record) }
            record.verified = result.ok
            record.problems = problems
            record.width = result.width ?? record.width
            record.height = result.height ?? record.height
            record.format = result.format?.rawValue ?? record.format
        }
    }

    /// Moves the upscale to `state` with `problem`, and ends the item for this run.
    /// An upscale whose outcome is unknown or lost keeps that state when it is held back (budget).
    private func stop(_ item: inout ItemContext, _ state: ItemState, _ problem: ItemProblem, start: UpscaleRecord? = nil, in run: RunContext,
                      _ change: (inout UpscaleRecord) -> Void = { _ in }) throws(ItemStop) -> Never {
        let current = (start ?? item.record.upscale)?.state
        let target = current.map { $0 == state || $0.canMove(to: state) ? state : $0 } ?? state
        try item.moveUpscale(to: target, step: Self.keyword, in: run, start: start) { record in
            change(&record)
            record.problems = [problem]
        }
        throw ItemStop()
    }
}

extension ServiceError {
    /// True for polling that gave up.
    var isTimeout: Bool {
        if case .timedOut = self { return true }
        return false
    }
}
