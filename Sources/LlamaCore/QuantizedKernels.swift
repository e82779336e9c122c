/// A vector quantized to Q8_0: int8 values and one fp32 scale per group.
public struct QuantizedVector {
    public let values: UnsafeMutablePointer<Int8>
    public let scales: UnsafeMutablePointer<Float>
    public let capacity: Int
    public let groupSize: Int

    /// Allocates room for `capacity` values (a multiple of `groupSize`); the owner frees it.
    public static func allocate(capacity: Int, groupSize: Int) -> QuantizedVector {
        QuantizedVector(values: .allocate(capacity: capacity),
                        scales: .allocate(capacity: max(1, capacity / groupSize)),
                        capacity: capacity, groupSize: groupSize)
    }

    public func deallocate() {
        values.deallocate()
        scales.deallocate()
    }
}

/// Q8_0 kernels, bit-exact with runq.c: integer dot products per group, then
/// the groups' float contributions added in runq.c's order.
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
                continue
            }
            for i in start..<(start + groupSize) {
                let rounded = (x[i] / scale).rounded(.toNearestOrAwayFromZero)
                q.values[i] = Int8(max(-127, min(127, rounded)))
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

    /// The same sums over `rows`, eight rows at a time: the integer dot products
    /// in SIMD, the float accumulation in SIMD lanes (one row per lane, groups in
    /// runq.c's order), so results equal `matmulReference` bit for bit.
    public static func matmul(_ out: UnsafeMutablePointer<Float>, _ x: QuantizedVector,
                              values: UnsafePointer<Int8>, scales: UnsafePointer<Float>,
                              cols: Int, rows: Range<Int>) {
        let groupSize = x.groupSize
        let groups = cols / groupSize
        var i = rows.lowerBound
        while i + 8 <= rows.upperBound {
            var total = SIMD8<Float>()
            for group in 0..<groups {
                let j = group * groupSize
                var integers = SIMD8<Int32>()
                for lane in 0..<8 {
                    integers[lane] = dotInt8(x.values + j, values + (i + lane) * cols + j, count: groupSize)
                }
                var weightScales = SIMD8<Float>()
                for lane in 0..<8 { weightScales[lane] = scales[(i + lane) * groups + group] }
                total += SIMD8<Float>(integers) * weightScales * SIMD8<Float>(repeating: x.scales[group])
            }
            for lane in 0..<8 { out[i + lane] = total[lane] }
            i += 8
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

    /// `Σ a[k] · b[k]` over int8 values with int32 accumulation.
    @inline(__always)
    static func dotInt8(_ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, count: Int) -> Int32 {
        var accumulator = SIMD8<Int32>()
        var k = 0
        while k + 16 <= count {
            let products = widen(load16(a + k)) &* widen(load16(b + k))
            accumulator &+= products.evenHalf &+ products.oddHalf
            k += 16
        }
        var total = accumulator.wrappedSum()
        while k < count {
            total &+= Int32(a[k]) &* Int32(b[k])
            k += 1
        }
        return total
    }

    @inline(__always)
    static func load16(_ p: UnsafePointer<Int8>) -> SIMD16<Int8> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Int8>.self)
    }

    /// Sign-extends lanes; written out lane by lane because `init(truncatingIfNeeded:)`
    /// on SIMD vectors compiles to a loop through the stack.
    @inline(__always)
    static func widen(_ v: SIMD16<Int8>) -> SIMD16<Int32> {
        var result = SIMD16<Int32>()
        for lane in 0..<16 { result[lane] = Int32(v[lane]) }
        return result
    }
}
