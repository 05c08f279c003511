/// How to decode: recorded here, applied in one fixed order by `ImageDecoder`.
public struct DecodeOptions: Sendable, Equatable {
    /// How strict to be about damaged data.
    public var failOn: FailOn
    /// Limits checked from the header before any buffer is allocated.
    public var limits: ImageLimits
    /// Turn the pixels upright according to the EXIF orientation.
    public var applyOrientation: Bool

    public init(failOn: FailOn = .truncated, limits: ImageLimits = ImageLimits(), applyOrientation: Bool = true) {
        self.failOn = failOn
        self.limits = limits
        self.applyOrientation = applyOrientation
    }
}
