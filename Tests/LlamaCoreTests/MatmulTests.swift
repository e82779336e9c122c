import LlamaKernels
import XCTest

/// The matmul dispatch: every weight storage × kernel choice computes the rows
/// asked for, and only those, with the kernel it should.
final class MatmulTests: XCTestCase {
    private let rows = 21, cols = 64, count = 3, groupSize = 16
    private let range = 5..<18

    /// `Matmul.multiply` over `range` for a batch of `count` random vectors; the
    /// outputs, `rows` per vector, with the sentinel outside `range`.
    private func multiply(_ storage: WeightStorage, _ inputs: [Float], kernels: KernelChoice,
                          quantized: QuantizedBatch? = nil) -> [Float] {
        var out = [Float](repeating: KernelShapes.sentinel, count: count * rows)
        KernelShapes.withBatches(&out, outputWidth: rows, inputs, inputWidth: cols) { out, x in
            let input = MatmulInput(x, quantizingInto: quantized)
            Matmul.multiply(out, input, WeightMatrix(rows: rows, cols: cols, storage: storage), rows: range,
                            kernels: kernels)
        }
        return out
    }

    /// Each vector's rows of `reference` (a whole matrix per vector) in `range`, the sentinel elsewhere.
    private func expected(_ reference: (Int) -> [Float]) -> [Float] {
        (0..<count).flatMap { b in
            let whole = reference(b)
            return (0..<rows).map { range.contains($0) ? whole[$0] : KernelShapes.sentinel }
        }
    }

    func testFloat32() {
        var random = SeededRandom(seed: 21)
        let w = random.floats(rows * cols), x = random.floats(count * cols)
        w.withUnsafeBufferPointer { weights in
            let storage = WeightStorage.float32(weights.baseAddress!)
            let scalar = multiply(storage, x, kernels: .scalar)
            let reference = expected { b in
                var out = [Float](repeating: 0, count: rows)
                FloatKernels.matmulReference(&out, Array(x[(b * cols)..<((b + 1) * cols)]), w, rows: rows, cols: cols)
                return out
            }
            XCTAssertEqual(scalar.map(\.bitPattern), reference.map(\.bitPattern), "scalar: the reference's rows")
            var simd = [Float](repeating: KernelShapes.sentinel, count: count * rows)
            KernelShapes.withBatches(&simd, outputWidth: rows, x, inputWidth: cols) { out, x in
                FloatKernels.matmul(out, x, weights.baseAddress!, cols: cols, rows: range)
            }
            XCTAssertEqual(multiply(storage, x, kernels: .simd).map(\.bitPattern), simd.map(\.bitPattern),
                           "simd: the SIMD kernel's rows")
        }
    }

    func testFloat16() {
        var random = SeededRandom(seed: 22)
        let w = random.floats(rows * cols).map { Float16($0).bitPattern }, x = random.floats(count * cols)
        w.withUnsafeBufferPointer { weights in
            let storage = WeightStorage.float16(weights.baseAddress!)
            let reference = expected { b in
                var out = [Float](repeating: 0, count: rows)
                HalfKernels.matmulReference(&out, Array(x[(b * cols)..<((b + 1) * cols)]), w, rows: rows, cols: cols)
                return out
            }
            XCTAssertEqual(multiply(storage, x, kernels: .scalar).map(\.bitPattern), reference.map(\.bitPattern),
                           "scalar: the reference's rows")
            var simd = [Float](repeating: KernelShapes.sentinel, count: count * rows)
            KernelShapes.withBatches(&simd, outputWidth: rows, x, inputWidth: cols) { out, x in
                HalfKernels.matmul(out, x, weights.baseAddress!, cols: cols, rows: range)
            }
            XCTAssertEqual(multiply(storage, x, kernels: .simd).map(\.bitPattern), simd.map(\.bitPattern),
                           "simd: the SIMD kernel's rows")
        }
    }

    /// Q8_0: the input is quantized by `MatmulInput`, and both kernels give runq.c's
    /// numbers (the reference's), the rows of a range starting at its own scales.
    func testQ8() {
        var random = SeededRandom(seed: 23)
        let w = (0..<(rows * cols)).map { _ in Int8.random(in: -127...127, using: &random) }
        let ws = random.floats(rows * cols / groupSize, in: 0.001...0.1)
        let x = random.floats(count * cols, in: -2...2)
        let batch = QuantizedBatch.allocate(width: cols, capacity: count, groupSize: groupSize)
        defer { batch.deallocate() }
        w.withUnsafeBufferPointer { values in
            ws.withUnsafeBufferPointer { scales in
                let storage = WeightStorage.q8(values: values.baseAddress!, scales: scales.baseAddress!,
                                               groupSize: groupSize)
                let scalar = multiply(storage, x, kernels: .scalar, quantized: batch)
                let reference = expected { b in
                    var out = [Float](repeating: 0, count: rows)
                    QuantizedKernels.matmulReference(&out, batch[b], values: w, scales: ws, rows: rows, cols: cols)
                    return out
                }
                XCTAssertEqual(scalar.map(\.bitPattern), reference.map(\.bitPattern), "scalar: the reference's rows")
                XCTAssertEqual(multiply(storage, x, kernels: .simd, quantized: batch).map(\.bitPattern),
                               reference.map(\.bitPattern), "simd: bit-exact with the reference")
            }
        }
    }
}
