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
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> { Kernels.load8(p) }
    @inline(__always)
    static func float(_ value: Float) -> Float { value }
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
    /// (one sequential stream over `rows.count × cols` weights; `x` stays in L1).
    static func matvec<W: KernelWeight>(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                                        _ w: UnsafePointer<W>, cols: Int, rows: Range<Int>) {
        if rows.count * cols * MemoryLayout<W>.size >= nonTemporalBytes {
            // A share this large (the classifier: 37 MB in fp32 for the 15M shape) would
            // push everything else out of the last-level cache on every token. Each line is
            // requested `prefetchDistance` bytes ahead with a non-temporal hint, so (on CPUs
            // that honour it, AMD's and Intel's) it does not displace the layer weights,
            // which then stay in L3 from one token to the next; elsewhere it is an ordinary
            // prefetch of the same single stream.
            for i in rows {
                let row = w + i * cols
                let ahead = UnsafeRawPointer(row) + prefetchDistance
                var offset = 0
                while offset < cols * MemoryLayout<W>.size {
                    shim_prefetch(ahead + offset)
                    offset += 64
                }
                out[i] = dot(row, x, cols)
            }
            return
        }
        for i in rows {
            out[i] = dot(w + i * cols, x, cols)
        }
    }

    /// A thread's share of a matrix at least this large is streamed non-temporally (`matvec`).
    static var nonTemporalBytes: Int { 4 << 20 }
    /// How far ahead of the row being read `matvec` requests lines of a streamed share.
    static var prefetchDistance: Int { 8 << 10 }

    /// One (row, vector) dot product in the fixed order described at `matmul`.
    @inline(__always)
    static func dot<W: KernelWeight>(_ row: UnsafePointer<W>, _ x: UnsafePointer<Float>, _ cols: Int) -> Float {
        var low = SIMD8<Float>(), high = SIMD8<Float>()
        var j = 0
        while j + 16 <= cols {
            low.addProduct(W.load8(row + j), load8(x + j))
            high.addProduct(W.load8(row + j + 8), load8(x + j + 8))
            j += 16
        }
        if j + 8 <= cols {
            low.addProduct(W.load8(row + j), load8(x + j))
            j += 8
        }
        var total = sum(low + high)
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
        let blockRows = max(2, min(64, (16 * 1024 / rowBytes)) & ~1)
        var start = rows.lowerBound
        while start < rows.upperBound {
            let end = min(rows.upperBound, start + blockRows)
            var b = 0
            while b + 3 <= x.count {
                var i = start
                while i + 2 <= end {
                    let r0 = w + i * cols
                    tile2x3(out, x, b, r0, r0 + cols, i, cols)
                    i += 2
                }
                if i < end {
                    let row = w + i * cols
                    for k in b..<(b + 3) { out[k][i] = dot(row, x[k], cols) }
                }
                b += 3
            }
            while b < x.count {
                let input = UnsafePointer(x[b])
                for i in start..<end { out[b][i] = dot(w + i * cols, input, cols) }
                b += 1
            }
            start = end
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
            l00.addProduct(w0, load8(x0 + j)); l10.addProduct(w1, load8(x0 + j))
            l01.addProduct(w0, load8(x1 + j)); l11.addProduct(w1, load8(x1 + j))
            l02.addProduct(w0, load8(x2 + j)); l12.addProduct(w1, load8(x2 + j))
            let v0 = W.load8(r0 + j + 8), v1 = W.load8(r1 + j + 8)
            h00.addProduct(v0, load8(x0 + j + 8)); h10.addProduct(v1, load8(x0 + j + 8))
            h01.addProduct(v0, load8(x1 + j + 8)); h11.addProduct(v1, load8(x1 + j + 8))
            h02.addProduct(v0, load8(x2 + j + 8)); h12.addProduct(v1, load8(x2 + j + 8))
            j += 16
        }
        if j + 8 <= cols {
            let w0 = W.load8(r0 + j), w1 = W.load8(r1 + j)
            l00.addProduct(w0, load8(x0 + j)); l10.addProduct(w1, load8(x0 + j))
            l01.addProduct(w0, load8(x1 + j)); l11.addProduct(w1, load8(x1 + j))
            l02.addProduct(w0, load8(x2 + j)); l12.addProduct(w1, load8(x2 + j))
            j += 8
        }
        var s00 = sum(l00 + h00), s01 = sum(l01 + h01), s02 = sum(l02 + h02)
        var s10 = sum(l10 + h10), s11 = sum(l11 + h11), s12 = sum(l12 + h12)
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

    /// The same scores, one position per SIMD lane (so each lane's sum runs in run.c's
    /// order), 32 positions at a time in four independent accumulators: each key
    /// component `i` is then read as two whole cache lines (128 bytes of consecutive
    /// positions), the four add chains overlap, and the `headSize` streams of the
    /// transposed cache (one per component, `keyStride` floats apart) advance 32
    /// positions per pass. Eight at a time, then run.c's loop, for what is left.
    public static func attentionScores(_ scores: UnsafeMutablePointer<Float>, query: UnsafePointer<Float>,
                                       keys: UnsafePointer<Float>, keyStride: Int,
                                       headSize: Int, count: Int) {
        let divisor = SIMD8<Float>(repeating: Float(headSize).squareRoot())
        var t = 0
        while t + 32 <= count {
            var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
            for i in 0..<headSize {
                let q = SIMD8<Float>(repeating: query[i])
                let key = keys + i * keyStride + t
                s0 = s0 + q * load8(key)
                s1 = s1 + q * load8(key + 8)
                s2 = s2 + q * load8(key + 16)
                s3 = s3 + q * load8(key + 24)
            }
            store8(s0 / divisor, scores + t)
            store8(s1 / divisor, scores + t + 8)
            store8(s2 / divisor, scores + t + 16)
            store8(s3 / divisor, scores + t + 24)
            t += 32
        }
        while t + 8 <= count {
            var score = SIMD8<Float>()
            for i in 0..<headSize {
                score = score + SIMD8<Float>(repeating: query[i]) * load8(keys + i * keyStride + t)
            }
            store8(score / divisor, scores + t)
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

    /// The same sums, one element per SIMD lane (each lane accumulates over positions
    /// in run.c's order). Positions are the outer loop and up to 32 elements the inner
    /// one, in four independent accumulators: each position's value row is read once
    /// per 32 elements, front to back (one stream through the cache, `valueStride`
    /// floats a step), and four add chains overlap. 8 elements at a time, then run.c's
    /// loop, for what is left.
    public static func weightedSum(_ out: UnsafeMutablePointer<Float>, weights: UnsafePointer<Float>,
                                   values: UnsafePointer<Float>, valueStride: Int,
                                   headSize: Int, count: Int) {
        var i = 0
        while i + 32 <= headSize {
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            for t in 0..<count {
                let weight = SIMD8<Float>(repeating: weights[t])
                let value = values + t * valueStride + i
                a0 = a0 + weight * load8(value)
                a1 = a1 + weight * load8(value + 8)
                a2 = a2 + weight * load8(value + 16)
                a3 = a3 + weight * load8(value + 24)
            }
            store8(a0, out + i)
            store8(a1, out + i + 8)
            store8(a2, out + i + 16)
            store8(a3, out + i + 24)
            i += 32
        }
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
