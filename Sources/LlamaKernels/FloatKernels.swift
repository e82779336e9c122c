import CPosix
#if arch(x86_64)
import CX86Kernels
#endif

/// The fp32 matmul: weights as the checkpoint stores them (run.c's format). The
/// SIMD kernel sums each row in its own fixed order (its logits differ from run.c's
/// in the last bits; a vector's outputs are the same alone or in a batch);
/// `matmulReference` is run.c's loop, which `--kernels scalar` runs and tests hold
/// the SIMD kernel to. Single-threaded: callers split the rows. `HalfKernels` runs
/// the same code over fp16 weights (`KernelWeight`).
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
    ///
    /// Every (row, vector) dot product is summed in one fixed order, whichever kernel
    /// computes it (`dot` or the tiles below), so a vector's outputs are bit-identical
    /// alone or in a batch of any size: 16 lanes (two 8-float halves of fused
    /// multiply-adds) over the columns in blocks of 16; one more block of 8 into the low
    /// half; the halves added and folded 8 → 4 → 2 → 1; then the last `cols % 8`
    /// products added in order.
    ///
    /// Memory streams. One vector (decode) walks the rows one at a time, so each thread
    /// reads its contiguous range of the matrix as one long sequential stream: the
    /// pattern every hardware prefetcher follows, and the one that keeps the most
    /// cache-line requests in flight (rows interleaved instead make several short
    /// streams, 18 lines each for a 288-column row, which some prefetchers never pick
    /// up). A row's two FMA chains are independent of the next row's, so the
    /// out-of-order core overlaps consecutive rows without the code interleaving them.
    /// Several vectors (prefill, batches) go two rows × three vectors at a time: the two
    /// rows are read from memory once, then from L1 for every group of three vectors;
    /// the batch's vectors (≤ 32 × cols floats) come from L1/L2.
    public static func matmul(_ out: VectorBatch, _ x: VectorBatch, _ w: UnsafePointer<Float>,
                              cols: Int, rows: Range<Int>) {
        matmulRows(out, x, w, cols: cols, rows: rows)
    }

    /// `matmul` for any weight element (fp32 here, fp16 in `HalfKernels`): the same
    /// streams and summation order, the weights widened to fp32 as they are loaded.
    @inline(__always)
    static func matmulRows<W: KernelWeight>(_ out: VectorBatch, _ x: VectorBatch, _ w: UnsafePointer<W>,
                                            cols: Int, rows: Range<Int>) {
        if x.count == 1 {
            matvec(out.base, x.base, w, cols: cols, rows: rows)
        } else {
            matmulTiled(out, x, w, cols: cols, rows: rows)
        }
    }

    /// One vector: `out[i] = W[i] · x` for the rows in `rows`, one row after another
    /// (one sequential stream over `rows.count × cols` weights; `x` stays in L1). On
    /// x86-64 CPUs with AVX-512 the same loop runs in 512-bit vectors (CX86Kernels),
    /// in the same order: one load per cache line instead of two, which measured
    /// 1.2-1.5x the weight bandwidth of the 256-bit loop on an Intel Xeon. Lines are
    /// requested ahead as `MemoryStreams.prefetch` decides for this CPU.
    static func matvec<W: KernelWeight>(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                        _ w: UnsafePointer<W>, cols: Int, rows: Range<Int>) {
        let rowBytes = cols * MemoryLayout<W>.size
        let plan = MemoryStreams.prefetch(share: rows.count * rowBytes)
        #if arch(x86_64)
        if x86_kernels_have_avx512() {
            W.matvec512(out, x, w, cols: cols, rows: rows, prefetch: plan)
            return
        }
        #endif
        if plan.ahead > 0 {
            let limit = UnsafeRawPointer(w + rows.upperBound * cols)
            for i in rows {
                let row = w + i * cols
                prefetch(UnsafeRawPointer(row) + plan.ahead, bytes: rowBytes, before: limit, keep: !plan.nonTemporal)
                out[i] = dot(row, x, cols)
            }
            return
        }
        for i in rows {
            out[i] = dot(w + i * cols, x, cols)
        }
    }

    /// One (row, vector) dot product in the fixed order described at `matmul`.
    @inline(__always)
    static func dot<W: KernelWeight>(_ row: UnsafePointer<W>, _ x: UnsafePointer<Float>, _ cols: Int) -> Float {
        var low = SIMD8<Float>(), high = SIMD8<Float>()
        var j = 0
        while j + 16 <= cols {
            low.addProduct(W.load8(row + j), SIMDLanes.load8(x + j))
            high.addProduct(W.load8(row + j + 8), SIMDLanes.load8(x + j + 8))
            j += 16
        }
        if j + 8 <= cols {
            low.addProduct(W.load8(row + j), SIMDLanes.load8(x + j))
            j += 8
        }
        var total = SIMDLanes.sum(low + high)
        while j < cols {
            total += W.float(row[j]) * x[j]
            j += 1
        }
        return total
    }

    /// Several vectors: tiles of two rows × three vectors (12 accumulators of 8 lanes,
    /// the weights in two registers, the inputs loaded once per use), each (row,
    /// vector) summed exactly as `dot` sums it; vectors left over go through `dot`.
    static func matmulTiled<W: KernelWeight>(_ out: VectorBatch, _ x: VectorBatch, _ w: UnsafePointer<W>,
                                             cols: Int, rows: Range<Int>) {
        // Blocks of rows that fit in half of L1 with room for three input vectors: each
        // block is read from memory once, then from L1 for every group of three vectors,
        // whose inputs stay in L1 across the block's row pairs.
        let rowBytes = cols * MemoryLayout<W>.size
        let blockRows = max(2, min(64, (24 * 1024 / rowBytes)) & ~1)
        // A share as large as the classifier is requested non-temporally where `matvec`
        // does so (`MemoryStreams.prefetch`), so it does not push the layer weights out
        // of the last-level cache.
        let keep = !MemoryStreams.prefetch(share: rows.count * rowBytes).nonTemporal
        var start = rows.lowerBound
        while start < rows.upperBound {
            let end = min(rows.upperBound, start + blockRows)
            // The vectors three at a time (2 × 3 tiles), then two (2 × 2) or one (`dot`).
            var b = 0
            while b < x.count {
                let width = min(3, x.count - b)
                if width == 1 {
                    for i in start..<end { out[b][i] = dot(w + i * cols, x[b], cols) }
                    break
                }
                var i = start
                while i + 2 <= end {
                    let r0 = w + i * cols
                    if b == 0 {
                        // The same two rows of the next block, requested while these are
                        // worked on: the tiles read two rows at a time, two short streams
                        // a prefetcher may not follow, so a small batch would otherwise
                        // wait on memory at the start of every block.
                        prefetch(UnsafeRawPointer(r0 + blockRows * cols), bytes: 2 * rowBytes,
                                 before: UnsafeRawPointer(w + rows.upperBound * cols), keep: keep)
                    }
                    if width == 3 {
                        tile2x3(out, x, b, r0, r0 + cols, i, cols)
                    } else {
                        tile2x2(out, x, b, r0, r0 + cols, i, cols)
                    }
                    i += 2
                }
                if i < end {
                    let row = w + i * cols
                    for k in b..<(b + width) { out[k][i] = dot(row, x[k], cols) }
                }
                b += width
            }
            start = end
        }
    }

    /// Requests the cache lines of `bytes` bytes at `start`, up to `limit`, to be kept
    /// in every cache level or (not `keep`) only until they are read.
    @inline(__always)
    static func prefetch(_ start: UnsafeRawPointer, bytes: Int, before limit: UnsafeRawPointer, keep: Bool) {
        var line = start
        let end = min(start + bytes, limit)
        while line < end {
            if keep { shim_prefetch_keep(line) } else { shim_prefetch(line) }
            line += 64
        }
    }

    /// Rows `i`, `i + 1` (at `r0`, `r1`) against vectors `b`, `b + 1`, `b + 2`.
    @inline(__always)
    static func tile2x3<W: KernelWeight>(_ out: VectorBatch, _ x: VectorBatch, _ b: Int,
                                         _ r0: UnsafePointer<W>, _ r1: UnsafePointer<W>, _ i: Int, _ cols: Int) {
        let x0 = UnsafePointer(x[b]), x1 = UnsafePointer(x[b + 1]), x2 = UnsafePointer(x[b + 2])
        var l00 = SIMD8<Float>(), l01 = SIMD8<Float>(), l02 = SIMD8<Float>()
        var l10 = SIMD8<Float>(), l11 = SIMD8<Float>(), l12 = SIMD8<Float>()
        var h00 = SIMD8<Float>(), h01 = SIMD8<Float>(), h02 = SIMD8<Float>()
        var h10 = SIMD8<Float>(), h11 = SIMD8<Float>(), h12 = SIMD8<Float>()
        var j = 0
        while j + 16 <= cols {
            let w0 = W.load8(r0 + j), w1 = W.load8(r1 + j)
            l00.addProduct(w0, SIMDLanes.load8(x0 + j)); l10.addProduct(w1, SIMDLanes.load8(x0 + j))
            l01.addProduct(w0, SIMDLanes.load8(x1 + j)); l11.addProduct(w1, SIMDLanes.load8(x1 + j))
            l02.addProduct(w0, SIMDLanes.load8(x2 + j)); l12.addProduct(w1, SIMDLanes.load8(x2 + j))
            let v0 = W.load8(r0 + j + 8), v1 = W.load8(r1 + j + 8)
            h00.addProduct(v0, SIMDLanes.load8(x0 + j + 8)); h10.addProduct(v1, SIMDLanes.load8(x0 + j + 8))
            h01.addProduct(v0, SIMDLanes.load8(x1 + j + 8)); h11.addProduct(v1, SIMDLanes.load8(x1 + j + 8))
            h02.addProduct(v0, SIMDLanes.load8(x2 + j + 8)); h12.addProduct(v1, SIMDLanes.load8(x2 + j + 8))
            j += 16
        }
        if j + 8 <= cols {
            let w0 = W.load8(r0 + j), w1 = W.load8(r1 + j)
            l00.addProduct(w0, SIMDLanes.load8(x0 + j)); l10.addProduct(w1, SIMDLanes.load8(x0 + j))
            l01.addProduct(w0, SIMDLanes.load8(x1 + j)); l11.addProduct(w1, SIMDLanes.load8(x1 + j))
            l02.addProduct(w0, SIMDLanes.load8(x2 + j)); l12.addProduct(w1, SIMDLanes.load8(x2 + j))
            j += 8
        }
        var s00 = SIMDLanes.sum(l00 + h00), s01 = SIMDLanes.sum(l01 + h01), s02 = SIMDLanes.sum(l02 + h02)
        var s10 = SIMDLanes.sum(l10 + h10), s11 = SIMDLanes.sum(l11 + h11), s12 = SIMDLanes.sum(l12 + h12)
        while j < cols {
            let a = W.float(r0[j]), c = W.float(r1[j])
            s00 += a * x0[j]; s01 += a * x1[j]; s02 += a * x2[j]
            s10 += c * x0[j]; s11 += c * x1[j]; s12 += c * x2[j]
            j += 1
        }
        let o0 = out[b], o1 = out[b + 1], o2 = out[b + 2]
        o0[i] = s00; o1[i] = s01; o2[i] = s02
        o0[i + 1] = s10; o1[i + 1] = s11; o2[i + 1] = s12
    }

    /// Rows `i`, `i + 1` (at `r0`, `r1`) against vectors `b`, `b + 1`, summed as `tile2x3` sums.
    @inline(__always)
    static func tile2x2<W: KernelWeight>(_ out: VectorBatch, _ x: VectorBatch, _ b: Int,
                                         _ r0: UnsafePointer<W>, _ r1: UnsafePointer<W>, _ i: Int, _ cols: Int) {
        let x0 = UnsafePointer(x[b]), x1 = UnsafePointer(x[b + 1])
        var l00 = SIMD8<Float>(), l01 = SIMD8<Float>()
        var l10 = SIMD8<Float>(), l11 = SIMD8<Float>()
        var h00 = SIMD8<Float>(), h01 = SIMD8<Float>()
        var h10 = SIMD8<Float>(), h11 = SIMD8<Float>()
        var j = 0
        while j + 16 <= cols {
            let w0 = W.load8(r0 + j), w1 = W.load8(r1 + j)
            l00.addProduct(w0, SIMDLanes.load8(x0 + j)); l10.addProduct(w1, SIMDLanes.load8(x0 + j))
            l01.addProduct(w0, SIMDLanes.load8(x1 + j)); l11.addProduct(w1, SIMDLanes.load8(x1 + j))
            let v0 = W.load8(r0 + j + 8), v1 = W.load8(r1 + j + 8)
            h00.addProduct(v0, SIMDLanes.load8(x0 + j + 8)); h10.addProduct(v1, SIMDLanes.load8(x0 + j + 8))
            h01.addProduct(v0, SIMDLanes.load8(x1 + j + 8)); h11.addProduct(v1, SIMDLanes.load8(x1 + j + 8))
            j += 16
        }
        if j + 8 <= cols {
            let w0 = W.load8(r0 + j), w1 = W.load8(r1 + j)
            l00.addProduct(w0, SIMDLanes.load8(x0 + j)); l10.addProduct(w1, SIMDLanes.load8(x0 + j))
            l01.addProduct(w0, SIMDLanes.load8(x1 + j)); l11.addProduct(w1, SIMDLanes.load8(x1 + j))
            j += 8
        }
        var s00 = SIMDLanes.sum(l00 + h00), s01 = SIMDLanes.sum(l01 + h01)
        var s10 = SIMDLanes.sum(l10 + h10), s11 = SIMDLanes.sum(l11 + h11)
        while j < cols {
            let a = W.float(r0[j]), c = W.float(r1[j])
            s00 += a * x0[j]; s01 += a * x1[j]
            s10 += c * x0[j]; s11 += c * x1[j]
            j += 1
        }
        let o0 = out[b], o1 = out[b + 1]
        o0[i] = s00; o1[i] = s01
        o0[i + 1] = s10; o1[i + 1] = s11
    }
}
