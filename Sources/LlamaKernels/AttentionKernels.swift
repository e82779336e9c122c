/// One attention head over the key/value cache: scores, softmax, weighted sum of
/// the values. Bit-exact with run.c in both forms: the SIMD kernels put one
/// position (scores) or one element (weighted sum) in each lane, so every lane's
/// sum runs in run.c's order; the reference twins are run.c's loops. Attention is
/// 4% (fp32) to 10% (Q8_0) of a decode step at 256 positions and grows with the
/// context, so it is a kernel, not graph code.
public enum AttentionKernels {
    /// One query head attending over positions `0..<count`: `scores` gets the
    /// softmaxed weights (`count` floats of scratch), `out` the weighted sum of the
    /// values. `keys` is the head's slice of the transposed key cache (component `i`
    /// of position `t` at `keys[i * keyStride + t]`); `values[t]` starts at
    /// `values + t * valueStride`. `.scalar` runs the reference loops.
    public static func attend(_ out: UnsafeMutablePointer<Float>, query: UnsafePointer<Float>,
                              keys: UnsafePointer<Float>, keyStride: Int,
                              values: UnsafePointer<Float>, valueStride: Int,
                              scores: UnsafeMutablePointer<Float>, headSize: Int, count: Int,
                              kernels: KernelChoice) {
        switch kernels {
        case .simd:
            attentionScores(scores, query: query, keys: keys, keyStride: keyStride, headSize: headSize, count: count)
            VectorKernels.softmax(scores, count: count)
            weightedSum(out, weights: scores, values: values, valueStride: valueStride, headSize: headSize, count: count)
        case .scalar:
            attentionScoresReference(scores, query: query, keys: keys, keyStride: keyStride,
                                     headSize: headSize, count: count)
            VectorKernels.softmax(scores, count: count)
            weightedSumReference(out, weights: scores, values: values, valueStride: valueStride,
                                 headSize: headSize, count: count)
        }
    }

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
                addScaled32(&s0, &s1, &s2, &s3, SIMD8<Float>(repeating: query[i]), keys + i * keyStride + t)
            }
            SIMDLanes.store8(s0 / divisor, scores + t)
            SIMDLanes.store8(s1 / divisor, scores + t + 8)
            SIMDLanes.store8(s2 / divisor, scores + t + 16)
            SIMDLanes.store8(s3 / divisor, scores + t + 24)
            t += 32
        }
        while t + 8 <= count {
            var score = SIMD8<Float>()
            for i in 0..<headSize {
                score = score + SIMD8<Float>(repeating: query[i]) * SIMDLanes.load8(keys + i * keyStride + t)
            }
            SIMDLanes.store8(score / divisor, scores + t)
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
                addScaled32(&a0, &a1, &a2, &a3, SIMD8<Float>(repeating: weights[t]), values + t * valueStride + i)
            }
            SIMDLanes.store8(a0, out + i)
            SIMDLanes.store8(a1, out + i + 8)
            SIMDLanes.store8(a2, out + i + 16)
            SIMDLanes.store8(a3, out + i + 24)
            i += 32
        }
        while i + 8 <= headSize {
            var total = SIMD8<Float>()
            for t in 0..<count {
                total = total + SIMD8<Float>(repeating: weights[t]) * SIMDLanes.load8(values + t * valueStride + i)
            }
            SIMDLanes.store8(total, out + i)
            i += 8
        }
        if i < headSize {
            weightedSumReference(out + i, weights: weights, values: values + i, valueStride: valueStride,
                                 headSize: headSize - i, count: count)
        }
    }

    /// `a0…a3 += scale · p[0..<32]`, eight lanes each: the product rounded before the
    /// add (run.c's arithmetic, no fused multiply-add), each lane its own sum.
    @inline(__always)
    static func addScaled32(_ a0: inout SIMD8<Float>, _ a1: inout SIMD8<Float>, _ a2: inout SIMD8<Float>,
                            _ a3: inout SIMD8<Float>, _ scale: SIMD8<Float>, _ p: UnsafePointer<Float>) {
        a0 = a0 + scale * SIMDLanes.load8(p)
        a1 = a1 + scale * SIMDLanes.load8(p + 8)
        a2 = a2 + scale * SIMDLanes.load8(p + 16)
        a3 = a3 + scale * SIMDLanes.load8(p + 24)
    }
}
