/// A `rows × cols` row-major weight matrix: `out = W · x` maps `cols` inputs to `rows` outputs.
public struct WeightMatrix {
    /// Outputs: one per row.
    public var rows: Int
    /// Inputs: the length of a row.
    public var cols: Int
    /// Where the numbers are and in which format.
    public var storage: WeightStorage

    /// A matrix over `storage`, which must hold `rows × cols` values (and their scales).
    public init(rows: Int, cols: Int, storage: WeightStorage) {
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    /// Writes row `row` as fp32 into `out`: the token embedding lookup.
    public func copyRow(_ row: Int, into out: UnsafeMutablePointer<Float>) {
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
