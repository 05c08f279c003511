/// The one way imagepipe says what went wrong, in every module: the thing the error is about — a file,
/// a task, a model, an environment variable, the service — and the reason, printed `subject: reason`.
/// Cases of the conforming enums carry the bad values; callers decide by matching cases, never by
/// reading the text, and put the parts together themselves where a message names its subject already
/// (an item's problem keeps the item as its subject and takes only the reason).
public protocol SubjectError: Error, CustomStringConvertible, Sendable {
    /// What the error is about, as the user would name it.
    var subject: String { get }
    /// What is wrong with it, without the subject.
    var reason: String { get }
}

extension SubjectError {
    public var description: String { "\(subject): \(reason)" }
}
