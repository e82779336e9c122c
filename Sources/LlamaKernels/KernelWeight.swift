#if arch(x86_64)
import CX86Kernels
#endif

/// A weight element the fp32-arithmetic matmul reads: fp32 itself, or IEEE half
/// bits (`UInt16`, fp16 weights), widened to fp32 as they are loaded.
protocol KernelWeight {
    /// Eight consecutive weights as floats.
    static func load8(_ p: UnsafePointer<Self>) -> SIMD8<Float>
    /// One weight as a float.
    static func float(_ value: Self) -> Float
    #if arch(x86_64)
    /// `FloatKernels.matvec` in 512-bit vectors (CX86Kernels; the caller checks that
    /// the CPU has AVX-512), summing each row in `FloatKernels.dot`'s order.
    static func matvec512(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Self>,
                          cols: Int, rows: Range<Int>, prefetch: MemoryStreams.Prefetch)
    #endif
}

extension Float: KernelWeight {
    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> { SIMDLanes.load8(p) }
    @inline(__always)
    static func float(_ value: Float) -> Float { value }
    #if arch(x86_64)
    static func matvec512(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                          cols: Int, rows: Range<Int>, prefetch: MemoryStreams.Prefetch) {
        x86_matvec_f32_avx512(out, x, w, cols, rows.lowerBound, rows.upperBound, prefetch.ahead, prefetch.nonTemporal)
    }
    #endif
}
