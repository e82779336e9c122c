import CShim

/// The fp32 matmul: weights as the checkpoint stores them (run.c's format). The
/// SIMD kernel sums each row in its own order (its logits differ from run.c's in
/// the last bits); `matmulReference` is run.c's loop, which `--kernels scalar` runs
/// and tests hold the SIMD kernel to. Single-threaded: callers split the rows.
public enum FloatKernels {
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
                    let v0 = SIMDLanes.load8(x0 + j), v1 = SIMDLanes.load8(x1 + j)
                    let w0 = SIMDLanes.load8(r0 + j), w1 = SIMDLanes.load8(r1 + j)
                    let w2 = SIMDLanes.load8(r2 + j), w3 = SIMDLanes.load8(r3 + j)
                    a00.addProduct(w0, v0); a01.addProduct(w0, v1)
                    a10.addProduct(w1, v0); a11.addProduct(w1, v1)
                    a20.addProduct(w2, v0); a21.addProduct(w2, v1)
                    a30.addProduct(w3, v0); a31.addProduct(w3, v1)
                    j += 8
                }
                var s00 = SIMDLanes.sum(a00), s10 = SIMDLanes.sum(a10)
                var s20 = SIMDLanes.sum(a20), s30 = SIMDLanes.sum(a30)
                var s01 = SIMDLanes.sum(a01), s11 = SIMDLanes.sum(a11)
                var s21 = SIMDLanes.sum(a21), s31 = SIMDLanes.sum(a31)
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
                let xv = SIMDLanes.load16(x + j)
                a0.addProduct(SIMDLanes.load16(r0 + j), xv)
                a1.addProduct(SIMDLanes.load16(r1 + j), xv)
                a2.addProduct(SIMDLanes.load16(r2 + j), xv)
                a3.addProduct(SIMDLanes.load16(r3 + j), xv)
                j += 16
            }
            var s0 = SIMDLanes.sum(a0), s1 = SIMDLanes.sum(a1)
            var s2 = SIMDLanes.sum(a2), s3 = SIMDLanes.sum(a3)
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
                accumulator.addProduct(SIMDLanes.load16(row + j), SIMDLanes.load16(x + j))
                j += 16
            }
            var total = SIMDLanes.sum(accumulator)
            while j < cols {
                total += row[j] * x[j]
                j += 1
            }
            out[i] = total
            i += 1
        }
    }
}
