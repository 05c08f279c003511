/// Where each thumbnail of a batch goes: a pure function of the input's path, the folder its argument
/// starts from (its root, `InputFiles.root(of:)`), the options and the thumbnail's size, so that the
/// same input gets the same output path whichever process (or shard) makes it.
///
/// The file name comes from a template (`{name}.{ext}` by default); `keepTree` puts it in the input's
/// folder below its root, mirrored under the output directory, so that `a/shoe.jpg` and `b/shoe.jpg`
/// stay apart. A template that does not use `{ext}` gets `.{ext}` added, so a file's name always says
/// its real format.
public struct ThumbnailNaming: Sendable, Equatable {
    /// The fields a template may use.
    public enum Field: String, Sendable, CaseIterable {
        /// The input's file name without its extension.
        case name
        /// The output's extension (`jpg`, `png`, `webp`): the output format's.
        case ext
        /// The input's folder below its root (`a/b`; empty for a file at the root).
        case dir
        /// The thumbnail's width and height in pixels, as the header and the options decide them.
        case width, height
    }

    /// A template that cannot name files.
    public enum TemplateError: SubjectError, Equatable {
        /// `{field}` is not one of `Field`.
        case unknownField(template: String, field: String)
        /// A `{` without its `}`, or a `}` without its `{`.
        case unbalancedBrace(template: String)
        /// The names would leave the output folder: an absolute path or a `..` component.
        case leavesOutputFolder(template: String)
        /// `{dir}` and `--keep-tree` would put the folder in twice.
        case folderTwice(template: String)

        public var subject: String { "--name \(template)" }

        public var reason: String {
            switch self {
            case .unknownField(_, let field):
                "unknown field {\(field)}; use " + Field.allCases.map { "{\($0.rawValue)}" }.joined(separator: ", ")
            case .unbalancedBrace: "a { without its } (or the other way round)"
            case .leavesOutputFolder: "names must stay inside --out: no leading / and no .. folder"
            case .folderTwice: "--keep-tree already puts files in their folder; leave {dir} out or drop --keep-tree"
            }
        }

        private var template: String {
            switch self {
            case .unknownField(let template, _), .unbalancedBrace(let template), .leavesOutputFolder(let template),
                 .folderTwice(let template):
                template
            }
        }
    }

    private enum Part: Sendable, Equatable {
        case text(String)
        case field(Field)
    }

    public static let defaultTemplate = "{name}.{ext}"

    /// The folder the thumbnails go in.
    public let directory: String
    public let template: String
    /// Mirror each input's folder below its root under `directory`.
    public let keepTree: Bool
    private let parts: [Part]

    public init(directory: String, template: String = ThumbnailNaming.defaultTemplate, keepTree: Bool = false) throws(TemplateError) {
        var parts: [Part] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(where: { $0 == "{" || $0 == "}" }) {
            guard rest[open] == "{", let close = rest[open...].firstIndex(of: "}") else { throw .unbalancedBrace(template: template) }
            if open > rest.startIndex { parts.append(.text(String(rest[..<open]))) }
            let name = String(rest[rest.index(after: open)..<close])
            guard !name.contains("{"), let field = Field(rawValue: name) else {
                throw name.contains("{") ? .unbalancedBrace(template: template) : .unknownField(template: template, field: name)
            }
            parts.append(.field(field))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        let components = template.split(separator: "/", omittingEmptySubsequences: false)
        if template.hasPrefix("/") || components.contains("..") { throw .leavesOutputFolder(template: template) }
        if keepTree && parts.contains(.field(.dir)) { throw .folderTwice(template: template) }
        if !parts.contains(.field(.ext)) { parts += [.text("."), .field(.ext)] }
        self.directory = directory
        self.template = template
        self.keepTree = keepTree
        self.parts = parts
    }

    /// The default naming: `directory/<name>.<ext>`, folders flattened.
    public init(directory: String) {
        self.directory = directory
        template = Self.defaultTemplate
        keepTree = false
        parts = [.field(.name), .text("."), .field(.ext)]
    }

    /// Whether names depend on the thumbnail's size, which then has to be worked out from each header.
    public var usesSize: Bool { parts.contains(.field(.width)) || parts.contains(.field(.height)) }

    /// The output path of `input`, found below `root` (`InputFiles.root(of:)` of its argument), as
    /// `format` and `width`×`height`.
    public func path(input: String, root: String, format: ImageFormat, width: Int, height: Int) -> String {
        let relative = InputFiles.relativePath(of: input, below: root)
        let slash = relative.lastIndex(of: "/")
        let file = slash.map { String(relative[relative.index(after: $0)...]) } ?? relative
        let folder = slash.map { String(relative[..<$0]) } ?? ""
        let stem = file.lastIndex(of: ".").flatMap { $0 == file.startIndex ? nil : String(file[..<$0]) } ?? file
        var name = ""
        for part in parts {
            switch part {
            case .text(let text): name += text
            case .field(.name): name += stem
            case .field(.ext): name += format.fileExtension
            case .field(.dir): name += folder
            case .field(.width): name += String(width)
            case .field(.height): name += String(height)
            }
        }
        let below = (keepTree ? folder + "/" + name : name).split(separator: "/").filter { !$0.isEmpty && $0 != "." }
        return ([directory.hasSuffix("/") ? String(directory.dropLast()) : directory] + below.map(String.init))
            .joined(separator: "/")
    }

    /// `path` with `-2`, `-3`, ... before its extension: the name a later input gets when an earlier one of
    /// the same batch already has `path`.
    public static func numbered(_ path: String, _ counter: Int) -> String {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        guard let dot = path[slash...].lastIndex(of: "."), dot > slash else { return "\(path)-\(counter)" }
        return "\(path[..<dot])-\(counter)\(path[dot...])"
    }

    /// The output paths of a batch, in input order: each input's `path(...)`, numbered (`-2`, `-3`, ...)
    /// when an earlier input already has it (compared without case, as some file systems do), so two
    /// inputs never share an output. The format (when `options.format` is nil) and the size (when the
    /// template uses it) come from each header; an input whose header cannot be read is named as if it
    /// were a JPEG of the box's size (it fails when thumbnailed and writes nothing).
    public func paths(for inputs: [(path: String, root: String)], options: ThumbnailOptions) -> [String] {
        var used = Set<String>()
        return inputs.map { input in
            var format = options.format ?? .jpeg
            var size = (width: options.width ?? options.height ?? 0, height: options.height ?? options.width ?? 0)
            if options.format == nil || usesSize, let info = try? ImageProbe.probe(path: input.path, limits: ImageLimits(maxPixels: nil)) {
                format = options.format ?? info.format
                let plan = ThumbnailPlan(info: info, options: options)
                size = (plan.outputWidth, plan.outputHeight)
            }
            let wanted = path(input: input.path, root: input.root, format: format, width: size.width, height: size.height)
            var candidate = wanted
            var counter = 2
            while !used.insert(candidate.lowercased()).inserted {
                candidate = Self.numbered(wanted, counter)
                counter += 1
            }
            return candidate
        }
    }
}
