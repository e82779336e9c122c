import CPosix

/// Many stories at once: run.c's generation loop for several independent sequences,
/// each with its own prompt, position, key/value cache, sampler and seed, advanced
/// together so that every step reads each weight once for all of them (decode reads
/// every weight from memory for a single token; eight stories cost little more than one).
///
/// Sequences join between steps (`add`), their prompts fed in batches alongside the
/// others' decoding, and leave when they end (BOS, their step limit, or their handler
/// says stop), freeing their cache. A sequence's tokens are exactly those it gets
/// alone: every row's arithmetic is independent of the rest of its batch (see
/// `Transformer.forward(_:)`), so its logits are bit-identical in any company.
public final class GenerationBatch {
    /// Called with each token as it is decided; returning false stops that sequence.
    public typealias TokenHandler = (TokenEvent) -> Bool
    /// Called once when a sequence ends, with what it produced.
    public typealias FinishHandler = (GenerationResult) -> Void

    public let transformer: Transformer
    /// Most sequences running at once.
    public let maxSequences: Int
    private var sequences: [BatchSequence] = []
    private var nextIdentifier = 0

    /// A batch over `transformer` (its `batchCapacity` bounds the rows of one step)
    /// running at most `maxSequences` sequences at once.
    public init(transformer: Transformer, maxSequences: Int) {
        precondition(maxSequences >= 1, "a batch runs at least one sequence")
        self.transformer = transformer
        self.maxSequences = maxSequences
    }

    /// Sequences running now.
    public var activeCount: Int { sequences.count }

    /// True while another sequence may join.
    public var hasRoom: Bool { sequences.count < maxSequences }

    /// Bytes the key/value cache of a sequence of `steps` positions takes (run.c's `-n`).
    public func cacheBytes(steps: Int) -> Int {
        SequenceCache.bytes(transformer.config, capacity: Generator(transformer: transformer).clampedSteps(steps))
    }

    /// Adds a sequence over `promptTokens` (BOS first) for `steps` positions, prompt
    /// included (run.c's `-n`; 0 or less, or more than the context, is the whole
    /// context). It joins at the next step. Its cache is allocated now, for the
    /// positions it can use. Returns its identifier (the order sequences were added).
    @discardableResult
    public func add(promptTokens: [Int], steps: Int, sampler: Sampler,
                    onToken: @escaping TokenHandler, onFinish: @escaping FinishHandler) throws(LlamaError) -> Int {
        try add(promptTokens: promptTokens, steps: steps, sampler: sampler, onToken: onToken, onFinish: onFinish,
                onSamplerFinished: nil)
    }

    /// `add`, also handing back the sampler as the sequence leaves it.
    @discardableResult
    func add(promptTokens: [Int], steps: Int, sampler: Sampler, onToken: @escaping TokenHandler,
             onFinish: @escaping FinishHandler, onSamplerFinished: ((Sampler) -> Void)?) throws(LlamaError) -> Int {
        if !hasRoom { throw .invalidArgument("the batch is full (\(maxSequences) sequences)") }
        let config = transformer.config
        if promptTokens.isEmpty { throw .invalidArgument("the prompt must hold at least one token") }
        if promptTokens.count > config.seqLen {
            throw .promptTooLong(tokens: promptTokens.count, limit: config.seqLen)
        }
        for token in promptTokens where token < 0 || token >= config.vocabSize {
            throw .invalidArgument("token id \(token) is outside the vocabulary (0..<\(config.vocabSize))")
        }
        let steps = Generator(transformer: transformer).clampedSteps(steps)
        let cache = try transformer.makeCache(capacity: steps)
        let sequence = BatchSequence(identifier: nextIdentifier, promptTokens: promptTokens, steps: steps,
                                     sampler: sampler, cache: cache, onToken: onToken, onFinish: onFinish)
        sequence.onSamplerFinished = onSamplerFinished
        nextIdentifier += 1
        sequences.append(sequence)
        return sequence.identifier
    }

    /// Runs steps until every sequence has ended.
    public func run() {
        while !sequences.isEmpty { step() }
    }

    /// One forward pass: a row for each decoding sequence (its next token), then, in
    /// the rows left, the next part of each joining sequence's prompt. Sequences that
    /// ended leave the batch.
    public func step() {
        if sequences.isEmpty { return }
        let capacity = transformer.batchCapacity
        var rows: [BatchRow] = []
        var decoding: [BatchSequence] = []
        var prefilling: [(BatchSequence, Int)] = []
        for sequence in sequences where sequence.isDecoding && rows.count < capacity {
            rows.append(sequence.decodeRow())
            decoding.append(sequence)
        }
        for sequence in sequences where !sequence.isDecoding && rows.count < capacity {
            let count = min(capacity - rows.count, sequence.prefillRemaining)
            rows.append(contentsOf: sequence.prefillRows(count))
            prefilling.append((sequence, count))
        }
        let logits = rows.isEmpty ? UnsafeMutableBufferPointer<Float>(start: nil, count: 0) : transformer.forward(rows)
        // Sampling (a softmax and a top-p sort over the vocabulary) is per sequence:
        // the sequences choose on the pool's threads, then report in order here.
        let vocabSize = transformer.config.vocabSize
        let choose = { (index: Int) in
            decoding[index].choose(logits: UnsafeMutableBufferPointer(
                rebasing: logits[(index * vocabSize)..<((index + 1) * vocabSize)]))
        }
        if transformer.kernels == .scalar {
            for index in decoding.indices { choose(index) }
        } else {
            transformer.pool.run(chunks: decoding.count, choose)
        }
        for sequence in decoding { sequence.decoded() }
        for (sequence, count) in prefilling { sequence.prefilled(count) }
        sequences.removeAll { sequence in
            if !sequence.isFinished { return false }
            sequence.finish()
            return true
        }
    }
}
