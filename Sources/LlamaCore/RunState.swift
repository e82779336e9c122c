import LlamaKernels

/// The activations of a forward pass (run.c's `RunState`), with room for a batch of
/// rows: several positions of one prompt, or one position of each of several
/// sequences. The key/value caches are the sequences' own (`SequenceCache`).
public final class RunState {
    /// Most rows one forward pass takes.
    let batchCapacity: Int
    /// Residual stream, `batch × dim`.
    let x: UnsafeMutablePointer<Float>
    /// Normalized input / attention output, `batch × dim`.
    let xb: UnsafeMutablePointer<Float>
    /// Projection output before the residual add, `batch × dim`.
    let xb2: UnsafeMutablePointer<Float>
    /// Feed-forward hidden activations, `batch × hiddenDim` each.
    let hb: UnsafeMutablePointer<Float>
    let hb2: UnsafeMutablePointer<Float>
    /// Queries, `batch × dim`.
    let q: UnsafeMutablePointer<Float>
    /// Keys and values before they are stored in their sequences' caches, `batch × kvDim`.
    let k: UnsafeMutablePointer<Float>
    let v: UnsafeMutablePointer<Float>
    /// Attention scores of each (row, head) pair, `batch × headCount × attentionPositions`:
    /// as many positions as the longest cache in use, not the header's whole context
    /// (grown by `reserveAttention` as caches are made).
    private(set) var att: UnsafeMutablePointer<Float>
    private(set) var attentionPositions = 1
    private let headCount: Int
    /// Output logits, `logitRows × vocabSize` (grown when a pass asks for more rows).
    private(set) var logits: UnsafeMutablePointer<Float>
    private(set) var logitRows = 1
    /// RoPE rotation of each row of the batch, `batch × headSize / 2` each.
    let ropeCos: UnsafeMutablePointer<Float>
    let ropeSin: UnsafeMutablePointer<Float>
    /// Q8_0 copies of the matmul inputs (Q8_0 checkpoints only).
    let xq: QuantizedBatch?
    let hq: QuantizedBatch?

    private let vocabSize: Int
    private var allocations: [UnsafeMutablePointer<Float>] = []

    /// `groupSizes`: the Q8_0 groups of dim-wide inputs and of the hidden activation
    /// (Q8_0 checkpoints only).
    init(config: ModelConfig, batchCapacity: Int, groupSizes: (input: Int, hidden: Int)?) {
        var allocations: [UnsafeMutablePointer<Float>] = []
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
            pointer.initialize(repeating: 0, count: max(1, count))
            allocations.append(pointer)
            return pointer
        }
        let batch = batchCapacity
        self.batchCapacity = batch
        vocabSize = config.vocabSize
        x = buffer(batch * config.dim)
        xb = buffer(batch * config.dim)
        xb2 = buffer(batch * config.dim)
        hb = buffer(batch * config.hiddenDim)
        hb2 = buffer(batch * config.hiddenDim)
        q = buffer(batch * config.dim)
        k = buffer(batch * config.kvDim)
        v = buffer(batch * config.kvDim)
        headCount = config.headCount
        // One position to start with (a few hundred bytes); `reserveAttention` grows it.
        guard let scores = Allocation.floats(batch * config.headCount) else { preconditionFailure("out of memory") }
        att = scores
        ropeCos = buffer(batch * config.headSize / 2)
        ropeSin = buffer(batch * config.headSize / 2)
        if let groupSizes {
            xq = .allocate(width: config.dim, capacity: batch, groupSize: groupSizes.input)
            hq = .allocate(width: config.hiddenDim, capacity: batch, groupSize: groupSizes.hidden)
        } else {
            xq = nil
            hq = nil
        }
        self.allocations = allocations
        logits = .allocate(capacity: config.vocabSize)
        logits.initialize(repeating: 0, count: config.vocabSize)
    }

    deinit {
        for pointer in allocations { pointer.deallocate() }
        Allocation.free(att)
        logits.deallocate()
        xq?.deallocate()
        hq?.deallocate()
    }

    /// Makes room for the attention scores of caches of up to `positions` positions;
    /// fails with `.outOfMemory` when the system refuses it.
    func reserveAttention(positions: Int) throws(LlamaError) {
        if positions <= attentionPositions { return }
        let count = batchCapacity * headCount * positions
        guard let grown = Allocation.floats(count) else {
            throw .outOfMemory(bytes: count * MemoryLayout<Float>.size, what: "\(positions)-position attention scores")
        }
        Allocation.free(att)
        att = grown
        attentionPositions = positions
    }

    /// Makes room for `rows` rows of logits (their old contents are not kept).
    func reserveLogitRows(_ rows: Int) {
        if rows <= logitRows { return }
        logits.deallocate()
        logits = .allocate(capacity: rows * vocabSize)
        logits.initialize(repeating: 0, count: rows * vocabSize)
        logitRows = rows
    }
}
