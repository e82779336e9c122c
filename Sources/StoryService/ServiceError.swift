import LlamaCore

/// Why the service cannot start or run, each with a one-line message for users.
public enum ServiceError: Error {
    /// The configuration file is unreadable, not JSON, or holds a bad value.
    case invalidConfig(path: String, reason: String)
    /// A setting (from the file or a flag) is out of range.
    case invalidSetting(String)
    /// The HTTP listener could not start.
    case cannotListen(String)
    /// The model or tokenizer could not be loaded.
    case model(LlamaError)
    /// A system resource (a thread, memory) was not available.
    case system(String)

    /// A one-line description for users.
    public var message: String {
        switch self {
        case .invalidConfig(let path, let reason): return "\(path): \(reason)"
        case .invalidSetting(let text): return text
        case .cannotListen(let text): return text
        case .model(let error): return error.message
        case .system(let text): return text
        }
    }
}
