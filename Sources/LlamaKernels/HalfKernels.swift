import CPosix
#if arch(x86_64)
import CX86Kernels
#endif

/// fp16 weights are IEEE half bits; the matmul widens them as it loads them.
extension UInt16: KernelWeight {
    @inline(__always)
    static func load8(_ p: UnsafePointer<UInt16>) -> SIMD8<Float> { HalfKernels.load8(p) }
    @inline(__always)
    static func float(_ value: UInt16) -> Float { HalfKernels.half(value) }
    #if arch(x86_64)
    static func matvec512(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<UInt16>,
                          cols: Int, rows: Range<Int>, prefetch: MemoryStreams.Prefetch) {
        x86_matvec_f16_avx512(out, x, w, cols, rows.lowerBound, rows.upperBound, prefetch.ahead, prefetch.nonTemporal)
    }
    #endif
}

/// Kernels for fp16 weights with fp32 arithmetic (`--weights f16`: fp32 checkpoints
/// converted once at load): half the bytes of fp32 per token, which is what decode
/// speed is bound by. Weights are IEEE half bits. The SIMD matmul sums in its own
/// order; `matmulReference` sums in order and is what tests hold it to.
/// Single-threaded: callers split the rows.
public enum HalfKernels {
    /// Converts `count` floats to half precision (round to nearest even).
    public static func convert(_ source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<UInt16>, count: Int) {
        for i in 0..<count { destination[i] = halfBits(source[i]) }
    }

    /// `out[i] = Σ_j float(w[i][j]) · x[j]`, summed in order.
    public static func matmulReference(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                       _ w: UnsafePointer<UInt16>, rows: Int, cols: Int) {
        for i in 0..<rows {
            var value: Float = 0
            for j in 0..<cols { value += half(w[i * cols + j]) * x[j] }
            out[i] = value
        }
    }

    /// `out[b][i] = float(W[i]) · x[b]` for the rows in `rows` and every vector of the batch:
    /// `FloatKernels.matmul`'s streams, tiles and summation order (so a vector's outputs
    /// are the same alone or in a batch), each weight widened to fp32 as it is loaded.
    /// One vector reads the rows one at a time: one sequential stream of halves.
    public static func matmul(_ out: VectorBatch, _ x: VectorBatch, _ w: UnsafePointer<UInt16>,
                              cols: Int, rows: Range<Int>) {
        FloatKernels.matmulRows(out, x, w, cols: cols, rows: rows)
    }

    /// Eight halves widened to floats (one vcvtph2ps where the CPU has F16C).
    @inline(__always)
    static func load8(_ p: UnsafePointer<UInt16>) -> SIMD8<Float> {
        let bits = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<UInt16>.self)
        var result = SIMD8<Float>()
        for lane in 0..<8 { result[lane] = half(bits[lane]) }
        return result
    }

    // MARK: conversions

    /// The float a half's bits stand for. Swift's `Float16` where the compiler
    /// lowers it to instructions; on riscv64 (no Zfh on the C906, and no libgcc
    /// helpers in Debian's cross toolchain) the same result by integer arithmetic.
    @inline(__always)
    public static func half(_ bits: UInt16) -> Float {
        #if arch(riscv64)
        return softwareHalf(bits)
        #else
        return Float(Float16(bitPattern: bits))
        #endif
    }

    /// The half nearest `value` (ties to even), as bits.
    @inline(__always)
    public static func halfBits(_ value: Float) -> UInt16 {
        #if arch(riscv64)
        return softwareHalfBits(value)
        #else
        return Float16(value).bitPattern
        #endif
    }

    /// `half(_:)` in integer arithmetic.
    public static func softwareHalf(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0 {
            // Zero or subnormal: mantissa × 2⁻²⁴, exact in fp32.
            let magnitude = Float(mantissa) * (1.0 / 16_777_216.0)
            return Float(bitPattern: magnitude.bitPattern | sign)
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) }
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }

    /// `halfBits(_:)` in integer arithmetic (round to nearest, ties to even).
    public static func softwareHalfBits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
        let magnitude = bits & 0x7FFF_FFFF
        if magnitude >= 0x7F80_0000 {
            // Infinity stays infinity; NaN stays a (quiet) NaN with its top payload bits.
            let payload = magnitude > 0x7F80_0000 ? 0x200 | UInt16(truncatingIfNeeded: (magnitude >> 13) & 0x3FF) : 0
            return sign | 0x7C00 | payload
        }
        if magnitude >= 0x477F_F000 { return sign | 0x7C00 }  // 65520 and up round to infinity
        if magnitude < 0x3880_0000 {
            // Below the smallest normal half: a subnormal (or zero) result.
            if magnitude < 0x3300_0000 { return sign }  // below 2⁻²⁵ (2⁻²⁵ itself ties to 0)
            let exponent = magnitude >> 23
            let mantissa = (magnitude & 0x7F_FFFF) | 0x80_0000
            let shift = 126 - exponent
            let rounded = (mantissa + (1 << (shift - 1)) - 1 + ((mantissa >> shift) & 1)) >> shift
            return sign | UInt16(truncatingIfNeeded: rounded)
        }
        let rounded = magnitude + 0xFFF + ((magnitude >> 13) & 1)
        return sign | UInt16(truncatingIfNeeded: (rounded - 0x3800_0000) >> 13)
    }
}
