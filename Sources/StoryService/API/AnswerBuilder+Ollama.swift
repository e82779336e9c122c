import LlamaCore
import Support

/// Ollama's answers (`OllamaAnswer`) for a job that came through `/api/generate` or `/api/chat`.
extension AnswerBuilder {
    /// One token's text, as a piece of the stream.
    func ollamaChunk(text: [UInt8]) -> JSONValue {
        OllamaAnswer.chunk(job.dialect.ollamaEndpoint, model: modelName, createdAt: OllamaAnswer.now, text: text)
    }

    /// The last object (a plain request's whole answer), carrying `text`.
    func ollamaFinal(_ result: GenerationResult, text: [UInt8]) -> JSONValue {
        let statistics = OllamaStatistics(
            doneReason: finishReason(result.stopReason),
            totalNanoseconds: totalNanoseconds,
            loadNanoseconds: job.lock.withLock { job.queueNanoseconds },
            promptEvalCount: result.promptTokenCount, promptEvalNanoseconds: result.promptNanoseconds,
            evalCount: job.tokens.count, evalNanoseconds: result.generateNanoseconds)
        return OllamaAnswer.final(job.dialect.ollamaEndpoint, model: modelName, createdAt: OllamaAnswer.now, text: text,
                                  statistics: statistics, context: result.tokens, seed: job.seed)
    }
}
