import CPosix

/// run.c's generation loop: feed the prompt, then sample until BOS or `steps`
/// positions (prompt included), reporting each token as it leaves the model.
public struct Generator {
    public let transformer: Transformer

    public init(transformer: Transformer) {
        self.transformer = transformer
    }

    /// The number of positions run.c runs for `-n steps`: 0 or negative, or more
    /// than the context, means the whole context.
    public func clampedSteps(_ steps: Int) -> Int {
        steps <= 0 || steps > transformer.config.seqLen ? transformer.config.seqLen : steps
    }

    /// Runs the loop over `promptTokens` (which start with BOS, as `encode(bos: true)` gives).
    /// `onToken` sees each token as it is decided; returning false stops the generation.
    /// A batch of one: the same mechanism, and so the same tokens, as a story in any
    /// `GenerationBatch`.
    public func generate(promptTokens: [Int], steps: Int, sampler: inout Sampler,
                         onToken: (TokenEvent) -> Bool) throws(LlamaError) -> GenerationResult {
        let batch = GenerationBatch(transformer: transformer, maxSequences: 1)
        var result: GenerationResult? = nil
        var finalSampler = sampler
        try withoutActuallyEscaping(onToken) { (handler) throws(LlamaError) in
            try batch.add(promptTokens: promptTokens, steps: steps, sampler: sampler, onToken: handler,
                          onFinish: { result = $0 }, onSamplerFinished: { finalSampler = $0 })
            batch.run()
        }
        sampler = finalSampler
        guard let result else { preconditionFailure("a finished batch reports every sequence") }
        return result
    }
}
