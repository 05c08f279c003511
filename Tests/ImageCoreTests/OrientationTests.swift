import Testing
@testable import ImageCore

@Suite struct OrientationTests {
    /// Storing a picture under orientation N means applying N's inverse; decoding applies N. For each
    /// orientation, build the stored form by hand from the definition and check that `oriented` undoes it.
    @Test(arguments: Orientation.allCases)
    func orientedUndoesTheStoredTransform(orientation: Orientation) {
        let upright = Fixtures.picture(width: 5, height: 3, layout: .rgb)
        let storedWidth = orientation.swapsDimensions ? 3 : 5
        let storedHeight = orientation.swapsDimensions ? 5 : 3
        var stored = [UInt8](repeating: 0, count: 15 * 3)
        for y in 0..<3 {
            for x in 0..<5 {
                let source = orientation.sourcePoint(x: x, y: y, storedWidth: storedWidth, storedHeight: storedHeight)
                for c in 0..<3 { stored[(source.y * storedWidth + source.x) * 3 + c] = upright.pixels[(y * 5 + x) * 3 + c] }
            }
        }
        let turned = PixelBuffer(width: storedWidth, height: storedHeight, layout: .rgb, pixels: stored).oriented(orientation)
        #expect(turned == upright)
    }

    /// Two well-known cases by hand: orientation 6 is a quarter turn clockwise, 3 a half turn.
    @Test func knownTurns() {
        // Stored 2×1: [A B]. Orientation 6 displays it turned clockwise: a 1×2 column, A on top.
        let stored = PixelBuffer(width: 2, height: 1, layout: .grey, pixels: [10, 20])
        #expect(stored.oriented(.right).pixels == [10, 20])
        #expect(stored.oriented(.right).width == 1)
        #expect(stored.oriented(.left).pixels == [20, 10])
        #expect(stored.oriented(.down).pixels == [20, 10])
        #expect(stored.oriented(.upMirrored).pixels == [20, 10])
    }

    @Test(arguments: [1, 6])
    func decodeTurnsJPEGUpright(orientation: Int) throws {
        let image = try ImageDecoder.decode(bytes: Fixtures.jpegWithOrientation(orientation), path: "o.jpg")
        #expect(image.pixels.width == (orientation == 6 ? 48 : 64))
        #expect(image.orientationApplied == (orientation != 1))
    }
}
