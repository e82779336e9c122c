/// How the weights are held in memory while running.
public enum WeightMode: Equatable, Sendable {
    /// As the checkpoint stores them, read in place from the mapping.
    case asStored
    /// fp32 weights converted once to fp16 (half the bytes per token), fp32 arithmetic.
    case float16
}
