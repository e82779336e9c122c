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
    public func generate(promptTokens: [Int], steps: Int, sampler: inout Sampler,
                         onToken: (TokenEvent) -> Bool) throws(LlamaError) -> GenerationResult {
        let config = transformer.config
        if promptTokens.isEmpty { throw .invalidArgument("the prompt must hold at least one token") }
        if promptTokens.count > config.seqLen {
            throw .promptTooLong(tokens: promptTokens.count, limit: config.seqLen)
        }
        for token in promptTokens where token < 0 || token >= config.vocabSize {
            throw .invalidArgument("token id \(token) is outside the vocabulary (0..<\(config.vocabSize))")
        }
        let steps = clampedSteps(steps)
        var tokens = [promptTokens[0]]
        tokens.reserveCapacity(steps + 1)
        var stopReason = StopReason.length
        let start = shim_monotonic_ns()

        // The prompt, but for its last token, goes through in batches; its logits are
        // never looked at (run.c computes and ignores them), so they are not computed.
        let prefillCount = min(promptTokens.count - 1, steps)
        transformer.prefill(Array(promptTokens[0..<prefillCount]), startPosition: 0)
        let promptEnd = shim_monotonic_ns()
        var position = 0
        var cancelled = false
        while position < prefillCount {
            let next = promptTokens[position + 1]
            position += 1
            tokens.append(next)
            if !onToken(TokenEvent(token: next, previous: promptTokens[position - 1], position: position, isPrompt: true)) {
                cancelled = true
                break
            }
        }

        var token = promptTokens[position]
        while !cancelled && position < steps {
            let logits = transformer.forward(token: token, position: position)
            let isPrompt = position < promptTokens.count - 1
            let next = isPrompt ? promptTokens[position + 1] : sampler.sample(logits)
            position += 1
            if next == Tokenizer.bos {
                stopReason = .bos
                break
            }
            tokens.append(next)
            let previous = token
            token = next
            if !onToken(TokenEvent(token: next, previous: previous, position: position, isPrompt: isPrompt)) {
                cancelled = true
            }
        }
        if cancelled { stopReason = .cancelled }
        let end = shim_monotonic_ns()
        let rate = end > start ? Double(position) / (Double(end - start) / 1e9) : 0
        return GenerationResult(
            tokens: tokens, promptTokenCount: min(promptTokens.count, tokens.count),
            stopReason: stopReason,
            promptNanoseconds: promptEnd - start, generateNanoseconds: end - promptEnd,
            runTokensPerSecond: rate)
    }
}
