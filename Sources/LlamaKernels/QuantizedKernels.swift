import CShim

/// Q8_0 kernels (runq.c's format), bit-exact with runq.c: integer dot products per
/// group, then the groups' float contributions added in runq.c's order. So the SIMD
/// matmul and its reference twin `matmulReference` (runq.c's loop) agree bit for bit.
/// Single-threaded: callers split the rows.
public enum QuantizedKernels {
    /// runq.c's `quantize`: per group, scale = max|x| / 127 and q = round(x / scale).
    public static func quantize(_ x: UnsafePointer<Float>, count: Int, into q: QuantizedVector) {
        let groupSize = q.groupSize
        for group in 0..<(count / groupSize) {
            let start = group * groupSize
            var maxMagnitude: Float = 0
            for i in start..<(start + groupSize) {
                let magnitude = abs(x[i])
                if magnitude > maxMagnitude { maxMagnitude = magnitude }
            }
            let scale = maxMagnitude / 127
            q.scales[group] = scale
            if scale == 0 {
                // runq.c divides 0 by 0 here; the NaN converts to 0 on the CPUs it runs on.
                (q.values + start).update(repeating: 0, count: groupSize)
                (q.wideValues + start).update(repeating: 0, count: groupSize)
                continue
            }
            for i in start..<(start + groupSize) {
                let rounded = (x[i] / scale).rounded(.toNearestOrAwayFromZero)
                let value = Int8(max(-127, min(127, rounded)))
                q.values[i] = value
                q.wideValues[i] = Int16(value)
            }
        }
    }

    /// runq.c's matmul, scalar: `out[i] = Σ_groups float(Σ q·w) · w_scale · x_scale`.
    public static func matmulReference(_ out: UnsafeMutablePointer<Float>, _ x: QuantizedVector,
                                       values: UnsafePointer<Int8>, scales: UnsafePointer<Float>,
                                       rows: Int, cols: Int) {
        let groupSize = x.groupSize
        for i in 0..<rows {
            var value: Float = 0
            let rowStart = i * cols
            var j = 0
            while j + groupSize <= cols {
                var integer: Int32 = 0
                for k in 0..<groupSize {
                    integer &+= Int32(x.values[j + k]) &* Int32(values[rowStart + j + k])
                }
                value += Float(integer) * scales[(rowStart + j) / groupSize] * x.scales[j / groupSize]
                j += groupSize
            }
            out[i] = value
        }
    }

    /// The same sums over `rows`, eight rows at a time, equal to `matmulReference`
    /// bit for bit: each group's integer dot product is exact in any order, and
    /// the float accumulation runs in SIMD lanes (one row per lane) in runq.c's
    /// group order. Integer products use 16-bit lanes multiplied into 32-bit pair
    /// sums (x86's vpmaddwd); one row's partial sums are folded with seven others'
    /// so a group's eight row totals come out in one vector.
    public static func matmul(_ out: VectorBatch, _ x: QuantizedBatch, count: Int,
                              values: UnsafePointer<Int8>, scales: UnsafePointer<Float>,
                              cols: Int, rows: Range<Int>) {
        if count == 1 {
            matvec(out.base, x[0], values: values, scales: scales, cols: cols, rows: rows)
            return
        }
        // Eight rows at a time for every vector, so the rows stay in L1 across the batch.
        var start = rows.lowerBound
        while start < rows.upperBound {
            let end = min(rows.upperBound, start + 8)
            for b in 0..<count {
                matvec(out[b], x[b], values: values, scales: scales, cols: cols, rows: start..<end)
            }
            start = end
        }
    }

    /// One vector: `out[i]` for the rows in `rows`.
    static func matvec(_ out: UnsafeMutablePointer<Float>, _ x: QuantizedVector,
                       values: UnsafePointer<Int8>, scales: UnsafePointer<Float>,
                       cols: Int, rows: Range<Int>) {
        let groupSize = x.groupSize
        let groups = cols / groupSize
        var i = rows.lowerBound
        if groupSize % 16 == 0 {
            while i + 8 <= rows.upperBound {
                let row = values + i * cols
                var total = SIMD8<Float>()
                for group in 0..<groups {
                    let j = group * groupSize
                    if j & 63 == 0 {
                        // The next block of eight rows, a cache line per row.
                        let next = row + 8 * cols + j
                        for r in 0..<8 { shim_prefetch(next + r * cols) }
                    }
                    let xw = UnsafePointer(x.wideValues + j)
                    let s0 = groupDot(row + j, xw, groupSize)
                    let s1 = groupDot(row + cols + j, xw, groupSize)
                    let s2 = groupDot(row + 2 * cols + j, xw, groupSize)
                    let s3 = groupDot(row + 3 * cols + j, xw, groupSize)
                    let s4 = groupDot(row + 4 * cols + j, xw, groupSize)
                    let s5 = groupDot(row + 5 * cols + j, xw, groupSize)
                    let s6 = groupDot(row + 6 * cols + j, xw, groupSize)
                    let s7 = groupDot(row + 7 * cols + j, xw, groupSize)
                    let sums = fold(fold(fold(s0, s1), fold(s2, s3)), fold(fold(s4, s5), fold(s6, s7)))
                    let scale = scales + i * groups + group
                    let weightScales = SIMD8<Float>(
                        scale[0], scale[groups], scale[2 * groups], scale[3 * groups],
                        scale[4 * groups], scale[5 * groups], scale[6 * groups], scale[7 * groups])
                    total += SIMD8<Float>(sums) * weightScales * SIMD8<Float>(repeating: x.scales[group])
                }
                UnsafeMutableRawPointer(out + i).storeBytes(of: total, as: SIMD8<Float>.self)
                i += 8
            }
        }
        while i < rows.upperBound {
            var value: Float = 0
            for group in 0..<groups {
                let j = group * groupSize
                let integer = dotInt8(x.values + j, values + i * cols + j, count: groupSize)
                value += Float(integer) * scales[i * groups + group] * x.scales[group]
            }
            out[i] = value
            i += 1
        }
    }

    /// `Σ a[k] · b[k]` over int8 values with int32 accumulation (rows past the last block of eight).
    @inline(__always)
    static func dotInt8(_ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, count: Int) -> Int32 {
        var accumulator = SIMD8<Int32>()
        var k = 0
        while k + 16 <= count {
            accumulator &+= multiplyAddPairs(widen16(load16(a + k)), widen16(load16(b + k)))
            k += 16
        }
        let four = accumulator.lowHalf &+ accumulator.highHalf
        let two = four.lowHalf &+ four.highHalf
        var total = two[0] &+ two[1]
        while k < count {
            total &+= Int32(a[k]) &* Int32(b[k])
            k += 1
        }
        return total
    }

    /// Partial sums (8 lanes) of one row's group against the widened input.
    @inline(__always)
    static func groupDot(_ w: UnsafePointer<Int8>, _ x: UnsafePointer<Int16>, _ count: Int) -> SIMD8<Int32> {
        var accumulator = SIMD8<Int32>()
        var k = 0
        while k < count {
            let weights = widen16(UnsafeRawPointer(w + k).loadUnaligned(as: SIMD16<Int8>.self))
            let inputs = UnsafeRawPointer(x + k).loadUnaligned(as: SIMD16<Int16>.self)
            accumulator &+= multiplyAddPairs(weights, inputs)
            k += 16
        }
        return accumulator
    }

    /// Pairwise sums of the products: lane i is a[2i]·b[2i] + a[2i+1]·b[2i+1] (vpmaddwd).
    @inline(__always)
    static func multiplyAddPairs(_ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> SIMD8<Int32> {
        let products = widen32(a) &* widen32(b)
        return products.evenHalf &+ products.oddHalf
    }

    /// Folds two vectors of partial sums: the low half of the result holds `a`'s
    /// pairwise sums, the high half `b`'s. Three levels turn eight rows' partial
    /// sums into one vector of eight row totals.
    @inline(__always)
    static func fold(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD8<Int32> {
        SIMD8(lowHalf: a.evenHalf &+ a.oddHalf, highHalf: b.evenHalf &+ b.oddHalf)
    }

    /// Sign-extends lanes; written out lane by lane because `init(truncatingIfNeeded:)`
    /// on SIMD vectors compiles to a loop through the stack.
    @inline(__always)
    static func widen16(_ v: SIMD16<Int8>) -> SIMD16<Int16> {
        var result = SIMD16<Int16>()
        for lane in 0..<16 { result[lane] = Int16(v[lane]) }
        return result
    }

    @inline(__always)
    static func widen32(_ v: SIMD16<Int16>) -> SIMD16<Int32> {
        var result = SIMD16<Int32>()
        for lane in 0..<16 { result[lane] = Int32(v[lane]) }
        return result
    }

    @inline(__always)
    static func load16(_ p: UnsafePointer<Int8>) -> SIMD16<Int8> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Int8>.self)
    }
}
