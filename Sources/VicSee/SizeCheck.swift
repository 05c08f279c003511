import Foundation

/// Judges an output's pixel size against what was paid for: a model, a tier and an aspect ratio. It knows
/// sizes, not pixels — the caller measures the image. How it checks depends on what is known of the size:
///
/// - a `published` size must match exactly (each edge within the tolerance);
/// - a size seen before in real outputs (observed) must match it exactly; a different size of the right
///   ratio and tier is a change of the service's size, named as such and not a failure;
/// - a `reported` or `assumed` size is checked by ratio (within 2 % plus the tolerance, since the sizes
///   services use are rounded to multiples of 16, which moves a ratio by up to about 1 %) and by the tier's
///   pixel band (`ModelSpec.pixelBands()`); for an assumed size the verdict says the exact size is unverified.
///
/// Whatever the confidence, fewer pixels than the tier paid for is a downgrade, and another ratio than the
/// one asked for is a wrong ratio: the silent downgrades some hosts make.
public struct SizeCheck: Sendable {
    public var model: ModelSpec
    public var tier: ResolutionTier
    /// The ratio asked for; nil or `auto` accepts any ratio the model lists.
    public var aspect: AspectChoice?
    /// Relative tolerance of each edge (0.02 = 2 %), also added to the ratio allowance.
    public var tolerance: Double

    /// How far (in log ratio, about a relative difference) an output's ratio may be from the one asked
    /// for before the tolerance: the listed sizes are up to 1 % off their nominal ratios.
    public static let ratioAllowance = 0.02

    public init(model: ModelSpec, tier: ResolutionTier, aspect: AspectChoice?, tolerance: Double = 0) {
        self.model = model
        self.tier = tier
        self.aspect = aspect
        self.tolerance = tolerance
    }

    public var request: SizeRequest {
        SizeRequest(model: model.id, tier: tier, aspect: aspect?.description ?? "auto")
    }

    /// The verdict on an output of `received` pixels. `observed` (the user's observed sizes) supplies the
    /// expected size where the catalogue's is only reported or assumed; pass nil for outputs that must be
    /// judged by the catalogue alone (simulated ones).
    public func judge(_ received: PixelSize, observed: ObservedSizes? = nil) -> SizeVerdict {
        let (aspectKey, target, listed) = expectation(for: received)
        // Named by the ratio judged (for `auto`, the nearest listed one), as recorded; problems about what was
        // asked name what was asked.
        let request = SizeRequest(model: model.id, tier: tier, aspect: aspectKey)
        let askedRequest = self.request
        let seen = listed?.confidence == .published ? nil : observed?.size(model: model.id, tier: tier, aspect: aspectKey)
        let basis: SizeBasis =
            if seen != nil { .observed } else {
                switch listed?.confidence {
                case .published: .published
                case .reported: .reported
                case .assumed: .assumed
                case nil: .unlisted
                }
            }
        let expected = seen?.size ?? listed?.size
        var verdict = SizeVerdict(received: received, aspect: aspectKey, basis: basis, expected: expected, problem: nil)
        if let expected, basis == .published || basis == .observed, received.matches(expected, tolerance: tolerance) {
            return verdict
        }
        let ratioRight = target.map { abs(log(received.ratio) - log($0)) <= Self.ratioAllowance + tolerance } ?? true
        let sizeClass = model.sizeClass(of: received)
        if let sizeClass, sizeClass.isBelow(tier) {
            var wrongRatio: String?
            if case .ratio = aspect, !ratioRight { wrongRatio = describeRatio(received) }
            verdict.problem = .downgraded(request: askedRequest, received: received, receivedClass: sizeClass, receivedRatio: wrongRatio)
        } else if !ratioRight {
            verdict.problem = .wrongRatio(request: askedRequest, received: received, receivedRatio: describeRatio(received))
        } else if let sizeClass, sizeClass.isAbove(tier) {
            verdict.problem = .wrongSize(request: request, received: received, expected: expected, basis: basis, receivedClass: sizeClass)
        } else {
            switch basis {
            case .published:
                verdict.problem = .wrongSize(request: request, received: received, expected: expected, basis: basis, receivedClass: sizeClass)
            case .observed:
                verdict.problem = expected.map { .sizeChanged(request: request, from: $0, to: received) }
            case .reported:
                break
            case .assumed, .unlisted:
                verdict.problem = .sizeUnverified(request: request, received: received, assumed: listed?.size)
            }
        }
        return verdict
    }

    /// The aspect key the output is judged as, its nominal ratio, and the catalogue's size for it. For a
    /// fixed ratio, that ratio; for `auto`, the listed ratio nearest to the output's.
    private func expectation(for received: PixelSize) -> (aspect: String, ratio: Double?, size: CatalogueSize?) {
        if case .ratio(let ratio) = aspect {
            return (ratio.description, ratio.value, model.outputSize(aspect: .ratio(ratio), tier: tier))
        }
        let fixed = model.outputSizes(at: tier).filter { AspectRatio($0.aspect) != nil }
        if let nearest = fixed.min(by: { distance($0.aspect, received) < distance($1.aspect, received) }), let ratio = AspectRatio(nearest.aspect) {
            return (nearest.aspect, ratio.value, nearest.size)
        }
        guard let nearest = AspectRatio.nearest(toWidth: received.width, height: received.height, among: model.fixedRatios) else {
            return ("auto", nil, nil)
        }
        return (nearest.ratio.description, nearest.ratio.value, nil)
    }

    private func distance(_ aspect: String, _ size: PixelSize) -> Double {
        AspectRatio(aspect)?.distance(to: size.ratio) ?? .infinity
    }

    /// "1:1" when the size is one of the model's ratios (within the allowance), else "1.92:1" or "1:1.92".
    func describeRatio(_ size: PixelSize) -> String {
        if let nearest = AspectRatio.nearest(toWidth: size.width, height: size.height, among: model.fixedRatios),
            nearest.ratio.distance(to: size.ratio) <= Self.ratioAllowance + tolerance
        {
            return nearest.ratio.description
        }
        return size.ratio >= 1 ? String(format: "%.2f:1", size.ratio) : String(format: "1:%.2f", 1 / size.ratio)
    }
}

/// The outcome of a size check: what the size was judged against, and the problem if any.
public struct SizeVerdict: Sendable, Equatable {
    public var received: PixelSize
    /// The aspect ratio the output was judged as: the one asked for, or for `auto` the nearest listed one.
    public var aspect: String
    /// What the size was checked against.
    public var basis: SizeBasis
    /// The size expected (published, observed or the catalogue's reported/assumed one), when there is one.
    public var expected: PixelSize?
    public var problem: SizeProblem?

    public var passes: Bool { problem?.fails != true }

    /// True when this output's size should be recorded as observed (if it is a real output): it passed,
    /// and its size was not checked against a published one.
    public var isObservation: Bool { passes && basis != .published }
}
