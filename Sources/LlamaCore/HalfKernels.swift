/// Kernels for fp16 weights with fp32 arithmetic: half the bytes of fp32 per
/// token, which is what decode speed is bound by.
public enum HalfKernels {
    /// `out[i] = Σ_j float(w[i][j]) · x[j]`, summed in order.
    public static func matmulReference(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                       _ w: UnsafePointer<UInt16>, rows: Int, cols: Int) {
        for i in 0..<rows {
            var value: Float = 0
            for j in 0..<cols { value += Float(Float16(bitPattern: w[i * cols + j])) * x[j] }
            out[i] = value
        }
    }

    /// The same products over `rows`, in SIMD.
    public static func matmul(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                              _ w: UnsafePointer<UInt16>, cols: Int, rows: Range<Int>) {
        for i in rows {
            let row = w + i * cols
            var accumulator = SIMD8<Float>()
            var j = 0
            while j + 8 <= cols {
                accumulator.addProduct(load8(row + j), Kernels.load8(x + j))
                j += 8
            }
            let four = accumulator.lowHalf + accumulator.highHalf
            let two = four.lowHalf + four.highHalf
            var value = two[0] + two[1]
            while j < cols {
                value += Float(Float16(bitPattern: row[j])) * x[j]
                j += 1
            }
            out[i] = value
        }
    }

    @inline(__always)
    static func load8(_ p: UnsafePointer<UInt16>) -> SIMD8<Float> {
        let bits = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<UInt16>.self)
        var result = SIMD8<Float>()
        for lane in 0..<8 { result[lane] = Float(Float16(bitPattern: bits[lane])) }
        return result
    }
}
