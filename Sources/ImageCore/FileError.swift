@_exported import ErrorVocabulary

/// Every error imagepipe reports about a file names that file and prints the same way:
/// `path: what is wrong`, so a user of a batch of thousands can find the one that failed. The file is
/// the error's subject (`SubjectError`).
public protocol FileError: SubjectError {
    /// The file the error is about, as the user named it.
    var path: String { get }
}

extension FileError {
    public var subject: String { path }
}

/// Groups digits by thousands ("30,000,000"), so that byte and pixel limits read at a glance.
func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (index, character) in digits.enumerated() {
        if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
        out.append(character)
    }
    return value < 0 ? "-" + out : out
}

/// The text in a NUL-terminated C buffer that a C function filled in.
func text(of buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
