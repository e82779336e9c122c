import LlamaKernels

/// The awkward shapes the kernel tests run over (not multiples of the vector
/// widths, row ranges that do not start at 0) and what they share.
enum KernelShapes {
    static let columnCounts = [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 64, 100, 172, 257]
    static let rowRanges: [(rows: Int, range: Range<Int>)] = [
        (1, 0..<1), (3, 0..<3), (4, 0..<4), (5, 0..<5), (7, 2..<7), (9, 1..<8), (13, 3..<13), (17, 5..<6), (21, 4..<20),
    ]
    /// What rows outside the range must still hold afterwards.
    static let sentinel: Float = -12345.5

    /// Runs `body` with `outputs` and `inputs` (vectors of `outputWidth` / `inputWidth`
    /// floats back to back) seen as kernel batches.
    static func withBatches(_ outputs: inout [Float], outputWidth: Int, _ inputs: [Float], inputWidth: Int,
                            _ body: (VectorBatch, VectorBatch) -> Void) {
        var inputCopy = inputs
        let count = inputs.count / inputWidth
        outputs.withUnsafeMutableBufferPointer { out in
            inputCopy.withUnsafeMutableBufferPointer { x in
                body(VectorBatch(base: out.baseAddress!, stride: outputWidth, count: count),
                     VectorBatch(base: x.baseAddress!, stride: inputWidth, count: count))
            }
        }
    }

    /// Rigorous bound on the rounding error of any order of summing `cols` float
    /// products (γ_n · Σ|w·x| with u = 2⁻²⁴), against the exact sum.
    static func summationBound(_ absoluteSum: Double, cols: Int) -> Double {
        Double(cols + 1) * 0x1p-24 * absoluteSum * 1.01 + 1e-30
    }
}
