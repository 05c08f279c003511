import ImageCore
import VicSee

/// Reads a pipeline file into a `PipelineSpec`, strictly: every word is checked, every error points at
/// file:line:column with the nearest valid word, and the model rules of the catalogue are applied
/// before any image is read or any credit spent.
public struct PipelineParser {
    public let file: String
    public let catalogue: ModelCatalogue

    public init(file: String, catalogue: ModelCatalogue) {
        self.file = file
        self.catalogue = catalogue
    }

    static let steps = ["pipeline", "input", "items", "check", "aspect", "generate", "publish", "verify", "thumbnail", "output"]

    public func parse(_ source: String) throws(PipelineDiagnostic) -> PipelineSpec {
        let sourceLines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var spec = PipelineSpec()
        var seen: [String: Token] = [:]
        var places: [String: Token] = [:]
        func fail(_ token: Token, _ message: String, suggestion: String? = nil) -> PipelineDiagnostic {
            PipelineDiagnostic(file: file, line: token.line, column: token.column, length: token.length, message: message,
                               lineText: sourceLines[token.line - 1], suggestion: suggestion)
        }
        for line in try PipelineLexer.tokenize(source, file: file) where !line.isEmpty {
            var steps: [[Token]] = [[]]
            for token in line {
                if token.kind == .pipe { steps.append([]) } else { steps[steps.count - 1].append(token) }
            }
            for tokens in steps {
                guard let keyword = tokens.first else {
                    throw fail(line.first { $0.kind == .pipe } ?? line[0], "a '|' needs a step on both sides")
                }
                guard keyword.kind == .word, Self.steps.contains(keyword.text) else {
                    throw fail(keyword, "unknown step '\(keyword.text)'", suggestion: nearest(keyword.text, in: Self.steps))
                }
                if let earlier = seen[keyword.text], keyword.text != "input" {
                    throw fail(keyword, "a second '\(keyword.text)' step (the first is on line \(earlier.line))")
                }
                seen[keyword.text] = keyword
                var cursor = Cursor(tokens: Array(tokens.dropFirst()), keyword: keyword, fail: fail)
                try parseStep(keyword, &cursor, &spec, &places)
            }
        }
        try checkRules(spec, places: places, fail: fail, seen: seen)
        return spec
    }

    /// Walks the words of one step.
    struct Cursor {
        var tokens: [Token]
        var index = 0
        let keyword: Token
        let fail: (Token, String, String?) -> PipelineDiagnostic

        init(tokens: [Token], keyword: Token, fail: @escaping (Token, String, String?) -> PipelineDiagnostic) {
            self.tokens = tokens
            self.keyword = keyword
            self.fail = fail
        }

        var atEnd: Bool { index >= tokens.count }

        mutating func next() -> Token? {
            guard index < tokens.count else { return nil }
            defer { index += 1 }
            return tokens[index]
        }

        /// The value after option `name`.
        mutating func value(for name: Token) throws(PipelineDiagnostic) -> Token {
            guard let value = next() else { throw fail(name, "'\(name.text)' needs a value", nil) }
            return value
        }

        mutating func integer(for name: Token, min: Int = 1) throws(PipelineDiagnostic) -> Int {
            let token = try value(for: name)
            guard let number = Int(token.text), number >= min else {
                throw fail(token, "expected \(min == 1 ? "a positive" : "an") integer for \(name.text) but received '\(token.text)'", nil)
            }
            return number
        }

        func tier(_ token: Token) throws(PipelineDiagnostic) -> ResolutionTier {
            guard let tier = ResolutionTier(token.text) else {
                throw fail(token, "expected 1K, 2K or 4K for resolution but received '\(token.text)'", nil)
            }
            return tier
        }

        func unknownOption(_ token: Token, _ options: [String]) -> PipelineDiagnostic {
            fail(token, "unknown option '\(token.text)' for \(keyword.text); it takes \(options.joined(separator: ", "))",
                 nearest(token.text, in: options))
        }

        func choice<T: RawRepresentable & CaseIterable>(_ token: Token, _ type: T.Type, for what: String) throws(PipelineDiagnostic) -> T
        where T.RawValue == String {
            guard let value = T(rawValue: token.text) else {
                let words = T.allCases.map(\.rawValue)
                throw fail(token, "expected \(words.joined(separator: ", ")) for \(what) but received '\(token.text)'",
                           nearest(token.text, in: words))
            }
            return value
        }
    }

    private func parseStep(_ keyword: Token, _ cursor: inout Cursor, _ spec: inout PipelineSpec,
                           _ places: inout [String: Token]) throws(PipelineDiagnostic) {
        switch keyword.text {
        case "pipeline":
            guard let name = cursor.next() else { throw cursor.fail(keyword, "'pipeline' needs a name", nil) }
            spec.name = name.text
        case "input":
            guard !cursor.atEnd else { throw cursor.fail(keyword, "'input' needs at least one file, folder or glob pattern", nil) }
            while let pattern = cursor.next() { spec.inputs.append(pattern.text) }
            places["input"] = keyword
        case "items":
            guard !cursor.atEnd else { throw cursor.fail(keyword, "'items' needs at least one name", nil) }
            while let item = cursor.next() { spec.items.append(item.text) }
        case "output":
            guard let directory = cursor.next() else { throw cursor.fail(keyword, "'output' needs a folder", nil) }
            spec.output = directory.text
        case "check":
            var step = CheckStep()
            let options = ["formats", "max-bytes", "max-pixels", "oversize"]
            while let option = cursor.next() {
                switch option.text {
                case "formats":
                    let list = try cursor.value(for: option)
                    step.formats = []
                    for word in list.text.split(separator: ",") {
                        guard let format = ImageFormat(fileExtension: String(word)) else {
                            throw cursor.fail(list, "unknown format '\(word)'; use jpeg, png or webp", nil)
                        }
                        step.formats.append(format)
                    }
                case "max-bytes": step.maxBytes = try cursor.integer(for: option)
                case "max-pixels": step.maxPixels = try cursor.integer(for: option)
                case "oversize": step.oversize = try cursor.choice(try cursor.value(for: option), OversizePolicy.self, for: "oversize")
                default: throw cursor.unknownOption(option, options)
                }
            }
            spec.check = step
        case "aspect":
            var step = AspectStep()
            if let mode = cursor.next() { step.mode = try cursor.choice(mode, AspectMode.self, for: "aspect") }
            if let extra = cursor.next() { throw cursor.fail(extra, "'aspect' takes one word: report, crop or pad", nil) }
            spec.aspect = step
        case "generate":
            var model: String?, prompt: String?
            var step = GenerateStep(model: "", prompt: "")
            let options = ["model", "prompt", "resolution", "aspect", "references", "concurrency"]
            while let option = cursor.next() {
                switch option.text {
                case "model":
                    let token = try cursor.value(for: option)
                    model = token.text
                    places["generate.model"] = token
                case "prompt":
                    let token = try cursor.value(for: option)
                    prompt = token.text
                    places["generate.prompt"] = token
                case "resolution":
                    let token = try cursor.value(for: option)
                    step.resolution = try cursor.tier(token)
                    places["generate.resolution"] = token
                case "aspect":
                    let token = try cursor.value(for: option)
                    switch token.text.lowercased() {
                    case "inferred": step.aspect = .inferred
                    case "auto": step.aspect = .auto
                    default:
                        guard let ratio = AspectRatio(token.text) else {
                            throw cursor.fail(token, "expected inferred, auto or a ratio such as 16:9 for aspect but received '\(token.text)'", nil)
                        }
                        step.aspect = .fixed(ratio)
                    }
                    places["generate.aspect"] = token
                case "references": step.referencesPerRequest = try cursor.integer(for: option)
                case "concurrency": step.concurrency = try cursor.integer(for: option)
                default: throw cursor.unknownOption(option, options)
                }
            }
            guard let model else { throw cursor.fail(keyword, "'generate' needs a model (model ID)", nil) }
            guard let prompt else { throw cursor.fail(keyword, "'generate' needs a prompt (prompt \"...\")", nil) }
            step.model = model
            step.prompt = prompt
            places["generate"] = keyword
            spec.generate = step
        case "publish":
            guard let mode = cursor.next() else { throw cursor.fail(keyword, "'publish' needs loopback, base-url URL or s3 bucket NAME", nil) }
            switch mode.text {
            case "loopback": spec.publish = .loopback
            case "base-url": spec.publish = .baseURL(try cursor.value(for: mode).text)
            case "s3":
                var bucket: String?, endpoint = "https://s3.amazonaws.com"
                var target = S3Target(endpoint: "", bucket: "")
                let options = ["bucket", "endpoint", "region", "prefix", "expires"]
                while let option = cursor.next() {
                    switch option.text {
                    case "bucket": bucket = try cursor.value(for: option).text
                    case "endpoint": endpoint = try cursor.value(for: option).text
                    case "region": target.region = try cursor.value(for: option).text
                    case "prefix": target.prefix = try cursor.value(for: option).text
                    case "expires": target.expires = try cursor.integer(for: option)
                    default: throw cursor.unknownOption(option, options)
                    }
                }
                guard let bucket else { throw cursor.fail(mode, "'publish s3' needs a bucket (bucket NAME)", nil) }
                target.bucket = bucket
                target.endpoint = endpoint
                spec.publish = .s3(target)
            default:
                throw cursor.fail(mode, "expected loopback, base-url or s3 after publish but received '\(mode.text)'",
                                  nearest(mode.text, in: ["loopback", "base-url", "s3"]))
            }
            if let extra = cursor.next() { throw cursor.fail(extra, "unexpected '\(extra.text)' after publish", nil) }
        case "verify":
            var step = VerifyStep()
            let options = ["model", "resolution", "aspect", "tolerance", "allow-blank"]
            while let option = cursor.next() {
                switch option.text {
                case "model":
                    let token = try cursor.value(for: option)
                    step.model = token.text
                    places["verify.model"] = token
                case "resolution":
                    step.resolution = try cursor.tier(try cursor.value(for: option))
                case "aspect":
                    let token = try cursor.value(for: option)
                    guard let aspect = AspectChoice(token.text) else {
                        throw cursor.fail(token, "expected auto or a ratio such as 16:9 for aspect but received '\(token.text)'", nil)
                    }
                    step.aspect = aspect
                case "tolerance":
                    let token = try cursor.value(for: option)
                    guard let tolerance = SizeTolerance(token.text) else {
                        throw cursor.fail(token, "expected \(SizeTolerance.expected) for tolerance but received '\(token.text)'", nil)
                    }
                    step.tolerance = tolerance.fraction
                case "allow-blank": step.allowBlank = true
                default: throw cursor.unknownOption(option, options)
                }
            }
            spec.verify = step
        case "thumbnail":
            var step = ThumbnailStep()
            let options = ["size", "width", "height", "fit", "format", "quality", "dir"]
            var width: Int?, height: Int?
            while let option = cursor.next() {
                switch option.text {
                case "size":
                    let side = try cursor.integer(for: option)
                    (width, height) = (side, side)
                case "width": width = try cursor.integer(for: option)
                case "height": height = try cursor.integer(for: option)
                case "fit": step.options.fit = try cursor.choice(try cursor.value(for: option), ThumbnailFit.self, for: "fit")
                case "format":
                    let token = try cursor.value(for: option)
                    guard let format = ImageFormat(fileExtension: token.text) else {
                        throw cursor.fail(token, "expected jpeg, png or webp for format but received '\(token.text)'", nil)
                    }
                    step.options.format = format
                case "quality":
                    let token = try cursor.value(for: option)
                    guard let quality = Int(token.text), (1...100).contains(quality) else {
                        throw cursor.fail(token, "expected an integer from 1 to 100 for quality but received '\(token.text)'", nil)
                    }
                    step.options.quality = quality
                case "dir": step.directory = try cursor.value(for: option).text
                default: throw cursor.unknownOption(option, options)
                }
            }
            if width != nil || height != nil {
                step.options.width = width
                step.options.height = height
            }
            if let problem = step.options.problems.first { throw cursor.fail(keyword, problem, nil) }
            spec.thumbnail = step
        default:
            break
        }
    }

    /// The catalogue's rules, applied to the whole file.
    private func checkRules(_ spec: PipelineSpec, places: [String: Token], fail: (Token, String, String?) -> PipelineDiagnostic,
                            seen: [String: Token]) throws(PipelineDiagnostic) {
        if let generate = spec.generate, let step = places["generate"] {
            let modelToken = places["generate.model"] ?? step
            guard let model = catalogue.model(generate.model) else {
                throw fail(modelToken, "unknown model '\(generate.model)'", catalogue.suggestion(for: generate.model))
            }
            if !model.resolutions.contains(generate.resolution) {
                throw fail(places["generate.resolution"] ?? step,
                           "\(model.id) does not offer \(generate.resolution.rawValue); use \(model.resolutions.map(\.rawValue).joined(separator: " or "))", nil)
            }
            let aspectToken = places["generate.aspect"] ?? step
            switch generate.aspect {
            case .fixed(let ratio):
                guard model.aspectRatios.contains(ratio.description) else {
                    throw fail(aspectToken, "\(model.id) does not support \(ratio); use one of \(model.aspectRatios.joined(separator: ", "))", nil)
                }
                if !model.resolutions(for: .ratio(ratio)).contains(generate.resolution) {
                    let rule = model.constraints.first { $0.aspectRatio == ratio.description }
                    throw fail(aspectToken, "\(rule?.reason ?? "not allowed"): \(ratio) at \(generate.resolution.rawValue) is refused", nil)
                }
            case .auto:
                guard model.aspectRatios.contains("auto") else { throw fail(aspectToken, "\(model.id) has no 'auto' ratio", nil) }
                if !model.resolutions(for: .auto).contains(generate.resolution) {
                    throw fail(aspectToken, "\(model.constraints.first { $0.aspectRatio == "auto" }?.reason ?? "not allowed"): use resolution 1K or a fixed ratio", nil)
                }
            case .inferred:
                break
            }
            let shortest = generate.prompt(for: "").count
            if shortest > model.prompt.max || (generate.prompt.count < model.prompt.min && !generate.prompt.contains("{name}")) {
                throw fail(places["generate.prompt"] ?? step, "the prompt must be \(model.prompt.min) to \(model.prompt.max) characters for \(model.id)", nil)
            }
            if model.kind == .imageToImage && spec.inputs.isEmpty {
                throw fail(modelToken, "\(model.id) edits images: add an 'input' line with the reference images", nil)
            }
            if model.references.max == 0 && !spec.inputs.isEmpty {
                throw fail(modelToken, "\(model.id) takes no reference images; use an image-to-image model, or 'items' instead of 'input'", nil)
            }
            if generate.referencesPerRequest > max(model.references.max, 1) {
                throw fail(step, "\(model.id) takes at most \(model.references.max) references per request", nil)
            }
        }
        if spec.inputs.isEmpty && spec.items.isEmpty {
            let anchor = seen.values.min { ($0.line, $0.column) < ($1.line, $1.column) }
            let token = anchor ?? Token(kind: .word, text: "", line: 1, column: 1, length: 1)
            throw fail(token, "the pipeline has nothing to work on: add 'input PATTERN' (reference images) or 'items \"name\" ...' (text-to-image)", nil)
        }
        if !spec.items.isEmpty && spec.generate == nil, let items = seen["items"] {
            throw fail(items, "'items' name text-to-image generations: add a 'generate' step", nil)
        }
        if let verify = spec.verify {
            if let name = verify.model, catalogue.model(name) == nil {
                throw fail(places["verify.model"]!, "unknown model '\(name)'", catalogue.suggestion(for: name))
            }
            if spec.generate == nil && (verify.model == nil || verify.resolution == nil), let token = seen["verify"] {
                throw fail(token, "without a generate step, verify needs model and resolution (verify model ID resolution 1K)", nil)
            }
        }
    }
}
