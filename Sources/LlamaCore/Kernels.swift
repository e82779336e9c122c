import CShim

/// The fp32 numeric kernels of the forward pass. Each fast kernel has a plain
/// scalar twin written as run.c writes it; tests hold the fast ones to the scalar ones.
public enum Kernels {
    // MARK: scalar references (run.c)

    /// `out[i] = Σ_j w[i][j] · x[j]` for `rows` rows of `cols` columns, summed in order.
    public static func matmulReference(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                       _ w: UnsafePointer<Float>, rows: Int, cols: Int) {
        for i in 0..<rows {
            var value: Float = 0
            for j in 0..<cols { value += w[i * cols + j] * x[j] }
            out[i] = value
        }
    }

    /// run.c's rmsnorm: `out = weight · x / sqrt(mean(x²) + 1e-5)`.
    public static func rmsnormReference(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                        _ weight: UnsafePointer<Float>, count: Int) {
        var sumOfSquares: Float = 0
        for j in 0..<count { sumOfSquares += x[j] * x[j] }
        sumOfSquares /= Float(count)
        sumOfSquares += 1e-5
        let scale = 1 / sumOfSquares.squareRoot()
        for j in 0..<count { out[j] = weight[j] * (scale * x[j]) }
    }

    // MARK: SIMD kernels

    /// `out[i] = W[i] · x` for the rows in `rows` (`w` is row-major with `cols` columns).
    /// Four rows per pass share each load of `x`; 16 lanes per row keep enough
    /// independent FMA chains in flight to run at memory speed.
    public static func matmul(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                              _ w: UnsafePointer<Float>, cols: Int, rows: Range<Int>) {
        var i = rows.lowerBound
        while i + 4 <= rows.upperBound {
            let r0 = w + i * cols, r1 = r0 + cols, r2 = r1 + cols, r3 = r2 + cols
            var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
            var j = 0
            while j + 16 <= cols {
                let xv = load16(x + j)
                a0.addProduct(load16(r0 + j), xv)
                a1.addProduct(load16(r1 + j), xv)
                a2.addProduct(load16(r2 + j), xv)
                a3.addProduct(load16(r3 + j), xv)
                j += 16
            }
            var s0 = sum(a0), s1 = sum(a1), s2 = sum(a2), s3 = sum(a3)
            while j < cols {
                let xj = x[j]
                s0 += r0[j] * xj
                s1 += r1[j] * xj
                s2 += r2[j] * xj
                s3 += r3[j] * xj
                j += 1
            }
            out[i] = s0
            out[i + 1] = s1
            out[i + 2] = s2
            out[i + 3] = s3
            i += 4
        }
        while i < rows.upperBound {
            out[i] = dot(w + i * cols, x, count: cols)
            i += 1
        }
    }

    /// `Σ a[j] · b[j]`.
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var accumulator = SIMD16<Float>()
        var j = 0
        while j + 16 <= count {
            accumulator.addProduct(load16(a + j), load16(b + j))
            j += 16
        }
        var total = sum(accumulator)
        while j < count {
            total += a[j] * b[j]
            j += 1
        }
        return total
    }

    /// `out[j] += scale · x[j]`.
    @inline(__always)
    public static func addScaled(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                 scale: Float, count: Int) {
        var j = 0
        let factor = SIMD8<Float>(repeating: scale)
        while j + 8 <= count {
            var value = load8(out + j)
            value.addProduct(load8(x + j), factor)
            store8(value, out + j)
            j += 8
        }
        while j < count {
            out[j] += scale * x[j]
            j += 1
        }
    }

    /// rmsnorm with a SIMD sum of squares.
    public static func rmsnorm(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                               _ weight: UnsafePointer<Float>, count: Int) {
        let mean = dot(x, x, count: count) / Float(count) + 1e-5
        let scale = 1 / mean.squareRoot()
        for j in 0..<count { out[j] = weight[j] * (scale * x[j]) }
    }

    /// In-place softmax over `count` values (attention scores).
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

    /// SwiGLU: `hidden[i] = silu(hidden[i]) · gate[i]`.
    public static func swiglu(_ hidden: UnsafeMutablePointer<Float>, _ gate: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let value = hidden[i]
            hidden[i] = value * (1 / (1 + expf(-value))) * gate[i]
        }
    }

    // MARK: helpers

    @inline(__always)
    static func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store8(_ value: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: value, as: SIMD8<Float>.self)
    }

    /// Horizontal sum by halves (`SIMD.sum()` is a long shuffle chain).
    @inline(__always)
    static func sum(_ v: SIMD16<Float>) -> Float {
        let eight = v.lowHalf + v.highHalf
        let four = eight.lowHalf + eight.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }
}
