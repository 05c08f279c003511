import Dispatch
import Synchronization

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
}

/// Thumbnails many files with a fixed number of workers, each holding one image at a time, so memory
/// stays bounded however large the batch. One bad file is reported and never stops the others.
public enum ThumbnailBatch {
    /// Where each input's thumbnail goes: `directory/<name>.<ext>`, with `-2`, `-3`, ... added in input
    /// order when two inputs would get the same name (`a/shoe.jpg` and `b/shoe.png` as WebP). The
    /// extension follows the output format, or the input's real format (probed) when none is set.
    public static func outputPaths(for inputs: [String], directory: String, format: ImageFormat?) -> [String] {
        var used = Set<String>()
        return inputs.map { input in
            let file = input.split(separator: "/").last.map(String.init) ?? input
            let stem = file.lastIndex(of: ".").map { String(file[..<$0]) } ?? file
            let ext = (format ?? (try? ImageProbe.probe(path: input, limits: ImageLimits(maxPixels: nil)))?.format
                ?? ImageFormat.jpeg).fileExtension
            var name = "\(stem).\(ext)"
            var counter = 2
            while used.contains(name.lowercased()) {
                name = "\(stem)-\(counter).\(ext)"
                counter += 1
            }
            used.insert(name.lowercased())
            return directory.hasSuffix("/") ? directory + name : directory + "/" + name
        }
    }

    /// Runs the batch with `jobs` workers. `progress` is called once per finished file, one call at a
    /// time, with how many are done; the results come back in input order.
    /// Decoder buffers are kept in the heap from one image to the next (see `LibJPEG.keepLargeBuffers`),
    /// which changes how this process's allocator returns memory for good.
    public static func run(
        inputs: [String], outputDirectory: String, options: ThumbnailOptions, jobs: Int,
        progress: @Sendable (ThumbnailResult, _ completed: Int) -> Void = { _, _ in }
    ) -> [ThumbnailResult] {
        LibJPEG.keepLargeBuffers()
        _ = AtomicFile.makeDirectories(outputDirectory)  // a folder that cannot be made fails each write, by name
        let outputs = outputPaths(for: inputs, directory: outputDirectory, format: options.format)
        let next = Atomic<Int>(0)
        let state = Mutex<(results: [ThumbnailResult?], completed: Int)>((Array(repeating: nil, count: inputs.count), 0))
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, inputs.count))) { _ in
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < inputs.count else { return }
                let result = one(input: inputs[index], output: outputs[index], options: options)
                state.withLock { state in
                    state.results[index] = result
                    state.completed += 1
                    progress(result, state.completed)
                }
            }
        }
        return state.withLock { $0.results.map { $0! } }
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
