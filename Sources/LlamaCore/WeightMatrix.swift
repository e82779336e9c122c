/// How the numbers of one weight matrix are stored.
public enum WeightStorage {
    /// Plain fp32, row-major (llama2.c v0 files, read in place from the mapping).
    case float32(UnsafePointer<Float>)
    /// Q8_0: int8 values with one fp32 scale per `groupSize` consecutive values (v2 files).
    case q8(values: UnsafePointer<Int8>, scales: UnsafePointer<Float>, groupSize: Int)
    /// IEEE half-precision bits, row-major (fp32 weights converted once at load).
    case float16(UnsafePointer<UInt16>)
}

/// A `rows × cols` row-major weight matrix: `out = W · x` maps `cols` inputs to `rows` outputs.
public struct WeightMatrix {
    public var rows: Int
    public var cols: Int
    public var storage: WeightStorage

    public init(rows: Int, cols: Int, storage: WeightStorage) {
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    /// Writes row `row` as fp32 into `out` (used for the token embedding lookup).
    func copyRow(_ row: Int, into out: UnsafeMutablePointer<Float>) {
        switch storage {
        case .float32(let base):
            out.update(from: base + row * cols, count: cols)
        case .q8(let values, let scales, let groupSize):
            // runq.c dequantizes the whole table at load (37 MB for stories15M);
            // one row on demand gives the same numbers.
            let start = row * cols
            for i in 0..<cols {
                out[i] = Float(values[start + i]) * scales[(start + i) / groupSize]
            }
        case .float16(let base):
            let start = base + row * cols
            for i in 0..<cols { out[i] = HalfKernels.half(start[i]) }
        }
    }
}

/// Every weight of the model, as in run.c's `TransformerWeights`: one entry
/// per layer for the matrices, `layerCount × dim` floats for the norms.
public struct TransformerWeights {
    public var tokenEmbedding: WeightMatrix
    public var rmsAttention: UnsafePointer<Float>
    public var rmsFeedForward: UnsafePointer<Float>
    public var rmsFinal: UnsafePointer<Float>
    public var wq: [WeightMatrix]
    public var wk: [WeightMatrix]
    public var wv: [WeightMatrix]
    public var wo: [WeightMatrix]
    public var w1: [WeightMatrix]
    public var w2: [WeightMatrix]
    public var w3: [WeightMatrix]
    /// The output projection; the token embedding itself when the checkpoint shares them.
    public var classifier: WeightMatrix
}
