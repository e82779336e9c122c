import Foundation
import LlamaKernels
import XCTest

/// The Q8_0 kernels against runq.c's quantize and matmul, bit for bit.
final class QuantizedKernelTests: XCTestCase {
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
                for (rows, range) in KernelShapes.rowRanges + [(33, 0..<33), (40, 9..<37)] {
                    let batch = QuantizedBatch.allocate(width: cols, capacity: 1, groupSize: groupSize)
                    defer { batch.deallocate() }
                    let x = batch[0]
                    let xValues = (0..<cols).map { _ in Int8.random(in: -128...127, using: &random) }
                    let xScales = random.floats(groups, in: 0.001...0.1)
                    x.values.update(from: xValues, count: cols)
                    x.wideValues.update(from: xValues.map(Int16.init), count: cols)
                    x.scales.update(from: xScales, count: groups)
                    let w = (0..<(rows * cols)).map { _ in Int8.random(in: -128...127, using: &random) }
                    let ws = random.floats(rows * groups, in: 0.001...0.1)

                    var out = [Float](repeating: KernelShapes.sentinel, count: rows)
                    var reference = [Float](repeating: 0, count: rows)
                    out.withUnsafeMutableBufferPointer { out in
                        QuantizedKernels.matmul(VectorBatch(base: out.baseAddress!, stride: rows, count: 1), batch,
                                                count: 1, values: w, scales: ws, cols: cols, rows: range)
                    }
                    QuantizedKernels.matmulReference(&reference, x, values: w, scales: ws, rows: rows, cols: cols)
                    let runq = runqMatmul((xValues, xScales), w, ws, rows: rows, cols: cols, groupSize: groupSize)
                    let label = "group size \(groupSize), \(rows)×\(cols), rows \(range)"
                    XCTAssertEqual(reference.map(\.bitPattern), runq.map(\.bitPattern), "reference vs runq.c: \(label)")
                    for i in 0..<rows {
                        let expected = range.contains(i) ? runq[i] : KernelShapes.sentinel
                        XCTAssertEqual(out[i].bitPattern, expected.bitPattern, "simd row \(i): \(label)")
                    }
                }
            }
        }
    }

    /// Rows `firstRow..<rows` of a random Q8_0 matrix against batches of `counts` vectors:
    /// each vector's outputs are runq.c's matmul of that vector alone, bit for bit, and
    /// the rows before `firstRow` are left alone.
    private func assertBatchBitExact(cols: Int, groupSize: Int, rows: Int, firstRow: Int, counts: [Int],
                                     random: inout SeededRandom) {
        let capacity = counts.max() ?? 1
        let batch = QuantizedBatch.allocate(width: cols, capacity: capacity, groupSize: groupSize)
        defer { batch.deallocate() }
        let inputs = random.floats(capacity * cols, in: -2...2)
        for b in 0..<capacity {
            inputs.withUnsafeBufferPointer { QuantizedKernels.quantize($0.baseAddress! + b * cols, count: cols, into: batch[b]) }
        }
        let w = (0..<(rows * cols)).map { _ in Int8.random(in: -128...127, using: &random) }
        let ws = random.floats(rows * cols / groupSize, in: 0.001...0.1)
        for n in counts {
            var out = [Float](repeating: KernelShapes.sentinel, count: n * rows)
            out.withUnsafeMutableBufferPointer { out in
                QuantizedKernels.matmul(VectorBatch(base: out.baseAddress!, stride: rows, count: n), batch,
                                        count: n, values: w, scales: ws, cols: cols, rows: firstRow..<rows)
            }
            for b in 0..<n {
                var reference = [Float](repeating: 0, count: rows)
                QuantizedKernels.matmulReference(&reference, batch[b], values: w, scales: ws, rows: rows, cols: cols)
                for i in 0..<rows {
                    let expected = i >= firstRow ? reference[i] : KernelShapes.sentinel
                    XCTAssertEqual(out[b * rows + i].bitPattern, expected.bitPattern,
                                   "cols \(cols) group \(groupSize) batch \(n) vector \(b) row \(i)")
                }
            }
        }
    }

    /// A batch of Q8_0 vectors: each equals runq.c's matmul of that vector alone.
    func testQuantizedBatchIsBitExactPerVector() {
        var random = SeededRandom(seed: 13)
        assertBatchBitExact(cols: 96, groupSize: 32, rows: 21, firstRow: 3, counts: [5], random: &random)
    }

    /// Row shapes of the real models (8+ groups a row, group sizes 32 and 64, a group
    /// size that is not a multiple of 16): alone and in batches, runq.c's bits.
    func testQuantizedMatmulIsBitExactOnModelShapes() {
        var random = SeededRandom(seed: 14)
        for (cols, groupSize) in [(288, 32), (768, 32), (512, 64), (1376, 32), (64, 8), (96, 48), (256, 16)] {
            assertBatchBitExact(cols: cols, groupSize: groupSize, rows: 11, firstRow: 2, counts: [1, 4, 8, 9, 17],
                                random: &random)
        }
    }
}
