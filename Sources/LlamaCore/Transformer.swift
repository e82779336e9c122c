import LlamaKernels

/// A loaded model ready to run: the checkpoint's weights (`TransformerWeights`),
/// the activations and caches (`RunState`) and the worker pool its matmuls and
/// attention heads are split over. `forward` is run.c's forward pass, over one
/// position or a batch of consecutive positions. The arithmetic is LlamaKernels';
/// this is the graph: which kernel runs on what, and how work is split across threads.
public final class Transformer {
    public let config: ModelConfig
    public let checkpoint: Checkpoint
    public let weights: TransformerWeights
    public let kernels: KernelChoice
    public let weightMode: WeightMode
    let state: RunState
    let pool: WorkerPool
    /// Owns the converted weights in fp16 mode.
    private let halfWeights: HalfWeights?

    /// Prepares a transformer over `checkpoint`; `pool` splits the matmuls and
    /// `batchCapacity` bounds how many prompt tokens one pass takes.
    public init(checkpoint: Checkpoint, pool: WorkerPool, kernels: KernelChoice = .simd,
                weightMode: WeightMode = .asStored, batchCapacity: Int = 32) throws(LlamaError) {
        let config = checkpoint.config
        // The cache is allocated up front; refuse headers that would need absurd amounts.
        if RunState.cacheBytes(config) > 8 << 30 {
            throw .invalidCheckpoint(path: checkpoint.path,
                                     reason: "a \(config.seqLen)-token key/value cache would exceed 8 GiB")
        }
        if batchCapacity < 1 { throw .invalidArgument("batch capacity must be at least 1") }
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
        self.state = RunState(config: config, batchCapacity: batchCapacity, groupSizes: groupSizes)
    }

    /// The logits after feeding `token` at `position` (every earlier position must
    /// have been fed first). The buffer is overwritten by the next call.
    @discardableResult
    public func forward(token: Int, position: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(token >= 0 && token < config.vocabSize, "token out of range")
        precondition(position >= 0 && position < config.seqLen, "position out of range")
        withUnsafePointer(to: token) {
            forward(tokens: UnsafeBufferPointer(start: $0, count: 1), startPosition: position, logits: true)
        }
        return UnsafeMutableBufferPointer(start: state.logits, count: config.vocabSize)
    }

    /// Feeds `tokens` at positions `startPosition...` without computing logits,
    /// a batch at a time: the prompt of a generation.
    public func prefill(_ tokens: [Int], startPosition: Int) {
        precondition(startPosition >= 0 && startPosition + tokens.count <= config.seqLen, "positions out of range")
        precondition(tokens.allSatisfy { $0 >= 0 && $0 < config.vocabSize }, "token out of range")
        tokens.withUnsafeBufferPointer { all in
            var start = 0
            while start < all.count {
                let count = min(state.batchCapacity, all.count - start)
                forward(tokens: UnsafeBufferPointer(rebasing: all[start..<(start + count)]),
                        startPosition: startPosition + start, logits: false)
                start += count
            }
        }
    }

    /// run.c's `forward`, over consecutive positions; logits (of the last position) only if asked.
    private func forward(tokens: UnsafeBufferPointer<Int>, startPosition: Int, logits: Bool) {
        let s = state, w = weights
        let dim = config.dim, kvDim = config.kvDim, hiddenDim = config.hiddenDim, headSize = config.headSize
        let count = tokens.count
        let x = VectorBatch(base: s.x, stride: dim, count: count)
        let xb = VectorBatch(base: s.xb, stride: dim, count: count)
        let xb2 = VectorBatch(base: s.xb2, stride: dim, count: count)
        let q = VectorBatch(base: s.q, stride: dim, count: count)
        let k = VectorBatch(base: s.k, stride: kvDim, count: count)
        let hb = VectorBatch(base: s.hb, stride: hiddenDim, count: count)
        let hb2 = VectorBatch(base: s.hb2, stride: hiddenDim, count: count)
        let ropeCos = VectorBatch(base: s.ropeCos, stride: headSize / 2, count: count)
        let ropeSin = VectorBatch(base: s.ropeSin, stride: headSize / 2, count: count)

        // The token embeddings into x, and each position's RoPE angles (shared by every layer).
        for b in 0..<count {
            w.tokenEmbedding.copyRow(tokens[b], into: x[b])
            RopeKernels.angles(position: startPosition + b, headSize: headSize, cosines: ropeCos[b], sines: ropeSin[b])
        }

        for layer in 0..<config.layerCount {
            // Attention rmsnorm.
            for b in 0..<count { VectorKernels.rmsnorm(xb[b], x[b], w.rmsAttention + layer * dim, count: dim) }

            // q, k and v; v goes straight into this layer's value cache.
            let v = VectorBatch(base: s.valueCache + (layer * config.seqLen + startPosition) * kvDim,
                                stride: kvDim, count: count)
            matmul([(q, w.wq[layer]), (k, w.wk[layer]), (v, w.wv[layer])], MatmulInput(xb, quantizingInto: s.xq))

            // RoPE: rotate q and k in each head; k then goes into the (transposed) key cache.
            for b in 0..<count {
                RopeKernels.rotate(q[b], count: dim, headSize: headSize, cosines: ropeCos[b], sines: ropeSin[b])
                RopeKernels.rotate(k[b], count: kvDim, headSize: headSize, cosines: ropeCos[b], sines: ropeSin[b])
                storeKey(k[b], layer: layer, position: startPosition + b)
            }

            // Multihead attention into xb, its output projection, the residual connection.
            attend(layer: layer, startPosition: startPosition, count: count)
            matmul([(xb2, w.wo[layer])], MatmulInput(xb, quantizingInto: s.xq))
            for b in 0..<count { VectorKernels.add(x[b], xb2[b], count: dim) }

            // Feed-forward rmsnorm, then SwiGLU(x·W1, x·W3)·W2 and the residual connection.
            for b in 0..<count { VectorKernels.rmsnorm(xb[b], x[b], w.rmsFeedForward + layer * dim, count: dim) }
            matmul([(hb, w.w1[layer]), (hb2, w.w3[layer])], MatmulInput(xb, quantizingInto: s.xq))
            for b in 0..<count { VectorKernels.swiglu(hb[b], hb2[b], count: hiddenDim) }
            matmul([(xb, w.w2[layer])], MatmulInput(hb, quantizingInto: s.hq))
            for b in 0..<count { VectorKernels.add(x[b], xb[b], count: dim) }
        }

        // Final rmsnorm and the classifier, for the last position only: the logits of
        // prompt positions are never read (run.c computes and ignores them).
        if logits {
            let last = VectorBatch(base: x[count - 1], stride: dim, count: 1)
            VectorKernels.rmsnorm(last.base, last.base, w.rmsFinal, count: dim)
            matmul([(VectorBatch(base: s.logits, stride: config.vocabSize, count: 1), w.classifier)],
                   MatmulInput(last, quantizingInto: s.xq))
        }
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

    /// Multi-head attention of each query of the batch over its positions so far,
    /// heads split across the pool (the scalar reference: on this thread); writes
    /// the heads' outputs to `xb`.
    private func attend(layer: Int, startPosition: Int, count: Int) {
        if kernels == .scalar {
            attend(heads: 0..<config.headCount, layer: layer, startPosition: startPosition, count: count)
        } else {
            pool.parallelFor(config.headCount) { attend(heads: $0, layer: layer, startPosition: startPosition, count: count) }
        }
    }

    /// The heads `heads` of `attend`, on this thread. Query head `head` reads kv head
    /// `head / kvMultiplier` (grouped-query attention).
    private func attend(heads: Range<Int>, layer: Int, startPosition: Int, count: Int) {
        let s = state
        let headSize = config.headSize, kvDim = config.kvDim, seqLen = config.seqLen, dim = config.dim
        let layerKeys = s.keyCache + layer * seqLen * kvDim
        let layerValues = s.valueCache + layer * seqLen * kvDim
        for head in heads {
            let kvHead = head / config.kvMultiplier
            for b in 0..<count {
                AttentionKernels.attend(s.xb + b * dim + head * headSize, query: s.q + b * dim + head * headSize,
                                        keys: layerKeys + kvHead * headSize * seqLen, keyStride: seqLen,
                                        values: layerValues + kvHead * headSize, valueStride: kvDim,
                                        scores: s.att + head * seqLen, headSize: headSize,
                                        count: startPosition + b + 1, kernels: kernels)
            }
        }
    }

    /// Writes a rotated key into the transposed key cache (`RunState.keyCache`).
    private func storeKey(_ key: UnsafeMutablePointer<Float>, layer: Int, position: Int) {
        let seqLen = config.seqLen, kvDim = config.kvDim
        let base = state.keyCache + layer * seqLen * kvDim + position
        for i in 0..<kvDim { base[i * seqLen] = key[i] }
    }
}
