import Foundation
import LlamaKernels
import XCTest

/// The fp32 matmul against run.c's loop and the exact sum, over shapes that are not
/// multiples of the vector widths and row ranges that do not start at 0.
final class FloatKernelTests: XCTestCase {
    func testMatmulReferenceIsRunCsLoop() {
        var random = SeededRandom(seed: 1)
        for cols in KernelShapes.columnCounts {
            let rows = 5
            let w = random.floats(rows * cols), x = random.floats(cols)
            var out = [Float](repeating: 0, count: rows)
            FloatKernels.matmulReference(&out, x, w, rows: rows, cols: cols)
            for i in 0..<rows {
                var value: Float = 0
                for j in 0..<cols { value += w[i * cols + j] * x[j] }
                XCTAssertEqual(out[i].bitPattern, value.bitPattern, "cols \(cols) row \(i)")
            }
        }
    }

    func testMatmulMatchesReferenceOnAwkwardShapes() {
        var random = SeededRandom(seed: 2)
        for cols in KernelShapes.columnCounts {
            for (rows, range) in KernelShapes.rowRanges {
                let w = random.floats(rows * cols), x = random.floats(cols)
                var out = [Float](repeating: KernelShapes.sentinel, count: rows)
                var reference = [Float](repeating: 0, count: rows)
                KernelShapes.withBatches(&out, outputWidth: rows, x, inputWidth: cols) { out, x in
                    FloatKernels.matmul(out, x, w, cols: cols, rows: range)
                }
                FloatKernels.matmulReference(&reference, x, w, rows: rows, cols: cols)
                for i in 0..<rows {
                    guard range.contains(i) else {
                        XCTAssertEqual(out[i], KernelShapes.sentinel, "row \(i) outside \(range) was written")
                        continue
                    }
                    var exact = 0.0, absolute = 0.0
                    for j in 0..<cols {
                        exact += Double(w[i * cols + j]) * Double(x[j])
                        absolute += abs(Double(w[i * cols + j]) * Double(x[j]))
                    }
                    let bound = KernelShapes.summationBound(absolute, cols: cols)
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
            for (rows, range) in KernelShapes.rowRanges {
                for count in [2, 3, 5] {
                    let w = random.floats(rows * cols), x = random.floats(count * cols)
                    var out = [Float](repeating: KernelShapes.sentinel, count: count * rows)
                    KernelShapes.withBatches(&out, outputWidth: rows, x, inputWidth: cols) { out, x in
                        FloatKernels.matmul(out, x, w, cols: cols, rows: range)
                    }
                    for b in 0..<count {
                        for i in 0..<rows {
                            let value = out[b * rows + i]
                            guard range.contains(i) else {
                                XCTAssertEqual(value, KernelShapes.sentinel, "vector \(b) row \(i) outside \(range) was written")
                                continue
                            }
                            var exact = 0.0, absolute = 0.0
                            for j in 0..<cols {
                                exact += Double(w[i * cols + j]) * Double(x[b * cols + j])
                                absolute += abs(Double(w[i * cols + j]) * Double(x[b * cols + j]))
                            }
                            XCTAssertLessThanOrEqual(abs(Double(value) - exact), KernelShapes.summationBound(absolute, cols: cols),
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
            for (rows, range) in KernelShapes.rowRanges {
                for count in [2, 3, 4, 5, 7, 32] {
                    let w = random.floats(rows * cols), x = random.floats(count * cols)
                    let halves = w.map { Float16($0).bitPattern }
                    var batched = [Float](repeating: KernelShapes.sentinel, count: count * rows)
                    var halfBatched = batched
                    KernelShapes.withBatches(&batched, outputWidth: rows, x, inputWidth: cols) { out, x in
                        FloatKernels.matmul(out, x, w, cols: cols, rows: range)
                    }
                    KernelShapes.withBatches(&halfBatched, outputWidth: rows, x, inputWidth: cols) { out, x in
                        HalfKernels.matmul(out, x, halves, cols: cols, rows: range)
                    }
                    for b in 0..<count {
                        let vector = Array(x[(b * cols)..<((b + 1) * cols)])
                        var alone = [Float](repeating: KernelShapes.sentinel, count: rows), halfAlone = alone
                        KernelShapes.withBatches(&alone, outputWidth: rows, vector, inputWidth: cols) { out, x in
                            FloatKernels.matmul(out, x, w, cols: cols, rows: range)
                        }
                        KernelShapes.withBatches(&halfAlone, outputWidth: rows, vector, inputWidth: cols) { out, x in
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
}
