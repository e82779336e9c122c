import CShim

/// A batch of row vectors laid out back to back: vector `b` starts at `base + b * stride`.
public struct VectorBatch {
    public var base: UnsafeMutablePointer<Float>
    public var stride: Int
    public var count: Int

    public init(base: UnsafeMutablePointer<Float>, stride: Int, count: Int) {
        self.base = base
        self.stride = stride
        self.count = count
    }

    @inline(__always)
    public subscript(_ index: Int) -> UnsafeMutablePointer<Float> { base + index * stride }
}

/// The fp32 numeric kernels of the forward pass. Each fast kernel has a plain
/// scalar twin written as run.c writes it; tests hold the fast ones to the scalar ones.
///
/// Everything except the fp32 matmul is also *bit-exact* with run.c: SIMD lanes
/// run over independent sums (positions, elements), never reassociating one sum,
/// and products are rounded before they are added (no fused multiply-add), as
/// in run.c built without fast-math.
public enum Kernels {
    // MARK: matmul

    /// `out[i] = Σ_j w[i][j] · x[j]` for `rows` rows of `cols` columns, summed in order (run.c).
    public static func matmulReference(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                       _ w: UnsafePointer<Float>, rows: Int, cols: Int) {
        for i in 0..<rows {
            var value: Float = 0
            for j in 0..<cols { value += w[i * cols + j] * x[j] }
            out[i] = value
        }
    }

    /// `out[b][i] = W[i] · x[b]` for the rows in `rows` and every vector of the batch.
    /// One vector: four rows per pass share each load of `x`, 16 lanes per row keep
    /// enough FMA chains in flight to run at memory speed. Several vectors: tiles of
    /// four rows by two vectors, so each weight is read from memory once per batch.
    public static func matmul(_ out: VectorBatch, _ x: VectorBatch, _ w: UnsafePointer<Float>,
                              cols: Int, rows: Range<Int>) {
        if x.count == 1 {
            matvec(out.base, x.base, w, cols: cols, rows: rows)
            return
        }
        var i = rows.lowerBound
        while i + 4 <= rows.upperBound {
            let r0 = w + i * cols, r1 = r0 + cols, r2 = r1 + cols, r3 = r2 + cols
            var b = 0
            while b + 2 <= x.count {
                let x0 = UnsafePointer(x[b]), x1 = UnsafePointer(x[b + 1])
                var a00 = SIMD8<Float>(), a10 = SIMD8<Float>(), a20 = SIMD8<Float>(), a30 = SIMD8<Float>()
                var a01 = SIMD8<Float>(), a11 = SIMD8<Float>(), a21 = SIMD8<Float>(), a31 = SIMD8<Float>()
                var j = 0
                while j + 8 <= cols {
                    let v0 = load8(x0 + j), v1 = load8(x1 + j)
                    let w0 = load8(r0 + j), w1 = load8(r1 + j), w2 = load8(r2 + j), w3 = load8(r3 + j)
                    a00.addProduct(w0, v0); a01.addProduct(w0, v1)
                    a10.addProduct(w1, v0); a11.addProduct(w1, v1)
                    a20.addProduct(w2, v0); a21.addProduct(w2, v1)
                    a30.addProduct(w3, v0); a31.addProduct(w3, v1)
                    j += 8
                }
                var s00 = sum(a00), s10 = sum(a10), s20 = sum(a20), s30 = sum(a30)
                var s01 = sum(a01), s11 = sum(a11), s21 = sum(a21), s31 = sum(a31)
                while j < cols {
                    let v0 = x0[j], v1 = x1[j]
                    s00 += r0[j] * v0; s01 += r0[j] * v1
                    s10 += r1[j] * v0; s11 += r1[j] * v1
                    s20 += r2[j] * v0; s21 += r2[j] * v1
                    s30 += r3[j] * v0; s31 += r3[j] * v1
                    j += 1
                }
                let o0 = out[b], o1 = out[b + 1]
                o0[i] = s00; o0[i + 1] = s10; o0[i + 2] = s20; o0[i + 3] = s30
                o1[i] = s01; o1[i + 1] = s11; o1[i + 2] = s21; o1[i + 3] = s31
                b += 2
            }
            if b < x.count { matvec(out[b], x[b], w, cols: cols, rows: i..<(i + 4)) }
            i += 4
        }
        if i < rows.upperBound {
            for b in 0..<x.count { matvec(out[b], x[b], w, cols: cols, rows: i..<rows.upperBound) }
        }
    }

    /// One vector: `out[i] = W[i] · x` for the rows in `rows`.
    static func matvec(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                       _ w: UnsafePointer<Float>, cols: Int, rows: Range<Int>) {
        var i = rows.lowerBound
        while i + 4 <= rows.upperBound {
            let r0 = w + i * cols, r1 = r0 + cols, r2 = r1 + cols, r3 = r2 + cols
            var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
            var j = 0
            while j + 16 <= cols {
                // The next block of four rows, a cache line per row per step: loads
                // ahead of the streams keep more memory requests in flight.
                shim_prefetch(r0 + 4 * cols + j)
                shim_prefetch(r1 + 4 * cols + j)
                shim_prefetch(r2 + 4 * cols + j)
                shim_prefetch(r3 + 4 * cols + j)
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
            let row = w + i * cols
            var accumulator = SIMD16<Float>()
            var j = 0
            while j + 16 <= cols {
                accumulator.addProduct(load16(row + j), load16(x + j))
                j += 16
            }
            var total = sum(accumulator)
            while j < cols {
                total += row[j] * x[j]
                j += 1
            }
            out[i] = total
            i += 1
        }
    }

    // MARK: normalization and activations (exact; cheap next to the matmuls)

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

    /// `out[j] += x[j]`.
    public static func add(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        for j in 0..<count { out[j] += x[j] }
    }

    // MARK: attention

    /// Attention scores of one query over positions `0..<count`, run.c's
    /// `score = Σ_i q[i]·k[t][i] / sqrt(headSize)`, summed in order.
    /// `keys` is one kv head of the key cache stored transposed: component `i`
    /// of position `t` is `keys[i * keyStride + t]`.
    public static func attentionScoresReference(_ scores: UnsafeMutablePointer<Float>, query: UnsafePointer<Float>,
                                                keys: UnsafePointer<Float>, keyStride: Int,
                                                headSize: Int, count: Int) {
        let divisor = Float(headSize).squareRoot()
        for t in 0..<count {
            var score: Float = 0
            for i in 0..<headSize { score += query[i] * keys[i * keyStride + t] }
            scores[t] = score / divisor
        }
    }

    /// The same scores, eight positions per SIMD vector (one position per lane,
    /// so each lane's sum runs in run.c's order).
    public static func attentionScores(_ scores: UnsafeMutablePointer<Float>, query: UnsafePointer<Float>,
                                       keys: UnsafePointer<Float>, keyStride: Int,
                                       headSize: Int, count: Int) {
        let divisor = Float(headSize).squareRoot()
        var t = 0
        while t + 8 <= count {
            var score = SIMD8<Float>()
            for i in 0..<headSize {
                score = score + SIMD8<Float>(repeating: query[i]) * load8(keys + i * keyStride + t)
            }
            store8(score / SIMD8<Float>(repeating: divisor), scores + t)
            t += 8
        }
        if t < count {
            attentionScoresReference(scores + t, query: query, keys: keys + t, keyStride: keyStride,
                                     headSize: headSize, count: count - t)
        }
    }

    /// `out = Σ_t weights[t] · values[t]` over positions `0..<count`, accumulated
    /// position by position as run.c does (`values[t]` starts at `values + t * valueStride`).
    public static func weightedSumReference(_ out: UnsafeMutablePointer<Float>, weights: UnsafePointer<Float>,
                                            values: UnsafePointer<Float>, valueStride: Int,
                                            headSize: Int, count: Int) {
        out.update(repeating: 0, count: headSize)
        for t in 0..<count {
            let value = values + t * valueStride
            let weight = weights[t]
            for i in 0..<headSize { out[i] += weight * value[i] }
        }
    }

    /// The same sums, eight elements per SIMD vector.
    public static func weightedSum(_ out: UnsafeMutablePointer<Float>, weights: UnsafePointer<Float>,
                                   values: UnsafePointer<Float>, valueStride: Int,
                                   headSize: Int, count: Int) {
        var i = 0
        while i + 8 <= headSize {
            var total = SIMD8<Float>()
            for t in 0..<count {
                total = total + SIMD8<Float>(repeating: weights[t]) * load8(values + t * valueStride + i)
            }
            store8(total, out + i)
            i += 8
        }
        if i < headSize {
            weightedSumReference(out + i, weights: weights, values: values + i, valueStride: valueStride,
                                 headSize: headSize - i, count: count)
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
