import Foundation
import ImageCore
import VicSee

/// The generate step at work — where money is spent, so every move is journaled before the next:
/// reserve the credits → prepare and publish the reference → record the intent (durable) → submit →
/// record the task id (durable) → poll → download, check and name the output (durable).
extension GenerateStep: ItemStage {
    var keyword: String { Self.keyword }

    func plan(_ item: inout ItemContext, in run: RunContext) throws(ItemStop) {
        guard let model = run.model else { return }
        let aspect = item.aspect ?? .auto
        let filled = prompt(for: item.name)
        item.update { record in
            record.model = model.id
            record.tier = resolution.rawValue
            record.prompt = filled
        }
        if !model.resolutions(for: aspect).contains(resolution) {
            let reason = model.constraints.first { $0.aspectRatio == aspect.description }?.reason ?? "not allowed"
            try item.stop(.failed, step: Self.keyword, in: run, ItemProblem(.refused, subject: item.name,
                reason: "\(reason): \(aspect) at \(resolution.rawValue) would be refused"))
        }
    }

    func run(_ item: inout ItemContext, in run: RunContext) async throws(ItemStop) {
        guard let session = run.session, let model = run.model else { return }
        try plan(&item, in: run)
        try checkSavedOutput(&item, in: run)
        if item.record.state.hasOutput { return }
        if let adopted = run.options.adopt[item.name], item.record.state != .submitted {
            try item.move(to: .submitted, step: Self.keyword, in: run) { record in
                record.taskID = adopted
                record.problems = []
            }
        }
        switch item.record.state {
        case .submitting where !run.options.resubmitUnknown, .unknown where !run.options.resubmitUnknown:
            try item.stop(.unknown, step: Self.keyword, in: run, ItemProblem(.unknownOutcome, subject: item.name,
                reason: "the submit's outcome is unknown (interrupted, or its answer was lost): a task may exist and be charged, so it was not sent again; run with --resubmit-unknown to send it again (which may charge twice), or --adopt '\(item.name)=TASK_ID' if you know its task"))
        case .lost where !run.options.resubmitLost:
            try item.stop(.lost, step: Self.keyword, in: run, ItemProblem(.taskLost, subject: item.record.taskID ?? item.name,
                reason: "the service has no such task (it may have expired, or belonged to another backend); run with --resubmit-lost to generate the item again (it pays again)"))
        case .submitted:
            break
        default:
            try await submit(&item, model: model, session: session, in: run)
        }
        try await collect(&item, session: session, in: run)
    }

    /// An output saved by an earlier run that has since been deleted or changed is downloaded again while
    /// the service still has it.
    private func checkSavedOutput(_ item: inout ItemContext, in run: RunContext) throws(ItemStop) {
        guard item.record.state.hasOutput, !OutputFile.isIntact(item.record) else { return }
        let output = item.record.output ?? item.name
        guard item.record.taskID != nil else {
            try item.stop(.lost, step: Self.keyword, in: run, ItemProblem(.outputChanged, subject: output,
                reason: "the output was deleted or changed and there is no task to download it from again"))
        }
        try item.move(to: .submitted, step: Self.keyword, in: run) { record in
            record.problems = [ItemProblem(.outputChanged, subject: output, reason: "deleted or changed since it was saved; downloading it again")]
            record.verified = nil
            record.verifyKey = nil
        }
    }

    private func submit(_ item: inout ItemContext, model: ModelSpec, session: GenerationSession, in run: RunContext) async throws(ItemStop) {
        guard run.control.stop == nil else { throw ItemStop() }
        let kind = TaskDurations.generation(model: model.id, tier: resolution)
        let perTask = 2 + run.pollPolicy.expectedPolls(history: run.durations.history(kind))
        // Held back, an item keeps an unknown or lost state (which it may not leave but by a submit).
        let heldBack: ItemState = item.record.state.canMove(to: .budget) ? .budget : item.record.state
        if let problem = run.requests.refusal(perTask: perTask, limit: session.client.rateLimit) {
            try item.stop(heldBack, step: Self.keyword, in: run, problem)
        }
        let cost = model.credits(for: resolution) ?? 0
        guard await run.budget.reserve(cost) else {
            try item.stop(heldBack, step: Self.keyword, in: run, ItemProblem(.budget, subject: item.name,
                reason: "not submitted: \(cost) more credits would pass --max-credits \(run.options.maxCredits ?? 0)"))
        }
        let request: GenerationRequest
        do {
            request = try await makeRequest(&item, model: model, session: session, in: run)
        } catch {
            run.budget.release(cost)
            let kind: ItemProblem.Kind = error is RequestError ? .refused : .reference
            try item.stop(.failed, step: Self.keyword, in: run, ItemProblem(kind, subject: item.item.input ?? item.name, reason: error.reason))
        }
        guard run.control.beginSubmit() else {
            run.budget.release(cost)
            throw ItemStop()
        }
        defer { run.control.endSubmit() }
        do {
            try item.move(to: .submitting, step: Self.keyword, in: run) { record in
                record.problems = []
                record.taskID = nil
                record.backend = session.backendName
                record.simulated = session.isSimulated
            }
        } catch {
            run.budget.release(cost)
            throw error
        }
        let receipt: SubmitReceipt
        let sent = ContinuousClock.now
        do {
            receipt = try await session.client.submit(request, spec: model)
        } catch let error as ServiceError {
            if case .submitOutcomeUnknown = error {
                run.budget.commit(cost)
                try item.stop(.unknown, step: Self.keyword, in: run, ItemProblem(.unknownOutcome, subject: item.name,
                    reason: "\(error.reason); run with --resubmit-unknown to send it again (which may charge twice)"))
            }
            run.budget.release(cost)
            try item.stop(.failed, step: Self.keyword, in: run, ItemProblem(.refused, subject: item.name, reason: error.description))
        } catch {
            // Cancelled while the submit was in flight: it may have reached the service.
            run.budget.commit(cost)
            try item.stop(.unknown, step: Self.keyword, in: run, ItemProblem(.unknownOutcome, subject: item.name,
                reason: "the run stopped while the submit was in flight; run with --resubmit-unknown to send it again (which may charge twice)"))
        }
        run.budget.commit(cost)
        item.reserved = cost
        item.submittedAt = sent
        do {
            try item.move(to: .submitted, step: Self.keyword, in: run) { record in
                record.taskID = receipt.taskID
                record.credits = receipt.creditsUsed ?? cost
                record.simulated = session.isSimulated  // the submit's answer may have said so
            }
        } catch {
            run.control.unjournaled(item: item.name, taskID: receipt.taskID)
            throw error
        }
    }

    /// The request for the item: the reference prepared (shrunk, cropped, padded as recorded) and
    /// published, the prompt filled in, and the catalogue's rules checked before anything is sent.
    private func makeRequest(_ item: inout ItemContext, model: ModelSpec, session: GenerationSession,
                             in run: RunContext) async throws -> GenerationRequest {
        var urls: [String] = []
        var sizes: [Int] = []
        var dimensions: [PixelSize] = []
        if let input = item.item.input {
            let prepared = try ReferencePreparation.prepare(input, transforms: item.transforms, key: item.key, in: run.workDirectory)
            let info = try ImageProbe.probe(path: prepared, limits: ImageLimits(maxBytes: nil, maxPixels: nil))
            let published = try await run.publisher(session).publish(prepared, original: prepared == input, relativePath: item.item.relativePath)
            urls.append(published.url)
            sizes.append(published.bytes)
            dimensions.append(PixelSize(width: info.width, height: info.height))
        }
        let request = GenerationRequest(model: model.id, prompt: prompt(for: item.name), imageURLs: urls, resolution: resolution,
                                        aspect: item.aspect ?? .auto, referenceBytes: sizes, referenceSizes: dimensions)
        _ = try request.validate(against: run.catalogue)
        return request
    }

    /// Polls the task to its end and downloads its output: checked (a whole image, by content), named
    /// after the item and the real format, and recorded with its checksum.
    private func collect(_ item: inout ItemContext, session: GenerationSession, in run: RunContext) async throws(ItemStop) {
        guard item.record.state == .submitted, let taskID = item.record.taskID else { return }
        let kind = TaskDurations.generation(model: item.record.model ?? model, tier: resolution)
        let finished: TaskStatus
        do {
            finished = try await run.poll(taskID, submittedAt: item.submittedAt, kind: kind, session: session)
        } catch let error as ServiceError {
            switch error {
            case .taskFailed:
                if let reserved = item.reserved { run.budget.refund(reserved) }
                try item.stop(.failed, step: Self.keyword, in: run, ItemProblem(.taskFailed, subject: taskID,
                    reason: error.reason + " (refunded; the next run tries again)")) { $0.credits = 0 }
            case .taskNotFound:
                try item.stop(.lost, step: Self.keyword, in: run, ItemProblem(.taskLost, subject: taskID,
                    reason: "the service has no such task; run with --resubmit-lost to generate the item again (it pays again)"))
            case .timedOut:
                try item.stop(.submitted, step: Self.keyword, in: run, ItemProblem(.timedOut, subject: taskID,
                    reason: error.reason + "; the next run polls it again"))
            default:
                try item.stop(.submitted, step: Self.keyword, in: run, ItemProblem(.download, subject: taskID,
                    reason: error.description + "; the next run polls it again"))
            }
        } catch {
            throw ItemStop()  // cancelled: the task id is on disk, the next run polls it
        }
        let outcome: GenerationOutcome
        do {
            outcome = try await session.download(finished, creditsUsed: item.record.credits, into: run.downloadDirectory,
                                                 strictness: run.downloadStrictness)
        } catch {
            try item.stop(.submitted, step: Self.keyword, in: run, ItemProblem(.download, subject: taskID,
                reason: error.reason + "; the next run downloads it again"))
        }
        let prefix = session.isSimulated ? "SIMULATED-" : ""
        let final = run.outputDirectory + "/" + prefix + item.item.name.fileStem + "." + outcome.format.fileExtension
        guard rename(outcome.outputPath, final) == 0 else {
            try item.stop(.submitted, step: Self.keyword, in: run, ItemProblem(.download, subject: final,
                reason: "cannot save the output there: \(String(cString: strerror(errno)))"))
        }
        // AI provenance: the IPTC digital source type in XMP, added without re-encoding (a file that carries a
        // C2PA manifest is left as it is). An edit of a reference is a composite.
        _ = try? Provenance.mark(fileAt: final, as: item.item.input == nil ? .trainedAlgorithmicMedia : .compositeWithTrainedAlgorithmicMedia)
        item.output = DecodedOutput(path: final, decoded: outcome.decoded)
        try item.move(to: .downloaded, step: Self.keyword, in: run) { record in
            OutputFile.record(final, in: &record)
            record.width = outcome.width
            record.height = outcome.height
            record.format = outcome.format.rawValue
            record.simulated = record.simulated || outcome.simulated
            record.problems = record.problems.filter { $0.kind != .outputChanged }
        }
    }
}
