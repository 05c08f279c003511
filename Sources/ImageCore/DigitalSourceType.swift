/// How an image was made, in the IPTC "digital source type" vocabulary that marketplaces and search
/// engines read to label AI images (Google Merchant Center requires it on AI-generated product images).
/// Stored as a URI in XMP (`Iptc4xmpExt:DigitalSourceType`) and in C2PA manifests.
public struct DigitalSourceType: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The term after the vocabulary's URI, e.g. `trainedAlgorithmicMedia`.
    public let term: String

    public init(term: String) {
        self.term = term
    }

    /// The vocabulary every term belongs to.
    public static let vocabulary = "http://cv.iptc.org/newscodes/digitalsourcetype/"

    /// Made by a generative model from a prompt (text-to-image).
    public static let trainedAlgorithmicMedia = DigitalSourceType(term: "trainedAlgorithmicMedia")
    /// An existing picture edited or composited with generative AI (image-to-image edits of a reference).
    public static let compositeWithTrainedAlgorithmicMedia = DigitalSourceType(term: "compositeWithTrainedAlgorithmicMedia")

    /// The full URI, as written into XMP.
    public var uri: String { Self.vocabulary + term }

    public var description: String { term }

    /// True for the terms that say generative AI was involved.
    public var isGenerativeAI: Bool {
        term.lowercased().contains("trainedalgorithmic")
    }

    /// The first term of the vocabulary named anywhere in `bytes` (an XMP packet or a C2PA manifest,
    /// where CBOR keeps the URI as plain text), or nil.
    static func find(in bytes: some Collection<UInt8>) -> DigitalSourceType? {
        let needle = Array(vocabulary.utf8)
        let haystack = Array(bytes)
        guard haystack.count >= needle.count else { return nil }
        var index = 0
        while index + needle.count <= haystack.count {
            if haystack[index] == needle[0], haystack[index..<index + needle.count].elementsEqual(needle) {
                var end = index + needle.count
                while end < haystack.count, isTermCharacter(haystack[end]) { end += 1 }
                if end > index + needle.count {
                    return DigitalSourceType(term: String(decoding: haystack[(index + needle.count)..<end], as: UTF8.self))
                }
            }
            index += 1
        }
        return nil
    }

    private static func isTermCharacter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
    }
}
