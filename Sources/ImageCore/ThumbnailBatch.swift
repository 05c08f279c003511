import Dispatch
import Synchronization
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The outcome of one file of a batch: where its thumbnail went, or why there is none.
public struct ThumbnailResult: Sendable {
    public var input: String
    public var output: String?
    public var width: Int?
    public var height: Int?
    public var bytes: Int?
    /// "path: reason" when this file failed; the rest of the batch goes on regardless.
    public var error: String?
    public var decisions: [String]
    public var warnings: [String]
    public var seconds: Double

    public init(input: String, output: String? = nil, width: Int? = nil, height: Int? = nil, bytes: Int? = nil,
                error: String? = nil, decisions: [String] = [], warnings: [String] = [], seconds: Double = 0) {
        self.input = input
        self.output = output
        self.width = width
        self.height = height
        self.bytes = bytes
        self.error = error
        self.decisions = decisions
        self.warnings = warnings
        self.seconds = seconds
    }
}

/// Thumbnails many files with a fixed number of workers, each holding one image at a time, so memory
/// stays bounded however large the batch. One bad file is reported and never stops the others.
public enum ThumbnailBatch {
    /// Runs the batch with `jobs` workers, each input's thumbnail going to `directory/<name>.<ext>`, with
    /// `-2`, `-3`, ... added in input order when two inputs would get the same name (`a/shoe.jpg` and
    /// `b/shoe.png` as WebP); see `ThumbnailNaming`. `progress` is called once per finished file, one call
    /// at a time, with how many are done; the results come back in input order.
    public static func run(
        inputs: [String], outputDirectory: String, options: ThumbnailOptions, jobs: Int,
        progress: @Sendable (ThumbnailResult, _ completed: Int) -> Void = { _, _ in }
    ) -> [ThumbnailResult] {
        let outputs = ThumbnailNaming(directory: outputDirectory)
            .paths(for: inputs.map { ($0, InputFiles.root(of: $0)) }, options: options)
        return run(inputs: inputs, outputs: outputs, options: options, jobs: jobs, progress: progress)
    }

    /// Runs the batch with `jobs` workers, `inputs[i]`'s thumbnail going to `outputs[i]` (folders made as
    /// needed), started in `startOrder`. Once `stop` answers true no further file is started; the results,
    /// in input order, are then those of the files started. Decoder buffers are kept in the heap from one
    /// image to the next (see `LibJPEG.keepLargeBuffers`), which changes how this process's allocator
    /// returns memory for good.
    public static func run(
        inputs: [String], outputs: [String], options: ThumbnailOptions, jobs: Int,
        stop: @Sendable () -> Bool = { false },
        progress: @Sendable (ThumbnailResult, _ completed: Int) -> Void = { _, _ in }
    ) -> [ThumbnailResult] {
        precondition(inputs.count == outputs.count, "one output path per input")
        LibJPEG.keepLargeBuffers()
        // A folder that cannot be made fails each write into it, by name.
        for folder in Set(outputs.map { path in path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "." }) {
            _ = AtomicFile.makeDirectories(folder)
        }
        let order = startOrder(inputs, jobs: jobs, stop: stop)
        let next = Atomic<Int>(0)
        let state = Mutex<(results: [ThumbnailResult?], completed: Int)>((Array(repeating: nil, count: inputs.count), 0))
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, inputs.count))) { _ in
            while !stop() {
                let position = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard position < order.count else { return }
                let index = order[position]
                let result = one(input: inputs[index], output: outputs[index], options: options)
                state.withLock { state in
                    state.results[index] = result
                    state.completed += 1
                    progress(result, state.completed)
                }
            }
        }
        return state.withLock { $0.results.compactMap { $0 } }
    }

    /// The order files are started in. One worker takes them as given. Several take the largest files
    /// first (by size on disk, the one cost known without reading a file), so that the batch ends on
    /// small files rather than with one worker busy on a large photo while the others have nothing left:
    /// the longest-first rule for sharing work among equal workers. Files that cannot be read count as
    /// empty; they fail at once. Ties keep input order. Sizing a large batch on a slow filesystem takes a
    /// while, so `stop` is asked every 256 files; once it answers true nothing is started (empty order).
    static func startOrder(_ inputs: [String], jobs: Int, stop: () -> Bool = { false }) -> [Int] {
        guard jobs > 1 else { return Array(inputs.indices) }
        var sizes: [Int] = []
        sizes.reserveCapacity(inputs.count)
        for (index, path) in inputs.enumerated() {
            if index % 256 == 0 && stop() { return [] }
            var status = stat()
            sizes.append(stat(path, &status) == 0 ? Int(status.st_size) : 0)
        }
        return inputs.indices.sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
    }

    static func one(input: String, output: String, options: ThumbnailOptions) -> ThumbnailResult {
        let start = ContinuousClock.now
        do {
            let (thumbnail, bytes) = try Thumbnailer.write(input: input, to: output, options: options)
            return ThumbnailResult(
                input: input, output: output, width: thumbnail.pixels.width, height: thumbnail.pixels.height, bytes: bytes,
                error: nil, decisions: thumbnail.decisions, warnings: thumbnail.warnings, seconds: seconds(since: start))
        } catch {
            let message = (error as? FileError)?.description ?? "\(input): \(error)"
            return ThumbnailResult(
                input: input, output: nil, width: nil, height: nil, bytes: nil, error: message, decisions: [], warnings: [],
                seconds: seconds(since: start))
        }
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
