import CPosix

/// The kernels over one activation vector between the matmuls: rmsnorm, softmax,
/// SwiGLU and the residual add. Each is run.c's loop and *bit-exact* with run.c
/// (sums in order, products rounded before they are added, as run.c without
/// fast-math), so they need no separate reference twin: they are their own. They
/// cost little next to the matmuls (a few thousand operations per layer), which is
/// why they stay scalar.
public enum VectorKernels {
    /// run.c's rmsnorm: `out = weight · x / sqrt(mean(x²) + 1e-5)`, the sum in order.
    public static func rmsnorm(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                               _ weight: UnsafePointer<Float>, count: Int) {
        var sumOfSquares: Float = 0
        for j in 0..<count { sumOfSquares += x[j] * x[j] }
        sumOfSquares /= Float(count)
        sumOfSquares += 1e-5
        let scale = 1 / sumOfSquares.squareRoot()
        for j in 0..<count { out[j] = weight[j] * (scale * x[j]) }
    }

    /// In-place softmax, as run.c: max, exp and sum in order, then divide.
    /// Attention's scores and the sampler's probabilities both go through it.
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var maxValue = x[0]
        for i in 1..<count where x[i] > maxValue { maxValue = x[i] }
        var total: Float = 0
        for i in 0..<count {
            x[i] = expf(x[i] - maxValue)
            total += x[i]
        }
        for i in 0..<count { x[i] /= total }
    }

    /// SwiGLU: `hidden[i] = silu(hidden[i]) · gate[i]`, run.c's expression.
    public static func swiglu(_ hidden: UnsafeMutablePointer<Float>, _ gate: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let value = hidden[i]
            hidden[i] = value * (1 / (1 + expf(-value))) * gate[i]
        }
    }

    /// The residual connection: `out[j] += x[j]`.
    public static func add(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        for j in 0..<count { out[j] += x[j] }
    }
}
