/// How far a catalogue size can be trusted, which decides how `verify` checks an output against it.
public enum SizeConfidence: String, Sendable, Codable, CaseIterable {
    /// The model's maker or the service publishes it: an output must have exactly this size (within the
    /// tolerance).
    case published
    /// Other hosts of the model report it: an output must have the ratio asked for (within the tolerance)
    /// and pixels in the tier's band; its exact size is learned from real outputs (observed sizes).
    case reported
    /// Derived from published limits, not seen anywhere: checked like `reported`, and `verify` says that
    /// the exact size is unverified.
    case assumed
}

/// Output sizes that share one source and one confidence: per aspect ratio ("16:9", or "auto" for what the
/// service picks itself) and tier ("1K"), a width × height. A model's sizes are one or more such tables,
/// so every size in the catalogue carries where it comes from.
public struct OutputSizeTable: Sendable, Codable, Equatable {
    public var confidence: SizeConfidence
    /// Where the figures come from, in words (a page, a rule they are derived from).
    public var source: String
    /// aspect ratio → tier → size.
    public var sizes: [String: [String: PixelSize]]

    public init(confidence: SizeConfidence, source: String, sizes: [String: [String: PixelSize]]) {
        self.confidence = confidence
        self.source = source
        self.sizes = sizes
    }
}

/// One catalogue size with its confidence and source.
public struct CatalogueSize: Sendable, Equatable {
    public var size: PixelSize
    public var confidence: SizeConfidence
    public var source: String
}
