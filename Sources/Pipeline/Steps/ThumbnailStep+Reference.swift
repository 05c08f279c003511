import ImageCore

/// The `thumbnail` step's second half in an image-to-image pipeline: a thumbnail of each item's reference,
/// so the review sheet shows the reference beside the output without loading the original (which may
/// be 30 MB). It goes to `references/` under the thumbnail folder, named by the item — output thumbnails
/// are named by their outputs, so the two never collide — with the step's settings, and is remade only
/// when those change or the file is gone (a changed reference is a new item, with a key of its own).
struct ReferenceThumbnail: ItemStage {
    let step: ThumbnailStep

    /// Told apart from the output's thumbnail in events.
    var keyword: String { ThumbnailStep.keyword + " reference" }

    /// The folder under the thumbnail folder that holds the references' thumbnails.
    static let folder = "references"

    func run(_ item: inout ItemContext, in run: RunContext) async throws(ItemStop) {
        guard let input = item.item.input, [.done, .rejected].contains(item.record.state) else { return }
        let key = step.line
        let format = step.format ?? item.reference?.format
            ?? (try? ImageProbe.probe(path: input, limits: ImageLimits(maxBytes: nil, maxPixels: nil)))?.format ?? .jpeg
        let folder = run.outputDirectory + "/" + step.directory + "/" + Self.folder
        let path = folder + "/" + item.item.name.fileStem + "." + format.fileExtension
        if item.record.referenceThumbnailKey == key, item.record.referenceThumbnail == path, OutputFile.fingerprint(path) != nil { return }
        var options = step.options
        options.format = format
        let isAboutIt = { (problem: ItemProblem) in problem.kind == .thumbnail && problem.subject == input }
        do {
            guard AtomicFile.makeDirectories(folder) else { throw PreparationError.cannotCreate(folder: folder) }
            try Thumbnailer.write(input: input, to: path, options: options)
        } catch {
            try item.move(to: item.record.state, step: keyword, in: run) { record in
                record.problems.removeAll(where: isAboutIt)
                record.problems.append(ItemProblem(.thumbnail, subject: input, reason: error.reason))
            }
            return
        }
        try item.move(to: item.record.state, step: keyword, in: run) { record in
            record.referenceThumbnail = path
            record.referenceThumbnailKey = key
            record.problems.removeAll(where: isAboutIt)
        }
    }
}
