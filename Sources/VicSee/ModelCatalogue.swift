import ErrorVocabulary
import Foundation

/// Every model imagepipe knows, from the table bundled with it (`Resources/models.json`), optionally
/// overridden or extended by a user's file of the same shape: entries with a known id replace it, new
/// ids are added. Model facts are data that change; no code needs rebuilding when they do.
public struct ModelCatalogue: Sendable {
    public private(set) var models: [ModelSpec]
    public var about: String
    /// The service's upload, inline references and upscale tool (nil only in a catalogue built in code
    /// without them).
    public var service: ServiceFacts?

    struct File: Codable {
        var about: String?
        var service: ServiceFacts?
        var models: [ModelSpec]
    }

    /// The environment variable naming an override file.
    public static let environmentVariable = "IMAGEPIPE_MODELS"

    /// The bundled catalogue.
    public static func bundled() throws -> ModelCatalogue {
        guard let url = Bundle.module.url(forResource: "models", withExtension: "json") else {
            throw CatalogueError.unreadable(path: "models.json (bundled)", detail: "missing from the build")
        }
        let file = try decode(Data(contentsOf: url), path: url.path)
        return ModelCatalogue(models: file.models, about: file.about ?? "", service: file.service)
    }

    /// The bundled catalogue with `overridePath` (or, when nil, `$IMAGEPIPE_MODELS`) applied.
    public static func load(overridePath: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ModelCatalogue {
        var catalogue = try bundled()
        if let path = overridePath ?? environment[environmentVariable], !path.isEmpty {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CatalogueError.unreadable(path: path, detail: "no such file, or not readable")
            }
            let file = try decode(data, path: path)
            catalogue.apply(file.models)
            if let service = file.service { catalogue.service = service }
        }
        return catalogue
    }

    public init(models: [ModelSpec], about: String = "", service: ServiceFacts? = nil) {
        self.models = models
        self.about = about
        self.service = service
    }

    mutating func apply(_ overrides: [ModelSpec]) {
        for model in overrides {
            if let index = models.firstIndex(where: { $0.id == model.id }) {
                models[index] = model
            } else {
                models.append(model)
            }
        }
    }

    public func model(_ id: String) -> ModelSpec? { models.first { $0.id == id } }

    /// The known id closest to `id` in edit distance, for "did you mean" messages.
    public func suggestion(for id: String) -> String? {
        models.map(\.id).min { editDistance($0, id) < editDistance($1, id) }
    }

    private static func decode(_ data: Data, path: String) throws -> File {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw CatalogueError.invalid(path: path, detail: "missing '\(key.stringValue)' at \(location(context))")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw CatalogueError.invalid(path: path, detail: "wrong type at \(location(context))")
        } catch let DecodingError.dataCorrupted(context) {
            throw CatalogueError.invalid(path: path, detail: "\(context.debugDescription) at \(location(context))")
        } catch {
            throw CatalogueError.invalid(path: path, detail: "\(error)")
        }
        for (index, model) in file.models.enumerated() {
            if let problem = model.sizeTableProblems().first {
                throw CatalogueError.invalid(path: path, detail: "\(problem) at .models[\(index)].outputSizes (\(model.id))")
            }
        }
        return file
    }

    private static func location(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return path.isEmpty ? "the top level" : path
    }
}

/// Why a catalogue file could not be used.
public enum CatalogueError: SubjectError, Equatable {
    case unreadable(path: String, detail: String)
    case invalid(path: String, detail: String)

    public var subject: String {
        switch self {
        case .unreadable(let path, _), .invalid(let path, _): path
        }
    }

    public var reason: String {
        switch self {
        case .unreadable(_, let detail): "cannot read the model catalogue: \(detail)"
        case .invalid(_, let detail): "invalid model catalogue: \(detail)"
        }
    }
}

/// Levenshtein distance, for suggestions.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.lowercased()), b = Array(b.lowercased())
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...max(b.count, 1) where !b.isEmpty {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
}
