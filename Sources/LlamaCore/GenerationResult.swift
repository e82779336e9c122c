/// What a generation produced.
public struct GenerationResult {
    /// The whole sequence: the prompt (BOS first) and every generated token.
    public var tokens: [Int]
    public var promptTokenCount: Int
    public var stopReason: StopReason
    /// Time spent feeding the prompt (every prompt token but the last).
    public var promptNanoseconds: UInt64
    /// Time from the first sampled token's forward pass to the end.
    public var generateNanoseconds: UInt64
    /// run.c's "achieved tok/s": positions processed (prompt included) per second.
    public var runTokensPerSecond: Double

    /// The generated tokens, after the prompt.
    public var generatedTokens: ArraySlice<Int> { tokens[promptTokenCount...] }
}
