/// Everything that can go wrong when loading or running a model, each with a
/// message fit to show a user as one line.
public enum LlamaError: Error, Equatable {
    /// The file could not be opened or read (`reason` is the system's message).
    case cannotOpen(path: String, reason: String)
    /// The file is shorter than its header says it must be.
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    /// The header is not one this engine reads (bad magic, version or shape).
    case invalidCheckpoint(path: String, reason: String)
    /// The tokenizer file is malformed.
    case invalidTokenizer(path: String, reason: String)
    /// The tokenizer does not have the model's vocabulary size.
    case vocabularyMismatch(tokenizerSize: Int, modelSize: Int)
    /// The prompt encodes to more tokens than the model's context holds.
    case promptTooLong(tokens: Int, limit: Int)
    /// A caller-supplied value is out of range.
    case invalidArgument(String)
    /// The system refused memory for `what` (`bytes` of it).
    case outOfMemory(bytes: Int, what: String)

    /// A one-line description for users.
    public var message: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open '\(path)': \(reason)"
        case .truncated(let path, let expected, let actual):
            return "'\(path)' is truncated: expected at least \(expected) bytes, found \(actual)"
        case .invalidCheckpoint(let path, let reason):
            return "'\(path)' is not a valid llama2.c checkpoint: \(reason)"
        case .invalidTokenizer(let path, let reason):
            return "'\(path)' is not a valid llama2.c tokenizer: \(reason)"
        case .vocabularyMismatch(let tokenizerSize, let modelSize):
            return "tokenizer has \(tokenizerSize) pieces but the model's vocabulary is \(modelSize)"
        case .promptTooLong(let tokens, let limit):
            return "prompt is \(tokens) tokens long, the model's context holds \(limit)"
        case .invalidArgument(let text):
            return text
        case .outOfMemory(let bytes, let what):
            return "not enough memory for \(what) (\(bytes / (1 << 20)) MiB)"
        }
    }

    /// Errors are equal when they say the same thing. (Compared as UTF-8 bytes:
    /// String's own `==` would pull Unicode tables into the Embedded build.)
    public static func == (lhs: LlamaError, rhs: LlamaError) -> Bool {
        lhs.message.utf8.elementsEqual(rhs.message.utf8)
    }
}
