import LlamaKernels

/// A loaded model ready to run: the checkpoint's weights (`TransformerWeights`), the
/// activations (`RunState`) and the worker pool its matmuls and attention heads are
/// split over. `forward` is run.c's forward pass over a batch of rows: several
/// positions of one prompt, or one position of each of several sequences, each
/// sequence with its own key/value cache (`SequenceCache`). Every row's arithmetic is
/// the same whatever else is in its batch (the kernels sum each dot product in one
/// fixed order), so a sequence's logits do not depend on the company it keeps. The
/// arithmetic is LlamaKernels'; this is the graph: which kernel runs on what, and how
/// work is split across threads.
public final class Transformer {
    public let config: ModelConfig
    public let checkpoint: Checkpoint
    public let weights: TransformerWeights
    public let kernels: KernelChoice
    public let weightMode: WeightMode
    let state: RunState
    let pool: WorkerPool
    /// The cache of the one sequence `forward(token:position:)` and `prefill` feed.
    private let ownCache: SequenceCache?
    /// Owns the converted weights in fp16 mode.
    private let halfWeights: HalfWeights?

    /// Most rows one `forward(_:)` takes.
    public var batchCapacity: Int { state.batchCapacity }

    /// Prepares a transformer over `checkpoint`; `pool` splits the matmuls and
    /// `batchCapacity` bounds how many rows one pass takes. `cacheCapacity` sizes the
    /// cache of the one sequence `forward(token:position:)` and `prefill` feed
    /// (default: the whole context); 0 gives none, for callers that bring their own.
    public init(checkpoint: Checkpoint, pool: WorkerPool, kernels: KernelChoice = .simd,
                weightMode: WeightMode = .asStored, batchCapacity: Int = 32,
                cacheCapacity: Int? = nil) throws(LlamaError) {
        let config = checkpoint.config
        // Refuse headers whose whole-context cache would be absurd (a 1 MB file claiming
        // a million positions) before any sequence asks for one.
        if SequenceCache.bytes(config, capacity: config.seqLen) > 8 << 30 {
            throw .invalidCheckpoint(path: checkpoint.path,
                                     reason: "a \(config.seqLen)-token key/value cache would exceed 8 GiB")
        }
        if batchCapacity < 1 { throw .invalidArgument("batch capacity must be at least 1") }
        let cacheCapacity = cacheCapacity ?? config.seqLen
        if cacheCapacity < 0 || cacheCapacity > config.seqLen {
            throw .invalidArgument("cache capacity \(cacheCapacity) is outside 0...\(config.seqLen)")
        }
        self.config = config
        self.checkpoint = checkpoint
        self.pool = pool
        self.kernels = kernels
        self.weightMode = weightMode
        // Q8_0 inputs are quantized in the groups of the matrices that read them: dim-wide
        // ones as wq's, the hidden activation as w2's (smaller when the file's groups
        // straddle w2's rows, see Checkpoint).
        var groupSizes: (input: Int, hidden: Int)? = nil
        if case .q8(_, _, let input) = checkpoint.weights.wq[0].storage,
           case .q8(_, _, let hidden) = checkpoint.weights.w2[0].storage {
            groupSizes = (input, hidden)
        }
        switch weightMode {
        case .asStored:
            weights = checkpoint.weights
            halfWeights = nil
        case .float16:
            if groupSizes != nil {
                throw .invalidArgument("fp16 weights are made from fp32 checkpoints; this one is Q8_0")
            }
            let converted = HalfWeights(converting: checkpoint)
            weights = converted.weights
            halfWeights = converted
        }
        ownCache = cacheCapacity > 0 ? try SequenceCache(config: config, capacity: cacheCapacity) : nil
        self.state = RunState(config: config, batchCapacity: batchCapacity, groupSizes: groupSizes)
        try state.reserveAttention(positions: cacheCapacity)
    }

    /// A cache for a sequence of up to `capacity` positions, to feed with `forward(_:)`
    /// (the attention scores grow to match). Fails with `.outOfMemory` when refused.
    public func makeCache(capacity: Int) throws(LlamaError) -> SequenceCache {
        let cache = try SequenceCache(config: config, capacity: capacity)
        try state.reserveAttention(positions: capacity)
        return cache
    }

    /// The logits after feeding `token` at `position` (every earlier position must
    /// have been fed first) of the transformer's own sequence. The buffer is
    /// overwritten by the next call.
    @discardableResult
    public func forward(token: Int, position: Int) -> UnsafeMutableBufferPointer<Float> {
        guard let ownCache else { preconditionFailure("this transformer has no cache of its own") }
        precondition(position < ownCache.capacity, "position out of range")
        return forward([BatchRow(cache: ownCache, token: token, position: position, wantsLogits: true)])
    }

    /// Feeds `tokens` at positions `startPosition...` of the transformer's own sequence
    /// without computing logits, a batch at a time: the prompt of a generation.
    public func prefill(_ tokens: [Int], startPosition: Int) {
        guard let ownCache else { preconditionFailure("this transformer has no cache of its own") }
        precondition(startPosition >= 0 && startPosition + tokens.count <= ownCache.capacity, "positions out of range")
        var start = 0
        while start < tokens.count {
            let count = min(state.batchCapacity, tokens.count - start)
            let rows = (start..<(start + count)).map {
                BatchRow(cache: ownCache, token: tokens[$0], position: startPosition + $0, wantsLogits: false)
            }
            forward(rows)
            start += count
        }
    }

    /// run.c's `forward` over a batch of rows (at most `batchCapacity`). Rows of one
    /// sequence come in position order, each after every earlier position of its
    /// sequence was fed (here or before). Returns the logits of the rows that want
    /// them, one `vocabSize` row each in the rows' order; the buffer is overwritten by
    /// the next call.
    @discardableResult
    public func forward(_ rows: [BatchRow]) -> UnsafeMutableBufferPointer<Float> {
        let count = rows.count
        precondition(count >= 1 && count <= state.batchCapacity, "batch size out of range")
        for row in rows {
            precondition(row.token >= 0 && row.token < config.vocabSize, "token out of range")
            precondition(row.position >= 0 && row.position < row.cache.capacity, "position out of range")
            precondition(row.cache.capacity <= state.attentionPositions, "a cache this transformer did not make")
        }
        let s = state, w = weights
        let dim = config.dim, kvDim = config.kvDim, hiddenDim = config.hiddenDim, headSize = config.headSize
        let x = VectorBatch(base: s.x, stride: dim, count: count)
        let xb = VectorBatch(base: s.xb, stride: dim, count: count)
        let xb2 = VectorBatch(base: s.xb2, stride: dim, count: count)
        let q = VectorBatch(base: s.q, stride: dim, count: count)
        let k = VectorBatch(base: s.k, stride: kvDim, count: count)
        let v = VectorBatch(base: s.v, stride: kvDim, count: count)
        let hb = VectorBatch(base: s.hb, stride: hiddenDim, count: count)
        let hb2 = VectorBatch(base: s.hb2, stride: hiddenDim, count: count)
        let ropeCos = VectorBatch(base: s.ropeCos, stride: headSize / 2, count: count)
        let ropeSin = VectorBatch(base: s.ropeSin, stride: headSize / 2, count: count)

        // The token embeddings into x, and each row's RoPE angles (shared by every layer).
        for (b, row) in rows.enumerated() {
            w.tokenEmbedding.copyRow(row.token, into: x[b])
            RopeKernels.angles(position: row.position, headSize: headSize, cosines: ropeCos[b], sines: ropeSin[b])
        }

        for layer in 0..<config.layerCount {
            // Attention rmsnorm.
            for b in 0..<count { VectorKernels.rmsnorm(xb[b], x[b], w.rmsAttention + layer * dim, count: dim) }

            // q, k and v.
            matmul([(q, w.wq[layer]), (k, w.wk[layer]), (v, w.wv[layer])], MatmulInput(xb, quantizingInto: s.xq))

            // RoPE: rotate q and k in each head; k and v then go into their sequences' caches.
            for (b, row) in rows.enumerated() {
                RopeKernels.rotate(q[b], count: dim, headSize: headSize, cosines: ropeCos[b], sines: ropeSin[b])
                RopeKernels.rotate(k[b], count: kvDim, headSize: headSize, cosines: ropeCos[b], sines: ropeSin[b])
                store(key: k[b], value: v[b], in: row.cache, layer: layer, position: row.position)
            }

            // Multihead attention into xb, its output projection, the residual connection.
            attend(rows, layer: layer)
            matmul([(xb2, w.wo[layer])], MatmulInput(xb, quantizingInto: s.xq))
            for b in 0..<count { VectorKernels.add(x[b], xb2[b], count: dim) }

            // Feed-forward rmsnorm, then SwiGLU(x·W1, x·W3)·W2 and the residual connection.
            for b in 0..<count { VectorKernels.rmsnorm(xb[b], x[b], w.rmsFeedForward + layer * dim, count: dim) }
            matmul([(hb, w.w1[layer]), (hb2, w.w3[layer])], MatmulInput(xb, quantizingInto: s.xq))
            for b in 0..<count { VectorKernels.swiglu(hb[b], hb2[b], count: hiddenDim) }
            matmul([(xb, w.w2[layer])], MatmulInput(hb, quantizingInto: s.hq))
            for b in 0..<count { VectorKernels.add(x[b], xb[b], count: dim) }
        }

        // Final rmsnorm and the classifier, for the rows that want logits only: those of
        // prompt positions are never read (run.c computes and ignores them). The rows
        // wanted are gathered in xb, one after another.
        var wanted = 0
        for (b, row) in rows.enumerated() where row.wantsLogits {
            VectorKernels.rmsnorm(xb[wanted], x[b], w.rmsFinal, count: dim)
            wanted += 1
        }
        s.reserveLogitRows(max(1, wanted))
        if wanted > 0 {
            let final = VectorBatch(base: s.xb, stride: dim, count: wanted)
            matmul([(VectorBatch(base: s.logits, stride: config.vocabSize, count: wanted), w.classifier)],
                   MatmulInput(final, quantizingInto: s.xq))
        }
        return UnsafeMutableBufferPointer(start: s.logits, count: wanted * config.vocabSize)
    }

    // MARK: how the work is split

    /// `out[b] = W · input[b]` for each (out, W) pair. The fast kernels split all
    /// pairs' rows across the pool in one job (q, k and v, or W1 and W3, share one
    /// hand-off, not three); the scalar reference runs on this thread alone.
    private func matmul(_ products: [(VectorBatch, WeightMatrix)], _ input: MatmulInput) {
        let totalRows = products.reduce(0) { $0 + $1.1.rows }
        if kernels == .scalar {
            multiply(products, input, rows: 0..<totalRows)
        } else {
            pool.parallelFor(totalRows, alignment: 8) { multiply(products, input, rows: $0) }
        }
    }

    /// The rows `rows` of the products' rows laid end to end, on this thread.
    private func multiply(_ products: [(VectorBatch, WeightMatrix)], _ input: MatmulInput, rows: Range<Int>) {
        var first = 0
        for (out, w) in products {
            let start = max(rows.lowerBound, first), end = min(rows.upperBound, first + w.rows)
            if start < end { Matmul.multiply(out, input, w, rows: (start - first)..<(end - first), kernels: kernels) }
            first += w.rows
        }
    }

    /// Multi-head attention of each row's query over its sequence's positions so far,
    /// the (row, head) pairs split across the pool (the scalar reference: on this
    /// thread); writes the heads' outputs to `xb`.
    private func attend(_ rows: [BatchRow], layer: Int) {
        let pairs = rows.count * config.headCount
        if kernels == .scalar {
            attend(pairs: 0..<pairs, rows: rows, layer: layer)
        } else {
            pool.parallelFor(pairs) { attend(pairs: $0, rows: rows, layer: layer) }
        }
    }

    /// The (row, head) pairs `pairs` of `attend` (pair `b · headCount + head`), on this
    /// thread. Query head `head` reads kv head `head / kvMultiplier` (grouped-query attention).
    private func attend(pairs: Range<Int>, rows: [BatchRow], layer: Int) {
        let s = state
        let headSize = config.headSize, kvDim = config.kvDim, dim = config.dim, scoreStride = s.attentionPositions
        for pair in pairs {
            let b = pair / config.headCount, head = pair % config.headCount, row = rows[b]
            let kvHead = head / config.kvMultiplier
            let cache = row.cache, capacity = cache.capacity
            let layerKeys = cache.keys + layer * capacity * kvDim
            let layerValues = cache.values + layer * capacity * kvDim
            AttentionKernels.attend(s.xb + b * dim + head * headSize, query: s.q + b * dim + head * headSize,
                                    keys: layerKeys + kvHead * headSize * capacity, keyStride: capacity,
                                    values: layerValues + kvHead * headSize, valueStride: kvDim,
                                    scores: s.att + pair * scoreStride, headSize: headSize,
                                    count: row.position + 1, kernels: kernels)
        }
    }

    /// Writes a rotated key (into the transposed key cache) and a value at `position`.
    private func store(key: UnsafeMutablePointer<Float>, value: UnsafeMutablePointer<Float>,
                       in cache: SequenceCache, layer: Int, position: Int) {
        let capacity = cache.capacity, kvDim = config.kvDim
        let keys = cache.keys + layer * capacity * kvDim + position
        for i in 0..<kvDim { keys[i * capacity] = key[i] }
        (cache.values + (layer * capacity + position) * kvDim).update(from: value, count: kvDim)
    }
}
