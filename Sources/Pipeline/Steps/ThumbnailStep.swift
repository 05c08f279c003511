import ImageCore

/// `thumbnail`: a thumbnail of each output (or, without `generate`, of each input) in a folder under the
/// output folder. Its options do not shape the item: changing them remakes thumbnails, never generations.
public struct ThumbnailStep: PipelineStep {
    public var width: Int?
    public var height: Int?
    public var fit: ThumbnailFit = .inside
    public var format: ImageFormat?
    public var quality = 80
    /// Folder under the output folder.
    public var directory = "thumbs"

    public init() {}

    public static let keyword = "thumbnail"
    public static let summary = "Thumbnails of the outputs (of the inputs without generate), in a folder under the output folder."
    public static let example = "thumbnail size 256 format webp"
    public static let defaults = ThumbnailStep()
    /// The box when neither width nor height is given.
    static let defaultSide = 256
    public static var options: [StepOption<ThumbnailStep>] {
        [
            .alias("size", \.size, .integer(), help: "Fit inside N×N (default 256)."),
            StepOption("width", \.width, .integer(), help: "Largest width."),
            StepOption("height", \.height, .integer(), help: "Largest height."),
            StepOption("fit", \.fit, .choice, help: "inside, cover (crop) or pad."),
            StepOption("format", \.format, .format, help: "Output format (default: the image's)."),
            StepOption("quality", \.quality, .integer(min: 1, max: 100), help: "JPEG and WebP quality."),
            StepOption("dir", \.directory, .text("DIR"), help: "Folder under the output folder."),
        ]
    }

    /// Sets width and height together.
    public var size: Int? {
        get { width == height ? width : nil }
        set { (width, height) = (newValue, newValue) }
    }

    /// The ImageCore options these make.
    public var options: ThumbnailOptions {
        var options = width == nil && height == nil ? ThumbnailOptions.size(Self.defaultSide) : ThumbnailOptions(width: width, height: height)
        options.fit = fit
        options.format = format
        options.quality = quality
        return options
    }

    public func problems() -> [OptionProblem] {
        let problems = options.problems.map { OptionProblem(option: "fit", $0) }
        return problems + [OptionProblem.subfolder(directory, examples: "thumbs or previews/small")].compactMap { $0 }
    }
}

extension ThumbnailStep: ItemStage {
    var keyword: String { Self.keyword }

    /// Makes the thumbnail of a done or rejected item's output (or input) unless the one on disk was made
    /// from the same file with the same settings.
    func run(_ item: inout ItemContext, in run: RunContext) async throws(ItemStop) {
        guard [.done, .rejected].contains(item.record.state), let source = item.record.finalOutput?.path ?? item.item.input else { return }
        let key = line + (item.record.finalOutput?.checksum.map { " of " + $0 } ?? "")
        let stem = item.derivedStem(of: source, in: run)
        let format = format ?? item.record.format.flatMap(ImageFormat.init(rawValue:))
            ?? (try? ImageProbe.probe(path: source, limits: ImageLimits(maxBytes: nil, maxPixels: nil)))?.format ?? .jpeg
        let folder = run.outputDirectory + "/" + directory
        let path = folder + "/" + stem + "." + format.fileExtension
        if item.record.thumbnailKey == key, item.record.thumbnail == path, OutputFile.fingerprint(path) != nil { return }
        var options = options
        options.format = format
        do {
            guard AtomicFile.makeDirectories(folder) else { throw PreparationError.cannotCreate(folder: folder) }
            if let output = item.output, output.path == source, case .success(let decoded) = output.decoded {
                // Decoded once already, when it was downloaded (for its checks and verify): no second decode.
                try Thumbnailer.write(decoded: decoded, input: source, to: path, options: options)
            } else {
                try Thumbnailer.write(input: source, to: path, options: options)
            }
        } catch {
            try item.move(to: item.record.state, step: Self.keyword, in: run) { record in
                record.problems.append(ItemProblem(.thumbnail, subject: source, reason: error.reason))
            }
            return
        }
        try item.move(to: item.record.state, step: Self.keyword, in: run) { record in
            record.thumbnail = path
            record.thumbnailKey = key
            record.problems.removeAll { $0.kind == .thumbnail }
        }
    }
}

import Foundation
