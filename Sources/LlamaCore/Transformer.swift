import CRiscvKernels
import CShim

/// Which implementation of the kernels a transformer runs.
public enum KernelChoice: Equatable, Sendable {
    /// SIMD kernels split over the worker pool: the fast path.
    case simd
    /// The scalar reference kernels on one thread, summing in run.c's order, so
    /// fp32 results equal run.c's (built without fast-math) bit for bit.
    case scalar
}

/// How the weights are held in memory while running.
public enum WeightMode: Equatable, Sendable {
    /// As the checkpoint stores them, read in place from the mapping.
    case asStored
    /// fp32 weights converted once to fp16 (half the bytes per token), fp32 arithmetic.
    case float16
}

/// A loaded model ready to run: the checkpoint's weights, a run state and the
/// worker pool its matmuls are split over. `forward` is run.c's forward pass,
/// over one position or a batch of consecutive positions.
public final class Transformer {
    public let config: ModelConfig
    public let checkpoint: Checkpoint
    public let weights: TransformerWeights
    public let kernels: KernelChoice
    public let weightMode: WeightMode
    let state: RunState
    let pool: WorkerPool
    /// Owns converted weights (fp16 mode).
    private let convertedWeights: UnsafeMutablePointer<UInt16>?

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
        var groupSize: Int? = nil
        if case .q8(let size) = checkpoint.format { groupSize = size }
        switch weightMode {
        case .asStored:
            weights = checkpoint.weights
            convertedWeights = nil
        case .float16:
            if groupSize != nil {
                throw .invalidArgument("fp16 weights are made from fp32 checkpoints; this one is Q8_0")
            }
            (weights, convertedWeights) = Transformer.convertToHalf(checkpoint)
        }
        self.state = RunState(config: config, batchCapacity: batchCapacity, groupSize: groupSize)
    }

    deinit {
        convertedWeights?.deallocate()
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

    /// The forward pass over consecutive positions; logits (of the last position) only if asked.
    private func forward(tokens: UnsafeBufferPointer<Int>, startPosition: Int, logits: Bool) {
        let s = state, w = weights
        let dim = config.dim, kvDim = config.kvDim, hiddenDim = config.hiddenDim
        let count = tokens.count
        let x = VectorBatch(base: s.x, stride: dim, count: count)
        let xb = VectorBatch(base: s.xb, stride: dim, count: count)
        let xb2 = VectorBatch(base: s.xb2, stride: dim, count: count)
        let q = VectorBatch(base: s.q, stride: dim, count: count)
        let k = VectorBatch(base: s.k, stride: kvDim, count: count)
        let hb = VectorBatch(base: s.hb, stride: hiddenDim, count: count)
        let hb2 = VectorBatch(base: s.hb2, stride: hiddenDim, count: count)

        for b in 0..<count { w.tokenEmbedding.copyRow(tokens[b], into: x[b]) }
        computeRotation(startPosition: startPosition, count: count)

        for layer in 0..<config.layerCount {
            // Attention: normalize, project to q/k/v, rotate, attend, project back.
            for b in 0..<count { Kernels.rmsnorm(xb[b], x[b], w.rmsAttention + layer * dim, count: dim) }
            let values = VectorBatch(base: s.valueCache + (layer * config.seqLen + startPosition) * kvDim,
                                     stride: kvDim, count: count)
            let attentionInput = prepare(xb, s.xq)
            matmul([(q, w.wq[layer]), (k, w.wk[layer]), (values, w.wv[layer])], attentionInput)
            for b in 0..<count {
                rotate(q[b], count: dim, batchIndex: b)
                rotate(k[b], count: kvDim, batchIndex: b)
                storeKey(k[b], layer: layer, position: startPosition + b)
            }
            attend(layer: layer, startPosition: startPosition, count: count)
            matmul([(xb2, w.wo[layer])], prepare(xb, s.xq))
            for b in 0..<count { Kernels.add(x[b], xb2[b], count: dim) }

            // Feed-forward: SwiGLU(x·W1, x·W3)·W2.
            for b in 0..<count { Kernels.rmsnorm(xb[b], x[b], w.rmsFeedForward + layer * dim, count: dim) }
            let feedForwardInput = prepare(xb, s.xq)
            matmul([(hb, w.w1[layer]), (hb2, w.w3[layer])], feedForwardInput)
            for b in 0..<count { Kernels.swiglu(hb[b], hb2[b], count: hiddenDim) }
            matmul([(xb, w.w2[layer])], prepare(hb, s.hq))
            for b in 0..<count { Kernels.add(x[b], xb[b], count: dim) }
        }

        if logits {
            let last = VectorBatch(base: x[count - 1], stride: dim, count: 1)
            Kernels.rmsnorm(last.base, last.base, w.rmsFinal, count: dim)
            matmul([(VectorBatch(base: s.logits, stride: config.vocabSize, count: 1), w.classifier)],
                   prepare(last, s.xq))
        }
    }

    // MARK: steps of the forward pass

    /// A matmul input: the fp32 vectors, and their Q8_0 form for quantized weights.
    struct MatmulInput {
        var floats: VectorBatch
        var quantized: QuantizedBatch?
    }

    /// Quantizes `x` once when the weights are Q8_0, so all matmuls reading it share the work.
    private func prepare(_ x: VectorBatch, _ buffer: QuantizedBatch?) -> MatmulInput {
        if let buffer {
            for b in 0..<x.count { QuantizedKernels.quantize(x[b], count: buffer.width, into: buffer[b]) }
        }
        return MatmulInput(floats: x, quantized: buffer)
    }

    /// `out[b] = W · input[b]` for each (out, W) pair, all pairs' rows split across the
    /// pool in one job: q, k and v (or W1 and W3) share one hand-off, not three.
    private func matmul(_ products: [(VectorBatch, WeightMatrix)], _ input: MatmulInput) {
        if kernels == .scalar {
            for (out, w) in products {
                for b in 0..<input.floats.count { matmulScalar(out[b], input, b, w) }
            }
            return
        }
        let totalRows = products.reduce(0) { $0 + $1.1.rows }
        pool.parallelFor(totalRows, alignment: 8) { rows in
            var first = 0
            for (out, w) in products {
                let start = max(rows.lowerBound, first), end = min(rows.upperBound, first + w.rows)
                if start < end { matmul(out, input, w, rows: (start - first)..<(end - first)) }
                first += w.rows
            }
        }
    }

    /// `out[b][i] = W[i] · input[b]` for the rows `rows` of one matrix, on this thread.
    private func matmul(_ out: VectorBatch, _ input: MatmulInput, _ w: WeightMatrix, rows: Range<Int>) {
        #if arch(riscv64)
        if matmulRiscv(out, input, w, rows: rows) { return }
        #endif
        switch w.storage {
        case .float32(let base):
            Kernels.matmul(out, input.floats, base, cols: w.cols, rows: rows)
        case .q8(let values, let scales, _):
            QuantizedKernels.matmul(out, input.quantized!, count: input.floats.count, values: values,
                                    scales: scales, cols: w.cols, rows: rows)
        case .float16(let base):
            HalfKernels.matmul(out, input.floats, base, cols: w.cols, rows: rows)
        }
    }

    #if arch(riscv64)
    /// The Duo's fast path: C kernels written for riscv64 (Sources/CRiscvKernels/riscv_kernels_*.c:
    /// scalar code tuned for the in-order C906, or RVV 1.0), since Swift's SIMD types
    /// become slow scalar code on rv64gc. Q8_0 stays bit-exact with runq.c; fp32 sums
    /// in another order. Blocks of rows small enough to stay in the L1 cache go through
    /// every vector of a batch before the next block is read. False for fp16 weights.
    private func matmulRiscv(_ out: VectorBatch, _ input: MatmulInput, _ w: WeightMatrix, rows: Range<Int>) -> Bool {
        let cols = w.cols
        let rowBytes: Int
        switch w.storage {
        case .float32: rowBytes = 4 * cols
        case .q8: rowBytes = cols
        case .float16: return false
        }
        let blockRows = max(4, (16 * 1024 / rowBytes) & ~3)
        var start = rows.lowerBound
        while start < rows.upperBound {
            let count = min(blockRows, rows.upperBound - start)
            for b in 0..<input.floats.count {
                switch w.storage {
                case .float32(let base):
                    riscv_matvec_f32(out[b] + start, UnsafePointer(input.floats[b]), base + start * cols,
                                     count, cols)
                case .q8(let values, let scales, let groupSize):
                    let x = input.quantized![b]
                    riscv_matvec_q8(out[b] + start, UnsafePointer(x.values), UnsafePointer(x.scales),
                                    values + start * cols, scales + start * (cols / groupSize),
                                    count, cols, groupSize)
                case .float16:
                    return false
                }
            }
            start += count
        }
        return true
    }
    #endif

    /// The scalar reference kernels: run.c's (runq.c's) arithmetic step for step.
    private func matmulScalar(_ out: UnsafeMutablePointer<Float>, _ input: MatmulInput, _ b: Int, _ w: WeightMatrix) {
        switch w.storage {
        case .float32(let base):
            Kernels.matmulReference(out, input.floats[b], base, rows: w.rows, cols: w.cols)
        case .q8(let values, let scales, _):
            QuantizedKernels.matmulReference(out, input.quantized![b], values: values, scales: scales,
                                             rows: w.rows, cols: w.cols)
        case .float16(let base):
            HalfKernels.matmulReference(out, input.floats[b], base, rows: w.rows, cols: w.cols)
        }
    }

    /// RoPE angles of each position of the batch, computed once per position rather than per head.
    private func computeRotation(startPosition: Int, count: Int) {
        let headSize = config.headSize
        let pairs = headSize / 2
        for b in 0..<count {
            for pair in 0..<pairs {
                // run.c's formula, step for step, so the angles round identically.
                let frequency = 1 / powf(10000, Float(2 * pair) / Float(headSize))
                let angle = Float(startPosition + b) * frequency
                state.ropeCos[b * pairs + pair] = cosf(angle)
                state.ropeSin[b * pairs + pair] = sinf(angle)
            }
        }
    }

    /// Rotates each consecutive pair of `vector` by its head-relative RoPE angle.
    private func rotate(_ vector: UnsafeMutablePointer<Float>, count: Int, batchIndex: Int) {
        let headSize = config.headSize
        let cosines = state.ropeCos + batchIndex * headSize / 2
        let sines = state.ropeSin + batchIndex * headSize / 2
        var i = 0
        while i < count {
            let pair = (i % headSize) / 2
            let c = cosines[pair], s = sines[pair]
            let v0 = vector[i], v1 = vector[i + 1]
            vector[i] = v0 * c - v1 * s
            vector[i + 1] = v0 * s + v1 * c
            i += 2
        }
    }

    /// Writes a rotated key into the transposed key cache.
    private func storeKey(_ key: UnsafeMutablePointer<Float>, layer: Int, position: Int) {
        let seqLen = config.seqLen, kvDim = config.kvDim
        let base = state.keyCache + layer * seqLen * kvDim + position
        for i in 0..<kvDim { base[i * seqLen] = key[i] }
    }

    /// Multi-head attention of each query of the batch over its positions so far,
    /// heads split across the pool; writes the heads' outputs to `xb`.
    private func attend(layer: Int, startPosition: Int, count: Int) {
        let s = state
        let headSize = config.headSize, kvDim = config.kvDim, seqLen = config.seqLen, dim = config.dim
        let kvMultiplier = config.kvMultiplier
        let layerKeys = s.keyCache + layer * seqLen * kvDim
        let layerValues = s.valueCache + layer * seqLen * kvDim
        let scalar = kernels == .scalar
        // The scalar kernels are run.c's loops; the SIMD ones give the same bits faster.
        let scoreKernel = scalar ? Kernels.attentionScoresReference : Kernels.attentionScores
        let sumKernel = scalar ? Kernels.weightedSumReference : Kernels.weightedSum
        let body: (Range<Int>) -> Void = { heads in
            for head in heads {
                let scores = s.att + head * seqLen
                let kvHead = head / kvMultiplier
                let keys = layerKeys + kvHead * headSize * seqLen
                let values = layerValues + kvHead * headSize
                for b in 0..<count {
                    let positions = startPosition + b + 1
                    let query = s.q + b * dim + head * headSize
                    let out = s.xb + b * dim + head * headSize
                    scoreKernel(scores, query, keys, seqLen, headSize, positions)
                    Kernels.softmax(scores, count: positions)
                    sumKernel(out, scores, values, kvDim, headSize, positions)
                }
            }
        }
        if scalar {
            body(0..<config.headCount)
        } else {
            pool.parallelFor(config.headCount, body)
        }
    }

    // MARK: fp16 weights

    /// Converts every matrix of an fp32 checkpoint to fp16 in one allocation. The fp32
    /// pages each matrix was read from are dropped as soon as it is converted, so the
    /// process never holds both copies (the norms stay fp32 in the mapping).
    private static func convertToHalf(_ checkpoint: Checkpoint) -> (TransformerWeights, UnsafeMutablePointer<UInt16>) {
        let source = checkpoint.weights
        var matrices = [source.tokenEmbedding]
        for list in [source.wq, source.wk, source.wv, source.wo, source.w1, source.w2, source.w3] {
            matrices.append(contentsOf: list)
        }
        if !checkpoint.sharedClassifier { matrices.append(source.classifier) }
        let total = matrices.reduce(0) { $0 + $1.rows * $1.cols }
        let buffer = UnsafeMutablePointer<UInt16>.allocate(capacity: total)
        var offset = 0
        func convert(_ matrix: WeightMatrix) -> WeightMatrix {
            guard case .float32(let floats) = matrix.storage else { return matrix }
            let count = matrix.rows * matrix.cols
            HalfKernels.convert(floats, to: buffer + offset, count: count)
            checkpoint.file.release(UnsafeRawPointer(floats), byteCount: 4 * count)
            defer { offset += count }
            return WeightMatrix(rows: matrix.rows, cols: matrix.cols, storage: .float16(buffer + offset))
        }
        var weights = source
        weights.tokenEmbedding = convert(source.tokenEmbedding)
        weights.wq = source.wq.map(convert)
        weights.wk = source.wk.map(convert)
        weights.wv = source.wv.map(convert)
        weights.wo = source.wo.map(convert)
        weights.w1 = source.w1.map(convert)
        weights.w2 = source.w2.map(convert)
        weights.w3 = source.w3.map(convert)
        weights.classifier = checkpoint.sharedClassifier ? weights.tokenEmbedding : convert(source.classifier)
        return (weights, buffer)
    }
}
