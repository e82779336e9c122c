import LlamaKernels

/// The activations and key/value cache of one running sequence (run.c's
/// `RunState`), with room for a batch of positions so a prompt can be fed
/// several tokens per pass.
public final class RunState {
    /// Most positions one forward pass takes.
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
    /// Keys before they are stored in the cache, `batch × kvDim`.
    let k: UnsafeMutablePointer<Float>
    /// Attention scores, `headCount × seqLen`.
    let att: UnsafeMutablePointer<Float>
    /// Output logits, `vocabSize`.
    let logits: UnsafeMutablePointer<Float>
    /// Keys of every position, transposed so attention reads positions
    /// contiguously: `[layer][kvHead][headSize][seqLen]`.
    let keyCache: UnsafeMutablePointer<Float>
    /// Values of every position: `[layer][seqLen][kvDim]`.
    let valueCache: UnsafeMutablePointer<Float>
    /// RoPE rotation of each position of the batch, `batch × headSize / 2` each.
    let ropeCos: UnsafeMutablePointer<Float>
    let ropeSin: UnsafeMutablePointer<Float>
    /// Q8_0 copies of the matmul inputs (Q8_0 checkpoints only).
    let xq: QuantizedBatch?
    let hq: QuantizedBatch?

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
        let cacheCount = config.layerCount * config.seqLen * config.kvDim
        self.batchCapacity = batch
        x = buffer(batch * config.dim)
        xb = buffer(batch * config.dim)
        xb2 = buffer(batch * config.dim)
        hb = buffer(batch * config.hiddenDim)
        hb2 = buffer(batch * config.hiddenDim)
        q = buffer(batch * config.dim)
        k = buffer(batch * config.kvDim)
        att = buffer(config.headCount * config.seqLen)
        logits = buffer(config.vocabSize)
        keyCache = buffer(cacheCount)
        valueCache = buffer(cacheCount)
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
    }

    deinit {
        for pointer in allocations { pointer.deallocate() }
        xq?.deallocate()
        hq?.deallocate()
    }

    /// Bytes the key/value cache of `config` needs.
    static func cacheBytes(_ config: ModelConfig) -> Int {
        2 * config.layerCount * config.seqLen * config.kvDim * 4
    }
}
