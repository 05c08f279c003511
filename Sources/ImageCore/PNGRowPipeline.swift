import CPNG
import Dispatch
import Synchronization

/// Streams the rows of a plain PNG without libpng: zlib inflates the image data on a second thread while
/// this one undoes the filters and hands the rows on. A one-job thumbnail batch then keeps two cores busy
/// on a large PNG, as libvips's threads do; through libpng, zlib (about half of a PNG thumbnail's time)
/// and the filters (a third) take turns on one core.
///
/// Only what libpng would read without a word takes this road (`applies`, `PNGImageData`). The moment
/// anything is off — a CRC, damaged or surplus compressed data, a stream that ends short, a filter byte
/// above 4 — it gives up, and the caller decodes the file with libpng from the start, which reports the
/// fault exactly as it always has (the rows handed on so far are handed on again).
enum PNGRowPipeline {
    /// Whether libpng's view of the file, after its header and transforms, is one this reads alike: 8-bit
    /// samples as stored (no palette, no tRNS made alpha, no 16 bits scaled), no interlacing, no warning.
    static func applies(_ header: ippng_header, warnings: Int32) -> Bool {
        let storedChannels: [Int32: Int32] = [0: 1, 2: 3, 4: 2, 6: 4]
        return header.bit_depth == 8 && header.interlaced == 0 && warnings == 0
            && storedChannels[header.color_type] == header.channels
    }

    /// Image data of at least this many bytes (filter bytes included) is inflated on a second thread;
    /// below it, starting the thread costs more than it saves.
    static let threadedBytes = 1 << 20

    /// Hands every row, `width × channels` bytes each, to `consume` in bands of up to `bandRows`. False
    /// when the file must go to libpng instead.
    static func stream(
        _ bytes: [UInt8], width: Int, height: Int, channels: Int, checkAdler32: Bool, bandRows: Int,
        consume: (UnsafePointer<UInt8>, Int) -> Void
    ) -> Bool {
        let rowBytes = width * channels, stride = rowBytes + 1
        let (total, overflow) = stride.multipliedReportingOverflow(by: height)
        guard !overflow, let data = PNGImageData(bytes),
              let inflater = ImageDataInflater(bytes: bytes, chunks: data.chunks, expected: total, checkAdler32: checkAdler32)
        else { return false }
        // Slots of about 256 kB (a row at least): few hand-overs, little memory.
        let rowsPerSlot = min(height, max(1, (256 << 10) / stride))
        let threaded = total >= threadedBytes
        let ring = SlotRing(slots: threaded ? 3 : 1, bytes: rowsPerSlot * stride)
        let helper = threaded ? HelperThread.start { ring.produce(with: inflater) } : nil
        var rows = RowRebuilder(rowBytes: rowBytes, bpp: channels, bandRows: bandRows)
        var index = 0
        var outcome = ImageDataInflater.Outcome.more
        while outcome == .more {
            let count: Int
            if helper != nil {
                ring.ready.wait()
                (count, outcome) = ring.state[index]
            } else {
                (count, outcome) = inflater.fill(ring.slots[index])
            }
            if !rows.failed { rows.rebuild(UnsafePointer(ring.slots[index].baseAddress!), count: count, stride: stride, consume: consume) }
            if rows.failed {
                // On its own, stop at once; the second thread is told, and its last slot waited for.
                guard helper != nil else { break }
                ring.stop.store(true, ordering: .relaxed)
            }
            if helper != nil {
                ring.free.signal()
                index = (index + 1) % ring.slots.count
            }
        }
        helper?.join()
        rows.finish(consume: consume)
        return outcome == .finished && !rows.failed && rows.done == height
    }

    /// Slots that the inflating thread fills and this one empties, in turn; two semaphores order them.
    private final class SlotRing: @unchecked Sendable {
        let slots: [UnsafeMutableBufferPointer<UInt8>]
        /// What each slot holds: written by the producer before `ready`, read after it.
        let state: UnsafeMutablePointer<(count: Int, outcome: ImageDataInflater.Outcome)>
        let ready = DispatchSemaphore(value: 0)
        let free: DispatchSemaphore
        /// Set when the rows went wrong: the producer then ends at its next slot.
        let stop = Atomic<Bool>(false)

        init(slots count: Int, bytes: Int) {
            slots = (0..<count).map { _ in UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes, 1)) }
            state = .allocate(capacity: count)
            state.initialize(repeating: (0, .more), count: count)
            free = DispatchSemaphore(value: count)
        }

        deinit {
            slots.forEach { $0.deallocate() }
            state.deallocate()
        }

        /// The inflating thread's loop: fill the next free slot until the data ends or fails.
        func produce(with inflater: ImageDataInflater) {
            var index = 0
            while true {
                free.wait()
                let result = stop.load(ordering: .relaxed) ? (0, .failed) : inflater.fill(slots[index])
                state[index] = result
                ready.signal()
                if result.1 != .more { return }
                index = (index + 1) % slots.count
            }
        }
    }
}

/// Undoes each row's filter into a band and hands on full bands. The band has one row more, in front:
/// the row above its first, which the filters need.
private struct RowRebuilder {
    let rowBytes: Int
    let bpp: Int
    let bandRows: Int
    private let band: UnsafeMutablePointer<UInt8>
    private var inBand = 0
    private(set) var done = 0
    private(set) var failed = false

    init(rowBytes: Int, bpp: Int, bandRows: Int) {
        self.rowBytes = rowBytes
        self.bpp = bpp
        self.bandRows = bandRows
        band = .allocate(capacity: (bandRows + 1) * rowBytes)
        // Above the first row, zeros.
        band.initialize(repeating: 0, count: (bandRows + 1) * rowBytes)
    }

    /// Rebuilds the rows of `count` filtered bytes, `stride` (a filter byte and a row) each.
    mutating func rebuild(_ filtered: UnsafePointer<UInt8>, count: Int, stride: Int, consume: (UnsafePointer<UInt8>, Int) -> Void) {
        guard count % stride == 0 else { failed = true; return }
        for start in Swift.stride(from: 0, to: count, by: stride) {
            guard let filter = PNGUnfilter.Filter(rawValue: filtered[start]) else { failed = true; return }
            let row = band + (inBand + 1) * rowBytes
            PNGUnfilter.reconstruct(filter, filtered: filtered + start + 1, previous: row - rowBytes, into: row,
                                    count: rowBytes, bpp: bpp)
            inBand += 1
            done += 1
            if inBand == bandRows {
                consume(band + rowBytes, bandRows)
                band.update(from: band + bandRows * rowBytes, count: rowBytes)
                inBand = 0
            }
        }
    }

    /// Hands on the last, partial band and lets the band go.
    mutating func finish(consume: (UnsafePointer<UInt8>, Int) -> Void) {
        if !failed && inBand > 0 { consume(band + rowBytes, inBand) }
        inBand = 0
        band.deallocate()
    }
}

/// Inflates a PNG's image data, chunk by chunk (each chunk's CRC checked before its bytes are used), into
/// the slots it is given; used by one thread at a time.
final class ImageDataInflater: @unchecked Sendable {
    enum Outcome: Equatable, Sendable {
        /// More to come.
        case more
        /// Every expected byte given, and the stream ended exactly with the last chunk.
        case finished
        /// Damaged, short or surplus data, or a CRC mismatch: the file goes to libpng.
        case failed
    }

    private let bytes: [UInt8]
    private let chunks: [PNGImageData.Chunk]
    private let inflater: OpaquePointer
    /// Room for the byte that must not come after the last row.
    private let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    /// The next chunk to open, and what is left of the open one.
    private var nextChunk = 0
    private var position = 0
    private var end = 0
    /// Filtered bytes still to give.
    private var remaining: Int

    init?(bytes: [UInt8], chunks: [PNGImageData.Chunk], expected: Int, checkAdler32: Bool) {
        guard let inflater = ipzlib_inflater_create(checkAdler32 ? 1 : 0) else { return nil }
        self.bytes = bytes
        self.chunks = chunks
        self.inflater = inflater
        remaining = expected
    }

    deinit {
        ipzlib_inflater_destroy(inflater)
        scratch.deallocate()
    }

    /// Fills the start of `slot` with the next filtered bytes (all of it but at the end): how many, and
    /// whether more are to come.
    func fill(_ slot: UnsafeMutableBufferPointer<UInt8>) -> (count: Int, outcome: Outcome) {
        let want = min(slot.count, remaining)
        guard inflate(into: slot.baseAddress!, count: want) else { return (0, .failed) }
        remaining -= want
        guard remaining == 0 else { return (want, .more) }
        return (want, endsCleanly() ? .finished : .failed)
    }

    /// What one call into zlib did.
    private enum Step {
        case progress, ended, damaged
        /// Nothing moved: the open chunk is used up (or the data is damaged, if it is not).
        case stuck
    }

    /// Whether zlib has seen the end of the stream.
    private var streamEnded = false

    /// Inflates exactly `count` bytes into `output`; false when the data cannot give them.
    private func inflate(into output: UnsafeMutablePointer<UInt8>, count: Int) -> Bool {
        var out = output, outLeft = count
        while outLeft > 0 {
            switch step(&out, &outLeft) {
            case .progress: continue
            case .ended: streamEnded = true; return outLeft == 0
            case .damaged: return false
            case .stuck: guard position == end, openNextChunk() else { return false }
            }
        }
        return true
    }

    /// After the last expected byte the stream must end, give nothing more, and use up the last chunk.
    private func endsCleanly() -> Bool {
        while !streamEnded {
            var out = scratch, outLeft = 1
            switch step(&out, &outLeft) {
            case .progress: guard outLeft == 1 else { return false }
            case .ended:
                guard outLeft == 1 else { return false }
                streamEnded = true
            case .damaged: return false
            case .stuck: guard position == end, openNextChunk() else { return false }
            }
        }
        return position == end && nextChunk == chunks.count
    }

    /// One call into zlib over what is left of the open chunk.
    private func step(_ out: inout UnsafeMutablePointer<UInt8>, _ outLeft: inout Int) -> Step {
        bytes.withUnsafeBufferPointer { data in
            var input: UnsafePointer<UInt8>? = UnsafePointer(data.baseAddress! + position)
            var inputLeft = end - position
            var output = Optional(out)
            let before = (inputLeft, outLeft)
            let status = ipzlib_inflater_run(inflater, &input, &inputLeft, &output, &outLeft)
            position = end - inputLeft
            out = output!
            switch status {
            case 1: return .ended
            case 0: return before == (inputLeft, outLeft) ? .stuck : .progress
            default: return .damaged
            }
        }
    }

    /// Opens the next chunk once its CRC is right; false when none is left or it is damaged.
    private func openNextChunk() -> Bool {
        guard nextChunk < chunks.count else { return false }
        let chunk = chunks[nextChunk]
        nextChunk += 1
        guard PNGImageData.crc(of: bytes, chunk.checked) == chunk.crc else { return false }
        (position, end) = (chunk.payload.lowerBound, chunk.payload.upperBound)
        return true
    }
}
