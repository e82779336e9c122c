/// What Ollama reports when a generation is done: why it stopped, and the counts and
/// durations (in nanoseconds) of its parts.
public struct OllamaStatistics: Equatable, Sendable {
    /// "stop" (the model ended the story) or "length" (`num_predict` or the context ran out).
    public var doneReason: String
    /// From the request's arrival to the end.
    public var totalNanoseconds: UInt64
    /// Waiting for room in the batch (the model itself is loaded when the server starts).
    public var loadNanoseconds: UInt64
    /// Prompt tokens, BOS included.
    public var promptEvalCount: Int
    public var promptEvalNanoseconds: UInt64
    /// Generated tokens.
    public var evalCount: Int
    public var evalNanoseconds: UInt64

    public init(doneReason: String, totalNanoseconds: UInt64, loadNanoseconds: UInt64, promptEvalCount: Int,
                promptEvalNanoseconds: UInt64, evalCount: Int, evalNanoseconds: UInt64) {
        self.doneReason = doneReason
        self.totalNanoseconds = totalNanoseconds
        self.loadNanoseconds = loadNanoseconds
        self.promptEvalCount = promptEvalCount
        self.promptEvalNanoseconds = promptEvalNanoseconds
        self.evalCount = evalCount
        self.evalNanoseconds = evalNanoseconds
    }
}
