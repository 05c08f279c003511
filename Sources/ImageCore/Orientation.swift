/// EXIF orientation: how the stored pixels must be turned to stand upright. Cameras store the sensor's
/// rows as they came and record the phone's attitude here, so a portrait photo is often stored sideways.
public enum Orientation: Int, Sendable, CaseIterable, Codable {
    /// Upright as stored.
    case up = 1
    /// Mirrored left to right.
    case upMirrored = 2
    /// Upside down.
    case down = 3
    /// Mirrored top to bottom.
    case downMirrored = 4
    /// Mirrored along the main diagonal (transposed).
    case leftMirrored = 5
    /// Needs a quarter turn clockwise to stand upright.
    case right = 6
    /// Mirrored along the anti-diagonal (transversed).
    case rightMirrored = 7
    /// Needs a quarter turn counter-clockwise to stand upright.
    case left = 8

    /// Values outside 1-8 (0 is common in the wild) mean "no orientation recorded", which is upright.
    public init(exifValue: Int) {
        self = Orientation(rawValue: exifValue) ?? .up
    }

    /// True for the four orientations whose upright picture has width and height exchanged.
    public var swapsDimensions: Bool { rawValue >= 5 }

    /// Where the upright pixel at (x, y) comes from in the stored picture of `width`×`height` (stored size).
    @inline(__always)
    func sourcePoint(x: Int, y: Int, storedWidth w: Int, storedHeight h: Int) -> (x: Int, y: Int) {
        switch self {
        case .up: (x, y)
        case .upMirrored: (w - 1 - x, y)
        case .down: (w - 1 - x, h - 1 - y)
        case .downMirrored: (x, h - 1 - y)
        case .leftMirrored: (y, x)
        case .right: (y, h - 1 - x)
        case .rightMirrored: (w - 1 - y, h - 1 - x)
        case .left: (w - 1 - y, x)
        }
    }
}
