/// The storage format of a checkpoint file.
public enum CheckpointFormat: Equatable, Sendable {
    /// llama2.c's legacy format (run.c): 7 int32 header, fp32 weights.
    case float32
    /// llama2.c export version 2 (runq.c): 256-byte header, Q8_0 weights.
    case q8(groupSize: Int)

    public var name: String {
        switch self {
        case .float32: return "fp32"
        case .q8(let groupSize): return "q8_0 (group size \(groupSize))"
        }
    }
}
