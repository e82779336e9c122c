import Foundation
import LlamaCore
import XCTest

/// The SIMD kernels against their scalar references and plain run.c / runq.c code,
/// over shapes that are not multiples of the vector widths and row ranges that do
/// not start at 0.
final class KernelTests: XCTestCase {
    private static let columnCounts = [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 64, 100, 172, 257]
    private static let rowRanges: [(rows: Int, range: Range<Int>)] = [
        (1, 0..<1), (3, 0..<3), (4, 0..<4), (5, 0..<5), (7, 2..<7), (9, 1..<8), (13, 3..<13), (17, 5..<6), (21, 4..<20),
    ]
    /// What rows outside the range must still hold afterwards.
    private static let sentinel: Float = -12345.5

    /// Rigorous bound on the rounding error of any order of summing `cols` float
    /// products (γ_n · Σ|w·x| with u = 2⁻²⁴), against the exact sum.
    private func summationBound(_ absoluteSum: Double, cols: Int) -> Double {
        Double(cols + 1) * 0x1p-24 * absoluteSum * 1.01 + 1e-30
    }

    func testMatmulReferenceIsRunCsLoop() {
        var random = SeededRandom(seed: 1)
        for cols in Self.columnCounts {
            let rows = 5
            let w = random.floats(rows * cols), x = random.floats(cols)
            var out = [Float](repeating: 0, count: rows)
            Kernels.matmulReference(&out, x, w, rows: rows, cols: cols)
            for i in 0..<rows {
                var value: Float = 0
                for j in 0..<cols { value += w[i * cols + j] * x[j] }
                XCTAssertEqual(out[i].bitPattern, value.bitPattern, "cols \(cols) row \(i)")
            }
        }
    }

    func testMatmulMatchesReferenceOnAwkwardShapes() {
        var random = SeededRandom(seed: 2)
        for cols in Self.columnCounts {
            for (rows, range) in Self.rowRanges {
                let w = random.floats(rows * cols), x = random.floats(cols)
                var out = [Float](repeating: Self.sentinel, count: rows)
                var reference = [Float](repeating: 0, count: rows)
                Kernels.matmul(&out, x, w, cols: cols, rows: range)
                Kernels.matmulReference(&reference, x, w, rows: rows, cols: cols)
                for i in 0..<rows {
                    guard range.contains(i) else {
                        XCTAssertEqual(out[i], Self.sentinel, "row \(i) outside \(range) was written")
                        continue
                    }
                    var exact = 0.0, absolute = 0.0
                    for j in 0..<cols {
                        exact += Double(w[i * cols + j]) * Double(x[j])
                        absolute += abs(Double(w[i * cols + j]) * Double(x[j]))
                    }
                    let bound = summationBound(absolute, cols: cols)
                    XCTAssertLessThanOrEqual(abs(Double(out[i]) - exact), bound, "simd: cols \(cols) row \(i) of \(range)")
                    XCTAssertLessThanOrEqual(abs(Double(reference[i]) - exact), bound, "reference: cols \(cols) row \(i)")
                }
            }
        }
    }

    func testDotAndAddScaled() {
        var random = SeededRandom(seed: 3)
        for count in Self.columnCounts {
            let a = random.floats(count), b = random.floats(count)
            var exact = 0.0, absolute = 0.0
            for j in 0..<count {
                exact += Double(a[j]) * Double(b[j])
                absolute += abs(Double(a[j]) * Double(b[j]))
            }
            XCTAssertLessThanOrEqual(abs(Double(Kernels.dot(a, b, count: count)) - exact),
                                     summationBound(absolute, cols: count), "dot of \(count)")

            // One multiply-add per element: fused or not, within one rounding of each step.
            var out = random.floats(count + 1)
            let before = out
            Kernels.addScaled(&out, a, scale: 0.75, count: count)
            for j in 0..<count {
                let exactValue = Double(before[j]) + 0.75 * Double(a[j])
                XCTAssertLessThanOrEqual(abs(Double(out[j]) - exactValue),
                                         2 * 0x1p-24 * (abs(Double(before[j])) + abs(0.75 * Double(a[j]))) + 1e-30,
                                         "addScaled \(count) at \(j)")
            }
            XCTAssertEqual(out[count], before[count], "addScaled wrote past count")
        }
    }

    func testRmsnormMatchesReference() {
        var random = SeededRandom(seed: 4)
        for count in Self.columnCounts {
            for magnitude: Float in [1e-3, 1, 30] {
                let x = random.floats(count).map { $0 * magnitude }, weight = random.floats(count, in: 0.5...1.5)
                var out = [Float](repeating: 0, count: count), reference = out
                Kernels.rmsnorm(&out, x, weight, count: count)
                Kernels.rmsnormReference(&reference, x, weight, count: count)
                // run.c's formula in float64.
                let meanSquare = x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(count)
                let scale = 1 / (meanSquare + 1e-5).squareRoot()
                // The sum of squares is off by at most γ_n relatively, its root by half that,
                // and the divide, add, sqrt, reciprocal and two products add a rounding each.
                let relative = (Double(count) / 2 + 8) * 0x1p-24
                for j in 0..<count {
                    let exact = Double(weight[j]) * Double(x[j]) * scale
                    XCTAssertEqual(Double(reference[j]), exact, accuracy: relative * abs(exact) + 1e-30, "reference \(count)")
                    XCTAssertEqual(Double(out[j]), exact, accuracy: relative * abs(exact) + 1e-30, "simd \(count)")
                }
            }
        }
    }

    func testRmsnormReferenceIsRunCsLoop() {
        var random = SeededRandom(seed: 5)
        let count = 37
        let x = random.floats(count), weight = random.floats(count)
        var out = [Float](repeating: 0, count: count)
        Kernels.rmsnormReference(&out, x, weight, count: count)
        var ss: Float = 0
        for j in 0..<count { ss += x[j] * x[j] }
        ss /= Float(count)
        ss += 1e-5
        ss = 1 / sqrtf(ss)
        for j in 0..<count { XCTAssertEqual(out[j].bitPattern, (weight[j] * (ss * x[j])).bitPattern) }
    }

    func testSoftmaxIsRunCs() {
        var random = SeededRandom(seed: 6)
        for count in [1, 2, 5, 33, 512] {
            let logits = random.floats(count, in: -20...20)
            var ours = logits, theirs = logits
            Kernels.softmax(&ours, count: count)
            RunCSampler.softmax(&theirs)
            XCTAssertEqual(ours.map(\.bitPattern), theirs.map(\.bitPattern), "softmax of \(count)")
        }
    }

    func testSwiglu() {
        var random = SeededRandom(seed: 7)
        let count = 45
        var hidden = random.floats(count, in: -8...8)
        let gate = random.floats(count)
        let before = hidden
        Kernels.swiglu(&hidden, gate, count: count)
        for i in 0..<count {
            let x = Double(before[i])
            let exact = x / (1 + exp(-x)) * Double(gate[i])
            XCTAssertEqual(Double(hidden[i]), exact, accuracy: 1e-6 * max(abs(exact), 1e-6))
        }
    }

    // MARK: Q8_0

    /// runq.c's `quantize`, as written there: round() is C's, half away from zero.
    private func runqQuantize(_ x: [Float], groupSize: Int) -> (values: [Int8], scales: [Float]) {
        var values = [Int8](repeating: 0, count: x.count)
        var scales: [Float] = []
        for group in 0..<(x.count / groupSize) {
            var wmax: Float = 0
            for i in 0..<groupSize {
                let value = fabsf(x[group * groupSize + i])
                if value > wmax { wmax = value }
            }
            let scale = wmax / 127.0
            scales.append(scale)
            for i in 0..<groupSize {
                let quantValue = x[group * groupSize + i] / scale
                let rounded = Foundation.round(Double(quantValue))
                // An all-zero group gives 0/0: (int8_t)round(NaN) is 0 on the CPUs runq.c runs on.
                values[group * groupSize + i] = rounded.isNaN ? 0 : Int8(rounded)
            }
        }
        return (values, scales)
    }

    func testQuantizeMatchesRunq() {
        var random = SeededRandom(seed: 8)
        for groupSize in [2, 8, 16, 32, 64] {
            for groups in [1, 2, 3, 7] {
                let count = groupSize * groups
                var x = random.floats(count, in: -3...3)
                // An all-zero group, and one whose scale is 1 so x/scale hits exact halves.
                if groups >= 2 { for i in 0..<groupSize { x[groupSize + i] = 0 } }
                if groups >= 3 {
                    let halves: [Float] = [127, 0.5, -0.5, 1.5, -2.5, 126.5, -126.5, 2.5]
                    for i in 0..<groupSize { x[2 * groupSize + i] = halves[i % halves.count] }
                }
                let q = QuantizedVector.allocate(capacity: count, groupSize: groupSize)
                defer { q.deallocate() }
                QuantizedKernels.quantize(x, count: count, into: q)
                let expected = runqQuantize(x, groupSize: groupSize)
                XCTAssertEqual(Array(UnsafeBufferPointer(start: q.values, count: count)), expected.values,
                               "values, group size \(groupSize) × \(groups)")
                XCTAssertEqual(Array(UnsafeBufferPointer(start: q.scales, count: groups)).map(\.bitPattern),
                               expected.scales.map(\.bitPattern), "scales, group size \(groupSize) × \(groups)")
            }
        }
    }

    func testQuantizeRoundsHalvesAwayFromZero() {
        let x: [Float] = [127, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0]
        let q = QuantizedVector.allocate(capacity: 8, groupSize: 8)
        defer { q.deallocate() }
        QuantizedKernels.quantize(x, count: 8, into: q)
        XCTAssertEqual(q.scales[0], 1)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: q.values, count: 8)), [127, 1, -1, 2, -2, 3, -3, 0])
    }

    /// runq.c's `matmul`, as written there.
    private func runqMatmul(_ x: (values: [Int8], scales: [Float]), _ w: [Int8], _ ws: [Float],
                            rows: Int, cols: Int, groupSize: Int) -> [Float] {
        (0..<rows).map { i in
            var value: Float = 0
            var integer: Int32 = 0
            let rowStart = i * cols
            var j = 0
            while j <= cols - groupSize {
                for k in 0..<groupSize { integer += Int32(x.values[j + k]) * Int32(w[rowStart + j + k]) }
                value += Float(integer) * ws[(rowStart + j) / groupSize] * x.scales[j / groupSize]
                integer = 0
                j += groupSize
            }
            return value
        }
    }

    func testQuantizedMatmulIsBitExactWithRunq() {
        var random = SeededRandom(seed: 9)
        for groupSize in [2, 8, 16, 32, 64] {
            for groups in [1, 2, 3, 5] {
                let cols = groupSize * groups
                for (rows, range) in Self.rowRanges + [(33, 0..<33), (40, 9..<37)] {
                    let x = QuantizedVector.allocate(capacity: cols, groupSize: groupSize)
                    defer { x.deallocate() }
                    let xValues = (0..<cols).map { _ in Int8.random(in: -128...127, using: &random) }
                    let xScales = random.floats(groups, in: 0.001...0.1)
                    x.values.update(from: xValues, count: cols)
                    x.scales.update(from: xScales, count: groups)
                    let w = (0..<(rows * cols)).map { _ in Int8.random(in: -128...127, using: &random) }
                    let ws = random.floats(rows * groups, in: 0.001...0.1)

                    var out = [Float](repeating: Self.sentinel, count: rows)
                    var reference = [Float](repeating: 0, count: rows)
                    QuantizedKernels.matmul(&out, x, values: w, scales: ws, cols: cols, rows: range)
                    QuantizedKernels.matmulReference(&reference, x, values: w, scales: ws, rows: rows, cols: cols)
                    let runq = runqMatmul((xValues, xScales), w, ws, rows: rows, cols: cols, groupSize: groupSize)
                    let label = "group size \(groupSize), \(rows)×\(cols), rows \(range)"
                    XCTAssertEqual(reference.map(\.bitPattern), runq.map(\.bitPattern), "reference vs runq.c: \(label)")
                    for i in 0..<rows {
                        let expected = range.contains(i) ? runq[i] : Self.sentinel
                        XCTAssertEqual(out[i].bitPattern, expected.bitPattern, "simd row \(i): \(label)")
                    }
                }
            }
        }
    }

    // MARK: fp16

    func testHalfMatmulMatchesReference() {
        var random = SeededRandom(seed: 10)
        for cols in Self.columnCounts {
            for (rows, range) in Self.rowRanges {
                let w = random.floats(rows * cols).map { Float16($0).bitPattern }
                let x = random.floats(cols)
                var out = [Float](repeating: Self.sentinel, count: rows)
                var reference = [Float](repeating: 0, count: rows)
                HalfKernels.matmul(&out, x, w, cols: cols, rows: range)
                HalfKernels.matmulReference(&reference, x, w, rows: rows, cols: cols)
                for i in 0..<rows {
                    guard range.contains(i) else {
                        XCTAssertEqual(out[i], Self.sentinel, "row \(i) outside \(range) was written")
                        continue
                    }
                    var exact = 0.0, absolute = 0.0, inOrder: Float = 0
                    for j in 0..<cols {
                        let weight = Float(Float16(bitPattern: w[i * cols + j]))
                        exact += Double(weight) * Double(x[j])
                        absolute += abs(Double(weight) * Double(x[j]))
                        inOrder += weight * x[j]
                    }
                    XCTAssertEqual(reference[i].bitPattern, inOrder.bitPattern, "reference sums in order")
                    XCTAssertLessThanOrEqual(abs(Double(out[i]) - exact), summationBound(absolute, cols: cols),
                                             "fp16 simd: cols \(cols) row \(i) of \(range)")
                }
            }
        }
    }
}
