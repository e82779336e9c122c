import CShim

/// Which implementation of the kernels a transformer runs.
public enum KernelChoice: Equatable, Sendable {
    /// SIMD kernels split over the worker pool: the fast path.
    case simd
    /// The scalar reference kernels on one thread, summing in run.c's order, so
    /// fp32 results equal run.c's (built without fast-math) bit for bit.
    case scalar
}

/// A loaded model ready to run: the checkpoint's weights, a run state and the
/// worker pool its matmuls are split over. `forward` is run.c's forward pass.
public final class Transformer {
    public let config: ModelConfig
    public let checkpoint: Checkpoint
    public let weights: TransformerWeights
    let state: RunState
    let pool: WorkerPool
    /// Which kernels the forward pass uses.
    public let kernels: KernelChoice

    /// Prepares a transformer over `checkpoint`; `pool` splits the matmuls.
    public init(checkpoint: Checkpoint, pool: WorkerPool, kernels: KernelChoice = .simd) throws(LlamaError) {
        let config = checkpoint.config
        // The cache is allocated up front; refuse headers that would need absurd amounts.
        if RunState.cacheBytes(config) > 8 << 30 {
            throw .invalidCheckpoint(path: checkpoint.path,
                                     reason: "a \(config.seqLen)-token key/value cache would exceed 8 GiB")
        }
        self.config = config
        self.checkpoint = checkpoint
        self.weights = checkpoint.weights
        self.pool = pool
        self.kernels = kernels
        var groupSize: Int? = nil
        if case .q8(let size) = checkpoint.format { groupSize = size }
        self.state = RunState(config: config, groupSize: groupSize)
    }

    /// The logits after feeding `token` at `position` (every earlier position must
    /// have been fed first). The buffer is overwritten by the next call.
    @discardableResult
    public func forward(token: Int, position: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(token >= 0 && token < config.vocabSize, "token out of range")
        precondition(position >= 0 && position < config.seqLen, "position out of range")
        let s = state, w = weights
        let dim = config.dim, kvDim = config.kvDim, hiddenDim = config.hiddenDim

        w.tokenEmbedding.copyRow(token, into: s.x)
        computeRotation(position: position)

        for layer in 0..<config.layerCount {
            // Attention: normalize, project to q/k/v, rotate, attend, project back.
            rmsnorm(s.xb, s.x, w.rmsAttention + layer * dim)
            let cacheOffset = layer * config.seqLen * kvDim
            let key = s.keyCache + cacheOffset + position * kvDim
            let value = s.valueCache + cacheOffset + position * kvDim
            let attentionInput = prepare(s.xb, count: dim, s.xq)
            matmul(s.q, attentionInput, w.wq[layer])
            matmul(key, attentionInput, w.wk[layer])
            matmul(value, attentionInput, w.wv[layer])
            rotate(s.q, count: dim)
            rotate(key, count: kvDim)
            attend(layer: layer, position: position)
            matmul(s.xb2, prepare(s.xb, count: dim, s.xq), w.wo[layer])
            for i in 0..<dim { s.x[i] += s.xb2[i] }

            // Feed-forward: SwiGLU(x·W1, x·W3)·W2.
            rmsnorm(s.xb, s.x, w.rmsFeedForward + layer * dim)
            let feedForwardInput = prepare(s.xb, count: dim, s.xq)
            matmul(s.hb, feedForwardInput, w.w1[layer])
            matmul(s.hb2, feedForwardInput, w.w3[layer])
            Kernels.swiglu(s.hb, s.hb2, count: hiddenDim)
            matmul(s.xb, prepare(s.hb, count: hiddenDim, s.hq), w.w2[layer])
            for i in 0..<dim { s.x[i] += s.xb[i] }
        }

        rmsnorm(s.x, s.x, w.rmsFinal)
        matmul(s.logits, prepare(s.x, count: dim, s.xq), w.classifier)
        return UnsafeMutableBufferPointer(start: s.logits, count: config.vocabSize)
    }

    // MARK: steps of the forward pass

    /// A matmul input: the fp32 vector, and its Q8_0 form for quantized weights.
    struct MatmulInput {
        var floats: UnsafePointer<Float>
        var quantized: QuantizedVector?
    }

    /// Quantizes `x` once when the weights are Q8_0, so all matmuls reading it share the work.
    func prepare(_ x: UnsafeMutablePointer<Float>, count: Int, _ buffer: QuantizedVector?) -> MatmulInput {
        if let buffer { QuantizedKernels.quantize(x, count: count, into: buffer) }
        return MatmulInput(floats: UnsafePointer(x), quantized: buffer)
    }

    func rmsnorm(_ out: UnsafeMutablePointer<Float>, _ x: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>) {
        switch kernels {
        case .simd: Kernels.rmsnorm(out, x, weight, count: config.dim)
        case .scalar: Kernels.rmsnormReference(out, x, weight, count: config.dim)
        }
    }

    /// `out = W · input`, rows split across the pool.
    func matmul(_ out: UnsafeMutablePointer<Float>, _ input: MatmulInput, _ w: WeightMatrix) {
        let cols = w.cols
        if kernels == .scalar {
            matmulScalar(out, input, w)
            return
        }
        switch w.storage {
        case .float32(let base):
            pool.parallelFor(w.rows, alignment: 4) { rows in
                Kernels.matmul(out, input.floats, base, cols: cols, rows: rows)
            }
        case .q8(let values, let scales, _):
            let x = input.quantized!
            pool.parallelFor(w.rows, alignment: 8) { rows in
                QuantizedKernels.matmul(out, x, values: values, scales: scales, cols: cols, rows: rows)
            }
        case .float16(let base):
            pool.parallelFor(w.rows, alignment: 4) { rows in
                HalfKernels.matmul(out, input.floats, base, cols: cols, rows: rows)
            }
        }
    }

    /// The scalar reference kernels, one thread: run.c's (runq.c's) arithmetic step for step.
    private func matmulScalar(_ out: UnsafeMutablePointer<Float>, _ input: MatmulInput, _ w: WeightMatrix) {
        switch w.storage {
        case .float32(let base):
            Kernels.matmulReference(out, input.floats, base, rows: w.rows, cols: w.cols)
        case .q8(let values, let scales, _):
            QuantizedKernels.matmulReference(out, input.quantized!, values: values, scales: scales,
                                             rows: w.rows, cols: w.cols)
        case .float16(let base):
            HalfKernels.matmulReference(out, input.floats, base, rows: w.rows, cols: w.cols)
        }
    }

    /// RoPE angles of `position`, computed once per token rather than per head.
    private func computeRotation(position: Int) {
        let headSize = config.headSize
        for pair in 0..<(headSize / 2) {
            // run.c's formula, step for step, so the angles round identically.
            let frequency = 1 / powf(10000, Float(2 * pair) / Float(headSize))
            let angle = Float(position) * frequency
            state.ropeCos[pair] = cosf(angle)
            state.ropeSin[pair] = sinf(angle)
        }
    }

    /// Rotates each consecutive pair of `vector` by its head-relative RoPE angle.
    private func rotate(_ vector: UnsafeMutablePointer<Float>, count: Int) {
        let headSize = config.headSize
        var i = 0
        while i < count {
            let pair = (i % headSize) / 2
            let c = state.ropeCos[pair], s = state.ropeSin[pair]
            let v0 = vector[i], v1 = vector[i + 1]
            vector[i] = v0 * c - v1 * s
            vector[i + 1] = v0 * s + v1 * c
            i += 2
        }
    }

    /// Multi-head attention of the current query over positions `0...position`,
    /// heads split across the pool; writes the heads' outputs to `xb`.
    private func attend(layer: Int, position: Int) {
        let s = state
        let headSize = config.headSize, kvDim = config.kvDim, seqLen = config.seqLen
        let kvMultiplier = config.kvMultiplier
        let cacheOffset = layer * seqLen * kvDim
        let scale = Float(headSize).squareRoot()
        if kernels == .scalar {
            for head in 0..<config.headCount {
                let query = s.q + head * headSize
                let scores = s.att + head * seqLen
                let kvOffset = cacheOffset + (head / kvMultiplier) * headSize
                for t in 0...position {
                    let key = s.keyCache + kvOffset + t * kvDim
                    var score: Float = 0
                    for i in 0..<headSize { score += query[i] * key[i] }
                    scores[t] = score / scale
                }
                Kernels.softmax(scores, count: position + 1)
                let out = s.xb + head * headSize
                out.update(repeating: 0, count: headSize)
                for t in 0...position {
                    let value = s.valueCache + kvOffset + t * kvDim
                    let weight = scores[t]
                    for i in 0..<headSize { out[i] += weight * value[i] }
                }
            }
            return
        }
        pool.parallelFor(config.headCount) { heads in
            for head in heads {
                let query = s.q + head * headSize
                let scores = s.att + head * seqLen
                let kvOffset = cacheOffset + (head / kvMultiplier) * headSize
                for t in 0...position {
                    scores[t] = Kernels.dot(query, s.keyCache + kvOffset + t * kvDim, count: headSize) / scale
                }
                Kernels.softmax(scores, count: position + 1)
                let out = s.xb + head * headSize
                out.update(repeating: 0, count: headSize)
                for t in 0...position {
                    Kernels.addScaled(out, s.valueCache + kvOffset + t * kvDim, scale: scores[t], count: headSize)
                }
            }
        }
    }
}
