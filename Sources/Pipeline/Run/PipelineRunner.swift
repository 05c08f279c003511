import Crypto
import Foundation
import ImageCore
import Marketplace
import Simulator
import VicSee

/// Runs a pipeline, item by item, through one fixed order of stages:
///
/// 1. **check** — the reference's header, by content, against formats and limits (shrinking recorded);
/// 2. **aspect** — the ratio to ask for, and any crop or pad of the reference recorded;
/// 3. **generate** — credits reserved, the reference prepared and published, the intent journaled, the
///    submit sent, its task id journaled, the task polled, the output downloaded, checked and named;
/// 4. **verify** (or, without it, acceptance) — the output's verdict;
/// 5. **upscale** — of a finished output below the target: a second paid task, journaled like the first,
///    its result verified against the output × the factor;
/// 6. **fit** — a copy of each verified output made to pass a preset, beside it (`OUT/fit/`);
/// 7. **verify preset** — the fitted copy (or, without fit, the output) against the presets named;
/// 8. **thumbnail** (of the upscaled output once there is one);
///
/// and then `report.json` and `index.html`, both made from the journal. `plan` walks the same stages
/// with nothing written and nothing sent. A stage that has nothing to do for an item (a reference
/// already sent, a verdict already reached with the same settings) does nothing, so a second run over
/// unchanged inputs does no work and pays nothing.
public final class PipelineRunner: Sendable {
    public let spec: PipelineSpec
    public let catalogue: ModelCatalogue
    /// Where the presets the pipeline names are found; nil: the bundled ones with `$IMAGEPIPE_PRESETS`.
    public let presets: PresetCatalogue?
    private let control = RunControl()
    private let counter = ProgressCounter()

    /// How far the current (or last) run has come: for a status line redrawn between events.
    public var progress: RunProgress { counter.snapshot }

    public init(spec: PipelineSpec, catalogue: ModelCatalogue, presets: PresetCatalogue? = nil) {
        self.spec = spec
        self.catalogue = catalogue
        self.presets = presets
    }

    /// Asks a running `run` to stop as Ctrl-C does: no new submit, in-flight submits settle (at most 10 s),
    /// then the run ends and reports what is pending.
    public func stop() { control.requestStop(.interrupted) }

    /// How long an interrupted run waits for submits in flight to get their task ids journaled.
    static let settleSeconds = 10.0

    /// The stages, in their fixed order, for this pipeline.
    static func stages(for spec: PipelineSpec) -> [any ItemStage] {
        var stages: [any ItemStage] = []
        if spec.input != nil { stages.append(spec.check ?? CheckStep()) }
        if spec.aspect != nil || spec.generate != nil { stages.append(spec.aspect ?? AspectStep()) }
        if let generate = spec.generate { stages.append(generate) }
        if let verify = spec.verify { stages.append(verify) } else { stages.append(Acceptance()) }
        if let upscale = spec.upscale { stages.append(upscale) }
        if let fit = spec.fit { stages.append(fit) }
        if let verify = spec.verify, verify.presets != nil { stages.append(PresetVerification(verify: verify)) }
        if let thumbnail = spec.thumbnail { stages.append(thumbnail) }
        if let thumbnail = spec.thumbnail, spec.generate != nil, spec.input != nil { stages.append(ReferenceThumbnail(step: thumbnail)) }
        return stages
    }

    // MARK: Plan

    /// What a run would do and cost, with nothing written and nothing sent. Items the journal already
    /// has (generated, or submitted and pending) cost nothing more. With `shard`, what that shard's run
    /// would do: its items only, against its own journal (two of its items with the same picture are
    /// found; one in another shard is not, since that would mean reading every shard's files).
    public func plan(shard: Shard? = nil) -> Plan {
        let (batch, patternProblems) = ItemList.make(spec)
        let items = Self.select(batch, shard: shard).items
        let journalPath = Self.stateDirectory(spec, shard: shard) + "/" + Self.journalName
        let existing = FileManager.default.fileExists(atPath: journalPath) ? try? Journal(path: journalPath) : nil
        let context = RunContext(spec: spec, catalogue: catalogue, options: RunOptions(), journal: nil, budget: Budget(limit: nil),
                                 control: control, session: nil, events: { _ in })
        let cost = context.model.flatMap { model in spec.generate.flatMap { model.credits(for: $0.resolution) } } ?? 0
        var firstWithContent: [String: String] = [:]
        var planned: [PlanItem] = []
        var requests = RequestEstimate(spec: spec, journal: existing)
        for item in items {
            let content = item.input.map { contentHash(of: $0, journal: existing) }
            let key = key(for: item, content: content)
            var sameAs: String?
            if let content, let hash = content.hash {
                if let first = firstWithContent[hash] { sameAs = first } else { firstWithContent[hash] = item.name.text }
            }
            var planning = ItemContext(item: item, key: key, record: existing?.record(key) ?? ItemRecord(key: key, name: item.name.text, input: item.input))
            if planning.record.state.isUnsent { planning.update { $0.problems = [] } }
            for stage in Self.stages(for: spec) {
                do { try stage.plan(&planning, in: context) } catch { break }
            }
            let record = planning.record
            let sends = spec.generate != nil && record.problems.isEmpty && planning.needsReference
            var problems = record.problems
            if let refusal = planning.upscalePlan?.refusal { problems.append(ItemProblem(.upscale, subject: item.name.text, reason: refusal.description)) }
            let upscale = problems.isEmpty ? planning.upscalePlan?.decision : nil
            if sends { requests.addGeneration(of: planning, content: content?.hash, model: context.model) }
            if let upscale { requests.addUpscale(upscale, fromTask: spec.generate != nil) }
            planned.append(PlanItem(name: item.name.text, input: item.input, ratio: record.ratio, distortion: record.distortion,
                                    tier: spec.generate?.resolution, credits: sends ? cost : 0, state: record.state,
                                    problems: problems, sameContentAs: sameAs, upscale: upscale))
        }
        let generation = planned.reduce(0) { $0 + $1.credits }
        let upscaling = planned.reduce(0) { $0 + ($1.upscale?.credits ?? 0) }
        let dollars = Double(generation) * (context.model?.dollarsPerCredit ?? 0) + Double(upscaling) * (catalogue.service?.upscale.dollarsPerCredit ?? 0)
        return Plan(items: planned, patternProblems: patternProblems.map { ItemProblem(.unreadable, subject: $0.pattern, reason: $0.problem) },
                    totalCredits: generation + upscaling, dollars: dollars, requests: requests.total > 0 ? requests : nil)
    }

    // MARK: Run

    static let journalName = "journal.sqlite"

    /// Executes the pipeline against `backend`. `onStart` hears the number of items once they are known,
    /// before any event; `onEvent` hears each item at each step: every move, and one event for a step
    /// that moved nothing.
    public func run(backend: Backend, options: RunOptions = RunOptions(), onStart: @Sendable (RunProgress) -> Void = { _ in },
                    onEvent: @escaping @Sendable (RunEvent) -> Void = { _ in }) async throws(RunError) -> RunSummary {
        let problems = spec.problems(catalogue: catalogue, presets: presets)
        guard problems.isEmpty else { throw .invalid(problems) }
        let namedPresets = spec.resolvePresets(in: presets).found
        if case .loopback? = spec.publish?.way, !backend.isOnThisMachine, spec.paysTheService, spec.input != nil {
            throw .publish(.loopbackNeedsSimulator)
        }
        // A run that pays divides the batch as the journals already in the folder did (`JournalDivision`).
        if spec.paysTheService, let conflict = JournalDivision.read(spec.outputDirectory).conflict(with: options.shard) {
            throw .shardingConflict(path: spec.outputDirectory, found: conflict, requested: options.shard)
        }
        // A shard keeps its journal, lock and report in its own folder, so that shards share the outputs'
        // folder and never each other's state; the leftovers it removes are its own.
        let output = Self.stateDirectory(spec, shard: options.shard)
        guard AtomicFile.makeDirectories(output) else { throw .outputFolder(path: output, detail: "cannot create the folder") }
        let lock: RunLock
        do { lock = try RunLock.acquire(directory: output) } catch { throw .locked(error) }
        defer { withExtendedLifetime(lock) {} }
        let free = Self.freeBytes(output)
        if let free, free < options.minimumFreeBytes { throw .lowDiskSpace(path: output, free: free, needed: options.minimumFreeBytes) }
        Self.removeLeftovers(in: output)

        let journal: Journal
        do { journal = try Journal(path: output + "/" + Self.journalName, crashAfterWrites: options.crashAfterWrites) } catch { throw .journal(error) }
        let (batch, patternProblems) = ItemList.make(spec)
        let (items, positions) = Self.select(batch, shard: options.shard)
        let inputProblems = patternProblems.map { ItemProblem(.unreadable, subject: $0.pattern, reason: $0.problem) }
        let budget = Budget(limit: options.maxCredits)
        counter.begin(total: items.count, budget: budget)
        onStart(counter.snapshot)
        for problem in inputProblems {
            var event = RunEvent(item: problem.subject, step: InputStep.keyword, state: .failed, message: nil, problems: [problem])
            event.progress = counter.snapshot
            onEvent(event)
        }
        var contexts: [ItemContext] = []
        contexts.reserveCapacity(items.count)
        var fresh: [ItemRecord] = []
        for item in items {
            let key = key(for: item, content: item.input.map { contentHash(of: $0, journal: journal) })
            let record = journal.record(key) ?? ItemRecord(key: key, name: item.name.text, input: item.input)
            if journal.record(key) == nil { fresh.append(record) }
            contexts.append(ItemContext(item: item, key: key, record: record))
        }
        do { try journal.insert(fresh) } catch { throw .journal(error) }

        var session: GenerationSession?
        if spec.paysTheService {
            var chosen = backend
            if case .simulator(var simulated) = backend, simulated.stateDirectory == nil {
                simulated.stateDirectory = output + "/.simulator"
                chosen = .simulator(simulated)
            }
            do { session = try await GenerationSession.open(backend: chosen, catalogue: catalogue, pollPolicy: options.pollPolicy) } catch {
                throw .backend(detail: error.reason)
            }
        }
        let context = RunContext(spec: spec, catalogue: catalogue, options: options, journal: journal,
                                 budget: budget, control: control, session: session, presets: namedPresets, progress: counter,
                                 events: onEvent)
        let width = max(1, options.jobs ?? spec.generate?.concurrency ?? ProcessInfo.processInfo.activeProcessorCount)
        await Self.process(contexts, stages: Self.stages(for: spec), width: width, in: context)
        await session?.close()
        // Not money: kept for adaptive polling and for plan's request count; a failure here loses nothing paid.
        try? journal.recordDurations(context.durations.all)
        if let session, let limit = session.client.rateLimit {
            try? journal.recordRequestLimit(RequestLimitRecord(service: session.client.configuration.baseURL, limit: limit.limit,
                                                               remaining: limit.remaining, reset: limit.reset, seenAt: Date().timeIntervalSince1970))
        }

        var stopError: RunError?
        do { try journal.flush() } catch { stopError = .journal(error) }
        let reports = contexts.map { ItemReport(journal.record($0.key) ?? $0.record, model: context.model) }
        var summary = RunSummary(items: reports, creditsCommitted: context.budget.committed, reportPath: output + "/report.json",
                                 htmlPath: output + "/index.html", stop: control.stop, inputProblems: inputProblems,
                                 unjournaled: control.unjournaledTasks.map { UnjournaledTask(item: $0.item, taskID: $0.taskID) })
        do {
            let shard = options.shard.map { ShardReport(index: $0.index, count: $0.count, batchItems: batch.count, positions: positions) }
            (summary.reportPath, summary.htmlPath) = try ReportWriter.write(reports, spec: spec, directory: output, backend: session?.backendName,
                                                                            pipelineFile: options.pipelineFile, shard: shard)
        } catch {
            // With task ids that only this summary knows, the summary matters more than the report.
            guard !summary.unjournaled.isEmpty else { throw .outputFolder(path: output, detail: "cannot write the report: \(error.reason)") }
            summary.reportProblem = error.reason
        }
        if let stopError, summary.unjournaled.isEmpty { throw stopError }
        return summary
    }

    /// Works the items through the stages, `width` at a time. When the run is asked to stop, no item is
    /// started any more; submits in flight get `settleSeconds` to have their task ids journaled, then the
    /// rest (polls, downloads) is cancelled — their task ids are on disk, so the next run takes them up.
    private static func process(_ contexts: [ItemContext], stages: [any ItemStage], width: Int, in run: RunContext) async {
        let work = Task {
            await withTaskGroup(of: Void.self) { group in
                var next = 0
                func launch() {
                    let start = contexts[next]
                    next += 1
                    run.progress.started()
                    group.addTask {
                        var item = start
                        defer { run.progress.finished(in: item.record.effectiveState) }
                        for stage in stages {
                            if Task.isCancelled { return }
                            let sent = item.eventsSent
                            do { try await stage.run(&item, in: run) } catch { return }
                            if item.eventsSent == sent, !Task.isCancelled {
                                item.emit(item.event(step: stage.keyword, message: stage.note(for: item)), in: run)
                            }
                        }
                    }
                }
                while next < min(width, contexts.count) { launch() }
                while await group.next() != nil {
                    if next < contexts.count, run.control.stop == nil { launch() }
                }
            }
        }
        let watcher = Task {
            while run.control.stop == nil {
                try await Task.sleep(for: .milliseconds(50))
            }
            await run.control.settle(within: settleSeconds)
            work.cancel()
        }
        await work.value
        watcher.cancel()
    }

    // MARK: Shards

    /// The folder of a run's journal, lock and report: the output folder, or its shard's below it.
    static func stateDirectory(_ spec: PipelineSpec, shard: Shard?) -> String {
        spec.outputDirectory + (shard.map { "/" + $0.folder } ?? "")
    }

    /// The items `shard` takes, with their places in the whole batch; all of them without a shard. Names
    /// were given over the whole batch, so an item is named alike whichever shard runs it.
    static func select(_ batch: [PipelineItem], shard: Shard?) -> (items: [PipelineItem], positions: [Int]) {
        guard let shard else { return (batch, Array(batch.indices)) }
        let positions = batch.indices.filter { shard.takes(batch[$0].shardKey) }
        return (positions.map { batch[$0] }, positions)
    }

    // MARK: Keys

    /// An input's content, by its SHA-256 (remembered in the journal with its size, time and inode, so an
    /// unchanged file is not read again); nil hash when it cannot be read.
    struct Content {
        var hash: String?
    }

    func contentHash(of path: String, journal: Journal?) -> Content {
        guard let found = OutputFile.fingerprint(path) else { return Content(hash: nil) }
        if let known = journal?.cachedHash(path: path, bytes: Int64(found.bytes), modified: found.modified, inode: found.inode) {
            return Content(hash: known)
        }
        guard let hash = OutputFile.checksum(path) else { return Content(hash: nil) }
        journal?.rememberHash(path: path, bytes: Int64(found.bytes), modified: found.modified, inode: found.inode, sha256: hash)
        return Content(hash: hash)
    }

    /// The item's journal key: its name (so identical files stay two items), its input's content, and the
    /// canonical text of the steps that shape its output.
    func key(for item: PipelineItem, content: Content?) -> String {
        var hasher = SHA256()
        let shaping = [item.input != nil ? (spec.check ?? CheckStep()).canonical : nil, spec.aspect?.canonical, spec.generate?.canonical]
            .compactMap { $0 }.joined(separator: "\n")
        for part in ["imagepipe item 2", item.name.text, content.map { $0.hash ?? "unreadable" } ?? "", shaping] {
            hasher.update(data: Array(part.utf8) + [0])
        }
        return hex(hasher.finalize())
    }

    // MARK: The output folder

    /// Free bytes for unprivileged users in the file system holding `path`.
    static func freeBytes(_ path: String) -> Int64? {
        var status = statvfs()
        guard statvfs(path, &status) == 0 else { return nil }
        return Int64(status.f_bavail) * Int64(status.f_frsize)
    }

    /// Partial files a killed run can leave (atomic writes' temporaries in `.work/` and the output folder,
    /// unfinished downloads): no run holds them once this run has the lock.
    static func removeLeftovers(in output: String) {
        let manager = FileManager.default
        for folder in [output, output + "/.work"] {
            for name in (try? manager.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(".") && name.contains(".tmp-") {
                try? manager.removeItem(atPath: folder + "/" + name)
            }
        }
        try? manager.removeItem(atPath: output + "/.downloads")
    }
}

/// What `plan` finds for one item, before any network or spending.
public struct PlanItem: Sendable {
    public var name: String
    public var input: String?
    public var ratio: String?
    /// How far the reference is from the chosen ratio (0.04 = 4 %).
    public var distortion: Double?
    public var tier: ResolutionTier?
    /// Credits a run would spend on it now.
    public var credits: Int
    /// Where the journal has it (`pending` for a new item).
    public var state: ItemState
    public var problems: [ItemProblem]
    /// An earlier item whose input has the same bytes: both are generated (and paid for).
    public var sameContentAs: String?
    /// The upscale a run would make of it (its factor, output size and credits); nil when none.
    public var upscale: UpscaleDecision?
}

public struct Plan: Sendable {
    public var items: [PlanItem]
    /// Input patterns that matched nothing.
    public var patternProblems: [ItemProblem]
    /// Generations' and upscales' credits.
    public var totalCredits: Int
    public var dollars: Double
    /// The requests the run would make against the service's daily limit; nil when none.
    public var requests: RequestEstimate?
}
