import CPosix

/// One sequence of a `GenerationBatch`: run.c's loop for one story, split into the
/// steps the batch takes — the prompt but for its last token fed without logits
/// (`prefillRows`), then one position at a time, sampling from the logits once the
/// prompt is through, until BOS, `steps` positions, or a handler says stop.
final class BatchSequence {
    let identifier: Int
    private let promptTokens: [Int]
    private let steps: Int
    private var sampler: Sampler
    let cache: SequenceCache
    private let onToken: GenerationBatch.TokenHandler
    private let onFinish: GenerationBatch.FinishHandler
    /// Sees the sampler as the sequence left it (`Generator` hands it back to its caller).
    var onSamplerFinished: ((Sampler) -> Void)?

    /// Prompt positions fed without logits: every prompt token but the last, at most `steps`.
    private let prefillCount: Int
    /// Positions fed so far.
    private var position = 0
    /// The sequence so far (the prompt's first token, then every token decided).
    private var tokens: [Int]
    private var stopReason = StopReason.length
    private(set) var isFinished = false
    private let start = shim_monotonic_ns()
    private var promptEnd: UInt64 = 0

    init(identifier: Int, promptTokens: [Int], steps: Int, sampler: Sampler, cache: SequenceCache,
         onToken: @escaping GenerationBatch.TokenHandler, onFinish: @escaping GenerationBatch.FinishHandler) {
        self.identifier = identifier
        self.promptTokens = promptTokens
        self.steps = steps
        self.sampler = sampler
        self.cache = cache
        self.onToken = onToken
        self.onFinish = onFinish
        prefillCount = min(promptTokens.count - 1, steps)
        tokens = [promptTokens[0]]
        tokens.reserveCapacity(steps + 1)
        if prefillCount == 0 { promptFed() }
    }

    /// True once the prompt (but for its last token) is in the cache.
    var isDecoding: Bool { position >= prefillCount }

    /// Prompt positions still to feed without logits.
    var prefillRemaining: Int { prefillCount - position }

    /// The next `count` prompt rows.
    func prefillRows(_ count: Int) -> [BatchRow] {
        (position..<(position + count)).map {
            BatchRow(cache: cache, token: promptTokens[$0], position: $0, wantsLogits: false)
        }
    }

    /// `count` prompt rows went through.
    func prefilled(_ count: Int) {
        position += count
        if position == prefillCount { promptFed() }
    }

    /// The prompt is in the cache: its tokens are reported as run.c echoes them.
    private func promptFed() {
        promptEnd = shim_monotonic_ns()
        for index in 0..<prefillCount {
            let next = promptTokens[index + 1]
            tokens.append(next)
            if !onToken(TokenEvent(token: next, previous: promptTokens[index], position: index + 1, isPrompt: true)) {
                stop(.cancelled)
                return
            }
        }
        if position >= steps { isFinished = true }
    }

    /// The row of the next decode step: the last token decided, at the next position.
    func decodeRow() -> BatchRow {
        BatchRow(cache: cache, token: tokens[position], position: position, wantsLogits: true)
    }

    /// The token the decode row decided, until `decoded` takes it.
    private var chosen = 0

    /// The decode row's logits are in: choose the next token (the prompt's while it
    /// lasts, then sampled), as run.c does. Touches only this sequence, so the batch
    /// runs its sequences' choices in parallel.
    func choose(logits: UnsafeMutableBufferPointer<Float>) {
        let isPrompt = position < promptTokens.count - 1
        chosen = isPrompt ? promptTokens[position + 1] : sampler.sample(logits)
    }

    /// Takes the token `choose` chose: reports it, or ends the sequence (on this,
    /// the batch's, thread: the handlers see one sequence at a time).
    func decoded() {
        let token = tokens[position]
        let isPrompt = position < promptTokens.count - 1
        let next = chosen
        position += 1
        if next == Tokenizer.bos { return stop(.bos) }
        tokens.append(next)
        if !onToken(TokenEvent(token: next, previous: token, position: position, isPrompt: isPrompt)) {
            return stop(.cancelled)
        }
        if position >= steps { isFinished = true }
    }

    private func stop(_ reason: StopReason) {
        stopReason = reason
        isFinished = true
    }

    /// Reports the result (once, when the batch lets the sequence go).
    func finish() {
        let end = shim_monotonic_ns()
        let rate = end > start ? Double(position) / (Double(end - start) / 1e9) : 0
        onSamplerFinished?(sampler)
        onFinish(GenerationResult(
            tokens: tokens, promptTokenCount: min(promptTokens.count, tokens.count), stopReason: stopReason,
            promptNanoseconds: promptEnd - start, generateNanoseconds: end - promptEnd, runTokensPerSecond: rate))
    }
}
