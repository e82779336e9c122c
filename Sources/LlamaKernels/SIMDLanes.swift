/// Unaligned SIMD loads and stores over float buffers, and horizontal sums in one
/// fixed order, shared by the SIMD kernels. Activations and mapped weights have no
/// alignment guarantee, so every access is unaligned (as fast as aligned on x86).
enum SIMDLanes {
    /// A vector of any lane type from `p` (its type says how many lanes).
    @inline(__always)
    static func load<Vector: SIMD>(_ p: UnsafePointer<Vector.Scalar>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store8(_ value: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: value, as: SIMD8<Float>.self)
    }

    /// Horizontal sum by halves (`SIMD.sum()` is a long shuffle chain).
    @inline(__always)
    static func sum(_ v: SIMD16<Float>) -> Float {
        sum(v.lowHalf + v.highHalf)
    }

    @inline(__always)
    static func sum(_ v: SIMD8<Float>) -> Float {
        let four = v.lowHalf + v.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }
}
