import ErrorVocabulary
import Foundation

/// Every preset imagepipe knows: the bundled file (`Resources/presets.json`), optionally overridden or
/// extended by a user's file of the same shape (a preset with a known name replaces it, new names are
/// added), exactly as the model catalogue is. Marketplace rules change; no rebuild is needed when they do.
public struct PresetCatalogue: Sendable {
    public private(set) var presets: [Preset]
    public var about: String

    struct File: Codable {
        var about: String?
        var presets: [Preset]
    }

    /// The environment variable naming an override file.
    public static let environmentVariable = "IMAGEPIPE_PRESETS"

    public init(presets: [Preset], about: String = "") {
        self.presets = presets
        self.about = about
    }

    /// The bundled presets.
    public static func bundled() throws(PresetError) -> PresetCatalogue {
        guard let url = Bundle.module.url(forResource: "presets", withExtension: "json"),
            let data = FileManager.default.contents(atPath: url.path)
        else { throw .unreadable(path: "presets.json (bundled)", detail: "missing from the build") }
        let file = try decode(data, path: url.path)
        return PresetCatalogue(presets: file.presets, about: file.about ?? "")
    }

    /// The bundled presets with `overridePath` (or, when nil, `$IMAGEPIPE_PRESETS`) applied.
    public static func load(overridePath: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(PresetError) -> PresetCatalogue {
        var catalogue = try bundled()
        if let path = overridePath ?? environment[environmentVariable], !path.isEmpty {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .unreadable(path: path, detail: "no such file, or not readable")
            }
            for preset in try decode(data, path: path).presets {
                if let index = catalogue.presets.firstIndex(where: { $0.name == preset.name }) {
                    catalogue.presets[index] = preset
                } else {
                    catalogue.presets.append(preset)
                }
            }
        }
        return catalogue
    }

    /// The preset called `name`, or an error that lists the known names and suggests the nearest.
    public func preset(_ name: String) throws(PresetError) -> Preset {
        if let preset = presets.first(where: { $0.name == name }) { return preset }
        let names = presets.map(\.name)
        throw .unknownPreset(name: name, known: names, suggestion: names.min { distance($0, name) < distance($1, name) })
    }

    private static func decode(_ data: Data, path: String) throws(PresetError) -> File {
        do {
            return try JSONDecoder().decode(File.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw .invalid(path: path, detail: "missing '\(key.stringValue)' at \(location(context))")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw .invalid(path: path, detail: "wrong type at \(location(context))")
        } catch let DecodingError.dataCorrupted(context) {
            throw .invalid(path: path, detail: "\(context.debugDescription) at \(location(context))")
        } catch {
            throw .invalid(path: path, detail: "\(error)")
        }
    }

    private static func location(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return path.isEmpty ? "the top level" : path
    }

    /// Levenshtein distance, for "did you mean".
    private func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = a[i - 1] == b[j - 1] ? previous : 1 + min(previous, row[j], row[j - 1])
                previous = current
            }
        }
        return row[b.count]
    }
}

/// Why presets could not be loaded or found.
public enum PresetError: SubjectError, Equatable {
    case unreadable(path: String, detail: String)
    case invalid(path: String, detail: String)
    case unknownPreset(name: String, known: [String], suggestion: String?)

    /// The file or name the error is about.
    public var subject: String {
        switch self {
        case .unreadable(let path, _), .invalid(let path, _): path
        case .unknownPreset(let name, _, _): name
        }
    }

    public var reason: String {
        switch self {
        case .unreadable(_, let detail): "cannot read the presets: \(detail)"
        case .invalid(_, let detail): "not a valid presets file: \(detail)"
        case .unknownPreset(_, let known, let suggestion):
            "no such preset; known: \(known.joined(separator: ", "))" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
        }
    }

}
