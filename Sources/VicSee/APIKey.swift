import ErrorVocabulary

/// The API key as read from the environment, checked before anything is sent.
///
/// A key pasted from a file often keeps its line break; an HTTP client refuses such a header value and
/// its error repeats the whole header, key included. Checking the characters here, first, means the
/// request is never built, and the message names the variable and the position of the bad character,
/// never the key.
public enum APIKey {
    /// Returns the key in `value`, or throws why it cannot be sent. `variable` names it in messages.
    /// Allowed: the visible ASCII characters (`!` to `~`), as in a bearer token; a key starts with `sk-`
    /// but that is the service's rule to enforce (401 `INVALID_KEY_FORMAT`), not a character problem.
    public static func validate(_ value: String?, variable: String = VicSeeConfiguration.apiKeyVariable) throws(APIKeyError)
        -> String
    {
        guard let value else { throw .missing(variable: variable) }
        guard !value.isEmpty else { throw .empty(variable: variable) }
        for (offset, scalar) in value.unicodeScalars.enumerated() where !(0x21...0x7E).contains(scalar.value) {
            throw .badCharacter(variable: variable, position: offset + 1, length: value.unicodeScalars.count,
                                kind: APIKeyError.CharacterKind(scalar))
        }
        return value
    }

    /// The key in `environment[variable]`, checked.
    public static func fromEnvironment(_ environment: [String: String], variable: String = VicSeeConfiguration.apiKeyVariable)
        throws(APIKeyError) -> String
    {
        try validate(environment[variable], variable: variable)
    }
}

/// Why the API key cannot be used. Carries the variable's name and where the problem is, never the key.
public enum APIKeyError: SubjectError, Equatable {
    /// What kind of character was found, described without showing it.
    public enum CharacterKind: String, Sendable, Equatable {
        case lineBreak = "a line break (CR or LF)"
        case space = "a space or tab"
        case control = "a control character"
        case nonASCII = "a non-ASCII character"

        init(_ scalar: Unicode.Scalar) {
            switch scalar.value {
            case 0x0A, 0x0D: self = .lineBreak
            case 0x20, 0x09: self = .space
            case 0..<0x20, 0x7F: self = .control
            default: self = .nonASCII
            }
        }
    }

    /// The variable is not set.
    case missing(variable: String)
    /// The variable is set to nothing.
    case empty(variable: String)
    /// Character `position` (1-based) of `length` cannot go into an HTTP header.
    case badCharacter(variable: String, position: Int, length: Int, kind: CharacterKind)

    public var variable: String {
        switch self {
        case .missing(let variable), .empty(let variable), .badCharacter(let variable, _, _, _): variable
        }
    }

    public var reason: String {
        switch self {
        case .missing:
            "not set: set it to your VicSee key (it starts with sk-), or use --backend sim"
        case .empty:
            "set but empty: set it to your VicSee key (it starts with sk-), or use --backend sim"
        case .badCharacter(_, let position, let length, let kind):
            "the key has \(kind.rawValue) at character \(position) of \(length), which cannot be sent in an HTTP "
                + "header" + (kind == .lineBreak ? " (a key copied from a file often keeps its line break)" : "")
                + "; remove it (the key itself is not shown)"
        }
    }

    public var subject: String { variable }
}
