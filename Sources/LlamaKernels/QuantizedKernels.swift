import CPosix

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

    /// The same sums over `rows`, equal to `matmulReference` bit for bit: each group's
    /// integer dot product is exact in any order (16-bit lanes multiplied into 32-bit
    /// pair sums, x86's vpmaddwd), and each row's group contributions
    /// `float(Σ q·w) · w_scale · x_scale` are added one by one in runq.c's order.
    ///
    /// Memory streams: one row at a time, front to back, so each thread reads its
    /// contiguous range of the matrix (values, and the scales beside it) as one long
    /// sequential stream, the pattern every hardware prefetcher follows. A row
    /// (≤ a few KB) stays in L1 while every vector of a batch is multiplied by it, so a
    /// batch reads the matrix from memory once. The input's widened values and
    /// scales (`cols` × 2 + `cols / groupSize` × 4 bytes a vector) stay in L1/L2.
    public static func matmul(_ out: VectorBatch, _ x: QuantizedBatch, count: Int,
                              values: UnsafePointer<Int8>, scales: UnsafePointer<Float>,
                              cols: Int, rows: Range<Int>) {
        let groupSize = x.groupSize
        let groups = cols / groupSize
        if groupSize % 16 != 0 {
            for b in 0..<count {
                matvecScalar(out[b], x[b], values: values, scales: scales, cols: cols, rows: rows)
            }
            return
        }
        if count == 1 {
            matvec(out.base, x[0], values: values, scales: scales, cols: cols, rows: rows)
            return
        }
        // The group size as a constant where export.py's usual sizes allow, so the
        // group loops unroll completely.
        switch groupSize {
        case 32: rowsTimesBatch(out, x, count, values, scales, cols, groups, rows, Group32.self)
        case 64: rowsTimesBatch(out, x, count, values, scales, cols, groups, rows, Group64.self)
        default:
            for i in rows {
                for b in 0..<count {
                    out[b][i] = rowDot(values + i * cols, scales + i * groups, x[b], groups: groups, groupSize: groupSize)
                }
            }
        }
    }

    /// A batch: each row against eight vectors at a time (`rowTimesEight`), the
    /// vectors left over one by one (`rowDot`); both give each (row, vector) runq.c's sum.
    @inline(__always)
    static func rowsTimesBatch<G: GroupWidth>(_ out: VectorBatch, _ x: QuantizedBatch, _ count: Int,
                                              _ values: UnsafePointer<Int8>, _ scales: UnsafePointer<Float>,
                                              _ cols: Int, _ groups: Int, _ rows: Range<Int>, _: G.Type) {
        let groupSize = G.size
        let tiles = count / 8
        // The inputs' scales group-major, eight vectors to a vector: [tile][group][8].
        let inputScales = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: max(1, tiles * groups))
        defer { inputScales.deallocate() }
        for tile in 0..<tiles {
            for g in 0..<groups {
                var lanes = SIMD8<Float>()
                for k in 0..<8 { lanes[k] = x[tile * 8 + k].scales[g] }
                inputScales[tile * groups + g] = lanes
            }
        }
        for i in rows {
            let row = values + i * cols, rowScales = scales + i * groups
            for tile in 0..<tiles {
                let totals = rowTimesEight(row, rowScales, x, tile * 8, inputScales + tile * groups,
                                           groups: groups, groupSize: groupSize)
                for k in 0..<8 { out[tile * 8 + k][i] = totals[k] }
            }
            for b in (tiles * 8)..<count {
                out[b][i] = rowDot(row, rowScales, x[b], groups: groups, groupSize: groupSize)
            }
        }
    }

    /// One row against vectors `first ..< first + 8`, the vectors in the lanes of the
    /// float part: per group, the row's widened weights (read once, from L1) meet each
    /// vector's widened values, the eight integer sums are folded into one vector, and
    /// `float(sum) · w_scale · x_scale` is added lane by lane, group after group, in
    /// runq.c's order.
    @inline(__always)
    static func rowTimesEight(_ w: UnsafePointer<Int8>, _ ws: UnsafePointer<Float>, _ x: QuantizedBatch,
                              _ first: Int, _ inputScales: UnsafePointer<SIMD8<Float>>,
                              groups: Int, groupSize: Int) -> SIMD8<Float> {
        let width = x.width
        let x0 = UnsafePointer(x.wideValues + first * width), x1 = x0 + width, x2 = x1 + width, x3 = x2 + width
        let x4 = x3 + width, x5 = x4 + width, x6 = x5 + width, x7 = x6 + width
        var totals = SIMD8<Float>()
        for g in 0..<groups {
            let j = g * groupSize
            var s0 = SIMD8<Int32>(), s1 = SIMD8<Int32>(), s2 = SIMD8<Int32>(), s3 = SIMD8<Int32>()
            var s4 = SIMD8<Int32>(), s5 = SIMD8<Int32>(), s6 = SIMD8<Int32>(), s7 = SIMD8<Int32>()
            var k = j
            while k < j + groupSize {
                let weights = widen16(UnsafeRawPointer(w + k).loadUnaligned(as: SIMD16<Int8>.self))
                s0 &+= multiplyAddPairs(weights, SIMDLanes.load(x0 + k))
                s1 &+= multiplyAddPairs(weights, SIMDLanes.load(x1 + k))
                s2 &+= multiplyAddPairs(weights, SIMDLanes.load(x2 + k))
                s3 &+= multiplyAddPairs(weights, SIMDLanes.load(x3 + k))
                s4 &+= multiplyAddPairs(weights, SIMDLanes.load(x4 + k))
                s5 &+= multiplyAddPairs(weights, SIMDLanes.load(x5 + k))
                s6 &+= multiplyAddPairs(weights, SIMDLanes.load(x6 + k))
                s7 &+= multiplyAddPairs(weights, SIMDLanes.load(x7 + k))
                k += 16
            }
            let sums = reduce(s0, s1, s2, s3, s4, s5, s6, s7)
            totals += SIMD8<Float>(sums) * SIMD8<Float>(repeating: ws[g]) * inputScales[g]
        }
        return totals
    }

    /// One vector: `out[i]` for the rows in `rows`, one row after another.
    static func matvec(_ out: UnsafeMutablePointer<Float>, _ x: QuantizedVector,
                       values: UnsafePointer<Int8>, scales: UnsafePointer<Float>,
                       cols: Int, rows: Range<Int>) {
        let groupSize = x.groupSize
        let groups = cols / groupSize
        switch groupSize {
        case 32: rowsTimesVector(out, x, values, scales, cols, groups, rows, groupSize: 32)
        case 64: rowsTimesVector(out, x, values, scales, cols, groups, rows, groupSize: 64)
        default: rowsTimesVector(out, x, values, scales, cols, groups, rows, groupSize: groupSize)
        }
    }

    @inline(__always)
    static func rowsTimesVector(_ out: UnsafeMutablePointer<Float>, _ x: QuantizedVector,
                                _ values: UnsafePointer<Int8>, _ scales: UnsafePointer<Float>,
                                _ cols: Int, _ groups: Int, _ rows: Range<Int>, groupSize: Int) {
        for i in rows {
            out[i] = rowDot(values + i * cols, scales + i * groups, x, groups: groups, groupSize: groupSize)
        }
    }

    /// One row against one vector (`groupSize` a multiple of 16): eight groups' integer
    /// sums at a time folded into one vector, scaled in one vector multiply, then added
    /// to the row's total group by group, in order.
    @inline(__always)
    static func rowDot(_ w: UnsafePointer<Int8>, _ ws: UnsafePointer<Float>, _ x: QuantizedVector,
                       groups: Int, groupSize: Int) -> Float {
        var value: Float = 0
        var g = 0
        while g + 8 <= groups {
            let j = g * groupSize
            let xw = UnsafePointer(x.wideValues + j), row = w + j
            let s0 = groupDot(row, xw, groupSize)
            let s1 = groupDot(row + groupSize, xw + groupSize, groupSize)
            let s2 = groupDot(row + 2 * groupSize, xw + 2 * groupSize, groupSize)
            let s3 = groupDot(row + 3 * groupSize, xw + 3 * groupSize, groupSize)
            let s4 = groupDot(row + 4 * groupSize, xw + 4 * groupSize, groupSize)
            let s5 = groupDot(row + 5 * groupSize, xw + 5 * groupSize, groupSize)
            let s6 = groupDot(row + 6 * groupSize, xw + 6 * groupSize, groupSize)
            let s7 = groupDot(row + 7 * groupSize, xw + 7 * groupSize, groupSize)
            let sums = reduce(s0, s1, s2, s3, s4, s5, s6, s7)
            let terms = SIMD8<Float>(sums) * SIMDLanes.load8(ws + g) * SIMDLanes.load8(UnsafePointer(x.scales + g))
            value += terms[0]; value += terms[1]; value += terms[2]; value += terms[3]
            value += terms[4]; value += terms[5]; value += terms[6]; value += terms[7]
            g += 8
        }
        while g < groups {
            let j = g * groupSize
            let partial = groupDot(w + j, UnsafePointer(x.wideValues + j), groupSize)
            let four = partial.lowHalf &+ partial.highHalf
            let two = four.lowHalf &+ four.highHalf
            value += Float(two[0] &+ two[1]) * ws[g] * x.scales[g]
            g += 1
        }
        return value
    }

    /// Group sizes that are not a multiple of 16 (none that export.py writes for these models).
    static func matvecScalar(_ out: UnsafeMutablePointer<Float>, _ x: QuantizedVector,
                             values: UnsafePointer<Int8>, scales: UnsafePointer<Float>,
                             cols: Int, rows: Range<Int>) {
        let groupSize = x.groupSize
        let groups = cols / groupSize
        for i in rows {
            var value: Float = 0
            for group in 0..<groups {
                let j = group * groupSize
                let integer = dotInt8(x.values + j, values + i * cols + j, count: groupSize)
                value += Float(integer) * scales[i * groups + group] * x.scales[group]
            }
            out[i] = value
        }
    }

    /// `Σ a[k] · b[k]` over int8 values with int32 accumulation.
    @inline(__always)
    static func dotInt8(_ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, count: Int) -> Int32 {
        var accumulator = SIMD8<Int32>()
        var k = 0
        while k + 16 <= count {
            accumulator &+= multiplyAddPairs(widen16(SIMDLanes.load(a + k)), widen16(SIMDLanes.load(b + k)))
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

    /// The totals of eight vectors of partial sums, in lane order: lane k is the sum of
    /// `sk`'s lanes. Two levels of in-lane pairwise sums (x86's vphaddd on 256 bits),
    /// then the two 128-bit halves added.
    @inline(__always)
    static func reduce(_ s0: SIMD8<Int32>, _ s1: SIMD8<Int32>, _ s2: SIMD8<Int32>, _ s3: SIMD8<Int32>,
                       _ s4: SIMD8<Int32>, _ s5: SIMD8<Int32>, _ s6: SIMD8<Int32>, _ s7: SIMD8<Int32>) -> SIMD8<Int32> {
        let low = horizontalAdd(horizontalAdd(s0, s1), horizontalAdd(s2, s3))
        let high = horizontalAdd(horizontalAdd(s4, s5), horizontalAdd(s6, s7))
        return SIMD8(lowHalf: low.lowHalf &+ low.highHalf, highHalf: high.lowHalf &+ high.highHalf)
    }

    /// Pairwise sums within each 128-bit half: [a0+a1, a2+a3, b0+b1, b2+b3, a4+a5, a6+a7, b4+b5, b6+b7].
    @inline(__always)
    static func horizontalAdd(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD8<Int32> {
        let low = SIMD4(lowHalf: a.lowHalf.evenHalf &+ a.lowHalf.oddHalf, highHalf: b.lowHalf.evenHalf &+ b.lowHalf.oddHalf)
        let high = SIMD4(lowHalf: a.highHalf.evenHalf &+ a.highHalf.oddHalf, highHalf: b.highHalf.evenHalf &+ b.highHalf.oddHalf)
        return SIMD8(lowHalf: low, highHalf: high)
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

}
