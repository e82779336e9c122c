import CPosix

/// RoPE, run.c's rotary position encoding: each pair of a query or key head is
/// rotated by an angle that grows with the position. The angles depend only on
/// the position, so they are computed once per position rather than once per
/// head and layer as run.c does; the arithmetic is run.c's, so they round the same.
public enum RopeKernels {
    /// The cosines and sines of the `headSize / 2` angles of `position`:
    /// pair `p` turns by `position · 10000^(-2p / headSize)`.
    public static func angles(position: Int, headSize: Int,
                              cosines: UnsafeMutablePointer<Float>, sines: UnsafeMutablePointer<Float>) {
        for pair in 0..<(headSize / 2) {
            // run.c's formula, step for step, so the angles round identically.
            let frequency = 1 / powf(10000, Float(2 * pair) / Float(headSize))
            let angle = Float(position) * frequency
            cosines[pair] = cosf(angle)
            sines[pair] = sinf(angle)
        }
    }

    /// Rotates each consecutive pair of `vector` (`count` floats: heads of `headSize`
    /// back to back) by its head-relative angle from `angles`.
    public static func rotate(_ vector: UnsafeMutablePointer<Float>, count: Int, headSize: Int,
                              cosines: UnsafePointer<Float>, sines: UnsafePointer<Float>) {
        var i = 0
        while i < count {
            let pair = (i % headSize) / 2
            let c = cosines[pair], s = sines[pair]
            let v0 = vector[i], v1 = vector[i + 1]
            vector[i] = v0 * c - v1 * s
            vector[i + 1] = v0 * s + v1 * c
            i += 2
        }
    }
}
