/// The activations and key/value cache of one running sequence (run.c's `RunState`).
public final class RunState {
    /// Residual stream, `dim`.
    let x: UnsafeMutablePointer<Float>
    /// Normalized input / attention output, `dim`.
    let xb: UnsafeMutablePointer<Float>
    /// Projection output before the residual add, `dim`.
    let xb2: UnsafeMutablePointer<Float>
    /// Feed-forward hidden activations, `hiddenDim` each.
    let hb: UnsafeMutablePointer<Float>
    let hb2: UnsafeMutablePointer<Float>
    /// Query of the current position, `dim`.
    let q: UnsafeMutablePointer<Float>
    /// Attention scores, `headCount × seqLen`.
    let att: UnsafeMutablePointer<Float>
    /// Output logits, `vocabSize`.
    let logits: UnsafeMutablePointer<Float>
    /// Keys and values of every position, `layerCount × seqLen × kvDim`.
    let keyCache: UnsafeMutablePointer<Float>
    let valueCache: UnsafeMutablePointer<Float>
    /// RoPE rotation of the current position, `headSize / 2` each.
    let ropeCos: UnsafeMutablePointer<Float>
    let ropeSin: UnsafeMutablePointer<Float>
    /// Q8_0 copies of the matmul inputs (Q8_0 checkpoints only).
    let xq: QuantizedVector?
    let hq: QuantizedVector?

    private var allocations: [UnsafeMutablePointer<Float>] = []

    init(config: ModelConfig, groupSize: Int?) {
        var allocations: [UnsafeMutablePointer<Float>] = []
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
            pointer.initialize(repeating: 0, count: max(1, count))
            allocations.append(pointer)
            return pointer
        }
        let cacheCount = config.layerCount * config.seqLen * config.kvDim
        x = buffer(config.dim)
        xb = buffer(config.dim)
        xb2 = buffer(config.dim)
        hb = buffer(config.hiddenDim)
        hb2 = buffer(config.hiddenDim)
        q = buffer(config.dim)
        att = buffer(config.headCount * config.seqLen)
        logits = buffer(config.vocabSize)
        keyCache = buffer(cacheCount)
        valueCache = buffer(cacheCount)
        ropeCos = buffer(config.headSize / 2)
        ropeSin = buffer(config.headSize / 2)
        if let groupSize {
            xq = .allocate(capacity: config.dim, groupSize: groupSize)
            hq = .allocate(capacity: config.hiddenDim, groupSize: groupSize)
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
