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

    /// Runs `body` with `outputs` and `inputs` (vectors of `outputWidth` / `inputWidth`
    /// floats back to back) seen as kernel batches.
    private func withBatches(_ outputs: inout [Float], outputWidth: Int, _ inputs: [Float], inputWidth: Int,
                             _ body: (VectorBatch, VectorBatch) -> Void) {
        var inputCopy = inputs
        let count = inputs.count / inputWidth
        outputs.withUnsafeMutableBufferPointer { out in
            inputCopy.withUnsafeMutableBufferPointer { x in
                body(VectorBatch(base: out.baseAddress!, stride: outputWidth, count: count),
                     VectorBatch(base: x.baseAddress!, stride: inputWidth, count: count))
            }
        }
    }

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
                withBatches(&out, outputWidth: rows, x, inputWidth: cols) { out, x in
                    Kernels.matmul(out, x, w, cols: cols, rows: range)
                }
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

    /// A batch of vectors gives each vector what a batch of one gives it (the
    /// batched tiles sum in the same lanes as the single-vector kernel or within
    /// the same rounding bound).
    func testBatchedMatmulMatchesOneVectorAtATime() {
        var random = SeededRandom(seed: 11)
        for cols in [8, 17, 64, 100] {
            for (rows, range) in Self.rowRanges {
                for count in [2, 3, 5] {
                    let w = random.floats(rows * cols), x = random.floats(count * cols)
                    var out = [Float](repeating: Self.sentinel, count: count * rows)
                    withBatches(&out, outputWidth: rows, x, inputWidth: cols) { out, x in
                        Kernels.matmul(out, x, w, cols: cols, rows: range)
                    }
                    for b in 0..<count {
                        for i in 0..<rows {
                            let value = out[b * rows + i]
                            guard range.contains(i) else {
                                XCTAssertEqual(value, Self.sentinel, "vector \(b) row \(i) outside \(range) was written")
                                continue
                            }
                            var exact = 0.0, absolute = 0.0
                            for j in 0..<cols {
                                exact += Double(w[i * cols + j]) * Double(x[b * cols + j])
                                absolute += abs(Double(w[i * cols + j]) * Double(x[b * cols + j]))
                            }
                            XCTAssertLessThanOrEqual(abs(Double(value) - exact), summationBound(absolute, cols: cols),
                                                     "batch \(count) vector \(b): cols \(cols) row \(i)")
                        }
                    }
                }
            }
        }
    }

    /// Each vector of a batch gets exactly the bits it gets alone (fp32 and fp16 weights):
    /// the tiles sum every (row, vector) dot product in the one-vector kernel's order, so a
    /// sequence's logits do not depend on what else is in its batch.
    func testBatchedMatmulIsBitIdenticalToOneVector() {
        var random = SeededRandom(seed: 12)
        for cols in [1, 7, 8, 9, 16, 24, 33, 64, 100, 172, 288] {
            for (rows, range) in Self.rowRanges {
                for count in [2, 3, 4, 5, 7, 32] {
                    let w = random.floats(rows * cols), x = random.floats(count * cols)
                    let halves = w.map { Float16($0).bitPattern }
                    var batched = [Float](repeating: Self.sentinel, count: count * rows)
                    var halfBatched = batched
                    withBatches(&batched, outputWidth: rows, x, inputWidth: cols) { out, x in
                        Kernels.matmul(out, x, w, cols: cols, rows: range)
                    }
                    withBatches(&halfBatched, outputWidth: rows, x, inputWidth: cols) { out, x in
                        HalfKernels.matmul(out, x, halves, cols: cols, rows: range)
                    }
                    for b in 0..<count {
                        let vector = Array(x[(b * cols)..<((b + 1) * cols)])
                        var alone = [Float](repeating: Self.sentinel, count: rows), halfAlone = alone
                        withBatches(&alone, outputWidth: rows, vector, inputWidth: cols) { out, x in
                            Kernels.matmul(out, x, w, cols: cols, rows: range)
                        }
                        withBatches(&halfAlone, outputWidth: rows, vector, inputWidth: cols) { out, x in
                            HalfKernels.matmul(out, x, halves, cols: cols, rows: range)
                        }
                        for i in 0..<rows {
                            XCTAssertEqual(batched[b * rows + i].bitPattern, alone[i].bitPattern,
                                           "fp32 cols \(cols) batch \(count) vector \(b) row \(i)")
                            XCTAssertEqual(halfBatched[b * rows + i].bitPattern, halfAlone[i].bitPattern,
                                           "fp16 cols \(cols) batch \(count) vector \(b) row \(i)")
                        }
                    }
                }
            }
        }
    }

    /// Attention scores: the SIMD kernel (positions in lanes) equals run.c's loop bit for bit.
    func testAttentionScoresAreRunCsBitForBit() {
        var random = SeededRandom(seed: 3)
        for headSize in [2, 8, 16, 48, 64] {
            for count in [1, 5, 8, 9, 31, 32, 33, 64, 71, 100] {
                let stride = count + 3
                let query = random.floats(headSize)
                let keys = random.floats(headSize * stride)  // component i of position t at i * stride + t
                var simd = [Float](repeating: Self.sentinel, count: count + 1), reference = simd
                Kernels.attentionScores(&simd, query: query, keys: keys, keyStride: stride, headSize: headSize, count: count)
                Kernels.attentionScoresReference(&reference, query: query, keys: keys, keyStride: stride,
                                                 headSize: headSize, count: count)
                for t in 0..<count {
                    var score: Float = 0
                    for i in 0..<headSize { score += query[i] * keys[i * stride + t] }
                    score /= sqrtf(Float(headSize))
                    XCTAssertEqual(reference[t].bitPattern, score.bitPattern, "reference, head \(headSize) t \(t)")
                    XCTAssertEqual(simd[t].bitPattern, score.bitPattern, "simd, head \(headSize) t \(t)")
                }
                XCTAssertEqual(simd[count], Self.sentinel, "wrote past count")
            }
        }
    }

    /// The attention-weighted sum of values: SIMD (elements in lanes, products rounded
    /// before adding) equals run.c's loop bit for bit.
    func testWeightedSumIsRunCsBitForBit() {
        var random = SeededRandom(seed: 12)
        for headSize in [2, 8, 12, 16, 32, 40, 48, 64, 100] {
            for count in [1, 2, 7, 33] {
                let stride = headSize + 5
                let weights = random.floats(count, in: 0...1)
                let values = random.floats(count * stride)
                var simd = [Float](repeating: Self.sentinel, count: headSize + 1), reference = simd
                Kernels.weightedSum(&simd, weights: weights, values: values, valueStride: stride,
                                    headSize: headSize, count: count)
                Kernels.weightedSumReference(&reference, weights: weights, values: values, valueStride: stride,
                                             headSize: headSize, count: count)
                var runC = [Float](repeating: 0, count: headSize)
                for t in 0..<count {
                    for i in 0..<headSize { runC[i] += weights[t] * values[t * stride + i] }
                }
                XCTAssertEqual(Array(reference[0..<headSize]).map(\.bitPattern), runC.map(\.bitPattern), "reference \(headSize)×\(count)")
                XCTAssertEqual(Array(simd[0..<headSize]).map(\.bitPattern), runC.map(\.bitPattern), "simd \(headSize)×\(count)")
                XCTAssertEqual(simd[headSize], Self.sentinel, "wrote past headSize")
            }
        }
    }

    func testRmsnormMatchesReference() {
        var random = SeededRandom(seed: 4)
        for count in Self.columnCounts {
            for magnitude: Float in [1e-3, 1, 30] {
                let x = random.floats(count).map { $0 * magnitude }, weight = random.floats(count, in: 0.5...1.5)
                var out = [Float](repeating: 0, count: count)
                Kernels.rmsnorm(&out, x, weight, count: count)
                // run.c's formula in float64.
                let meanSquare = x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(count)
                let scale = 1 / (meanSquare + 1e-5).squareRoot()
                // The sum of squares is off by at most γ_n relatively, its root by half that,
                // and the divide, add, sqrt, reciprocal and two products add a rounding each.
                let relative = (Double(count) / 2 + 8) * 0x1p-24
                for j in 0..<count {
                    let exact = Double(weight[j]) * Double(x[j]) * scale
                    XCTAssertEqual(Double(out[j]), exact, accuracy: relative * abs(exact) + 1e-30, "rmsnorm \(count)")
                }
            }
        }
    }

    func testRmsnormIsRunCsLoop() {
        var random = SeededRandom(seed: 5)
        let count = 37
        let x = random.floats(count), weight = random.floats(count)
        var out = [Float](repeating: 0, count: count)
        Kernels.rmsnorm(&out, x, weight, count: count)
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

                    var out = [Float](repeating: Self.sentinel, count: rows)
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
                withBatches(&out, outputWidth: rows, x, inputWidth: cols) { out, x in
                    HalfKernels.matmul(out, x, w, cols: cols, rows: range)
                }
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

    /// A batch of Q8_0 vectors: each equals runq.c's matmul of that vector alone.
    func testQuantizedBatchIsBitExactPerVector() {
        var random = SeededRandom(seed: 13)
        let groupSize = 32, cols = 96, rows = 21, count = 5
        let batch = QuantizedBatch.allocate(width: cols, capacity: count, groupSize: groupSize)
        defer { batch.deallocate() }
        let inputs = random.floats(count * cols, in: -2...2)
        for b in 0..<count {
            inputs.withUnsafeBufferPointer { QuantizedKernels.quantize($0.baseAddress! + b * cols, count: cols, into: batch[b]) }
        }
        let w = (0..<(rows * cols)).map { _ in Int8.random(in: -127...127, using: &random) }
        let ws = random.floats(rows * cols / groupSize, in: 0.001...0.1)
        var out = [Float](repeating: Self.sentinel, count: count * rows)
        out.withUnsafeMutableBufferPointer { out in
            QuantizedKernels.matmul(VectorBatch(base: out.baseAddress!, stride: rows, count: count), batch,
                                    count: count, values: w, scales: ws, cols: cols, rows: 3..<rows)
        }
        for b in 0..<count {
            var reference = [Float](repeating: 0, count: rows)
            QuantizedKernels.matmulReference(&reference, batch[b], values: w, scales: ws, rows: rows, cols: cols)
            for i in 0..<rows {
                let expected = i >= 3 ? reference[i] : Self.sentinel
                XCTAssertEqual(out[b * rows + i].bitPattern, expected.bitPattern, "vector \(b) row \(i)")
            }
        }
    }

    /// Row shapes of the real models (8+ groups a row, group sizes 32 and 64, a group
    /// size that is not a multiple of 16): alone and in batches, runq.c's bits.
    func testQuantizedMatmulIsBitExactOnModelShapes() {
        var random = SeededRandom(seed: 14)
        for (cols, groupSize) in [(288, 32), (768, 32), (512, 64), (1376, 32), (64, 8), (96, 48), (256, 16)] {
            let rows = 11, count = 17
            let batch = QuantizedBatch.allocate(width: cols, capacity: count, groupSize: groupSize)
            defer { batch.deallocate() }
            let inputs = random.floats(count * cols, in: -2...2)
            for b in 0..<count {
                inputs.withUnsafeBufferPointer {
                    QuantizedKernels.quantize($0.baseAddress! + b * cols, count: cols, into: batch[b])
                }
            }
            let w = (0..<(rows * cols)).map { _ in Int8.random(in: -128...127, using: &random) }
            let ws = random.floats(rows * cols / groupSize, in: 0.001...0.1)
            for n in [1, 4, 8, 9, count] {
                var out = [Float](repeating: Self.sentinel, count: n * rows)
                out.withUnsafeMutableBufferPointer { out in
                    QuantizedKernels.matmul(VectorBatch(base: out.baseAddress!, stride: rows, count: n), batch,
                                            count: n, values: w, scales: ws, cols: cols, rows: 2..<rows)
                }
                for b in 0..<n {
                    var reference = [Float](repeating: 0, count: rows)
                    QuantizedKernels.matmulReference(&reference, batch[b], values: w, scales: ws, rows: rows, cols: cols)
                    for i in 0..<rows {
                        let expected = i >= 2 ? reference[i] : Self.sentinel
                        XCTAssertEqual(out[b * rows + i].bitPattern, expected.bitPattern,
                                       "cols \(cols) group \(groupSize) batch \(n) vector \(b) row \(i)")
                    }
                }
            }
        }
    }

    /// The integer fp16 conversions used on riscv64 equal the hardware's (F16C here) on
    /// every half and on floats around every rounding boundary.
    func testSoftwareHalfConversionsMatchHardware() {
        for bits in 0...0xFFFF {
            let half = UInt16(bits)
            let software = HalfKernels.softwareHalf(half), hardware = Float(Float16(bitPattern: half))
            if software.isNaN || hardware.isNaN {
                XCTAssertTrue(software.isNaN && hardware.isNaN, "half \(half)")
            } else {
                XCTAssertEqual(software.bitPattern, hardware.bitPattern, "half \(half)")
            }
        }
        var mismatches = 0
        for bits in 0...0x7BFF {
            let value = Float(Float16(bitPattern: UInt16(bits)))
            let next = Float(Float16(bitPattern: UInt16(bits + 1)))
            let middle = (value + next) / 2
            for probe in [value, middle, middle.nextDown, middle.nextUp, value.nextUp, -value, -middle] {
                if HalfKernels.softwareHalfBits(probe) != Float16(probe).bitPattern { mismatches += 1 }
            }
        }
        var random = SeededRandom(seed: 14)
        for _ in 0..<200_000 {
            let probe = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &random))
            if probe.isNaN { continue }
            if HalfKernels.softwareHalfBits(probe) != Float16(probe).bitPattern { mismatches += 1 }
        }
        XCTAssertEqual(mismatches, 0)
        XCTAssertEqual(HalfKernels.softwareHalfBits(.infinity), 0x7C00)
        XCTAssertTrue(HalfKernels.softwareHalf(HalfKernels.softwareHalfBits(.nan)).isNaN)
    }
}
