/// A weight element the fp32-arithmetic matmul reads: fp32 itself, or IEEE half
/// bits (`UInt16`, fp16 weights), widened to fp32 as they are loaded.
protocol KernelWeight {
    /// Eight consecutive weights as floats.
    static func load8(_ p: UnsafePointer<Self>) -> SIMD8<Float>
    /// One weight as a float.
    static func float(_ value: Self) -> Float
}

extension Float: KernelWeight {
    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> { SIMDLanes.load8(p) }
    @inline(__always)
    static func float(_ value: Float) -> Float { value }
}
