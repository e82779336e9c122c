/// Why a generation ended.
public enum StopReason: Equatable, Sendable {
    /// The model produced BOS (run.c's end of story).
    case bos
    /// The step limit (or the context) was reached.
    case length
    /// The caller asked to stop.
    case cancelled

    public var name: String {
        switch self {
        case .bos: return "bos"
        case .length: return "length"
        case .cancelled: return "cancelled"
        }
    }
}
