import Dispatch
import Foundation
import Synchronization
import Testing
@testable import ImageCore

/// The gate that keeps a two-job thumbnail batch to one large progressive decode at a time.
@Suite struct CoefficientGateTests {
    static func jpeg(_ width: Int, _ height: Int, progressive: Bool, model: ColorModel = .rgb) -> ImageInfo {
        ImageInfo(format: .jpeg, storedWidth: width, storedHeight: height, bytes: 1, hasAlpha: false,
                  isProgressive: progressive, colorModel: model)
    }

    @Test func estimatesTheBufferOfProgressiveFilesOnly() {
        // 640×360 blocks, 3 components, 128 bytes each: the 88 MB of the corpus's 5K wallpapers.
        #expect(CoefficientGate.bufferBytes(of: Self.jpeg(5120, 2880, progressive: true)) == 88_473_600)
        #expect(CoefficientGate.bufferBytes(of: Self.jpeg(5120, 2880, progressive: true, model: .grey)) == 29_491_200)
        #expect(CoefficientGate.bufferBytes(of: Self.jpeg(5120, 2880, progressive: false)) == 0)
        #expect(CoefficientGate.bufferBytes(of: Self.jpeg(9, 9, progressive: true, model: .grey)) == 4 * 128)
        let png = ImageInfo(format: .png, storedWidth: 5120, storedHeight: 2880, bytes: 1, hasAlpha: false, colorModel: .rgb)
        #expect(CoefficientGate.bufferBytes(of: png) == 0)
    }

    /// Large decodes started together on four threads never overlap; small ones are not held back.
    @Test func largeDecodesRunOneAtATime() {
        let large = Self.jpeg(5120, 2880, progressive: true)
        let running = Atomic<Int>(0), most = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            CoefficientGate.run(for: large) {
                let now = running.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
                _ = most.max(now, ordering: .sequentiallyConsistent)
                usleep(20_000)
                running.wrappingSubtract(1, ordering: .sequentiallyConsistent)
            }
        }
        #expect(most.load(ordering: .sequentiallyConsistent) == 1)

        let small = Self.jpeg(1024, 768, progressive: true)
        let entered = Atomic<Int>(0)
        // Inside a large decode, a small one still runs: it does not wait for the gate.
        CoefficientGate.run(for: large) {
            CoefficientGate.run(for: small) { entered.wrappingAdd(1, ordering: .relaxed) }
        }
        #expect(entered.load(ordering: .relaxed) == 1)
    }
}
