import Foundation
import LlamaKernels
import XCTest

/// rmsnorm, softmax and SwiGLU against run.c's loops and float64.
final class VectorKernelTests: XCTestCase {
    func testRmsnormMatchesReference() {
        var random = SeededRandom(seed: 4)
        for count in KernelShapes.columnCounts {
            for magnitude: Float in [1e-3, 1, 30] {
                let x = random.floats(count).map { $0 * magnitude }, weight = random.floats(count, in: 0.5...1.5)
                var out = [Float](repeating: 0, count: count)
                VectorKernels.rmsnorm(&out, x, weight, count: count)
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
        VectorKernels.rmsnorm(&out, x, weight, count: count)
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
            VectorKernels.softmax(&ours, count: count)
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
        VectorKernels.swiglu(&hidden, gate, count: count)
        for i in 0..<count {
            let x = Double(before[i])
            let exact = x / (1 + exp(-x)) * Double(gate[i])
            XCTAssertEqual(Double(hidden[i]), exact, accuracy: 1e-6 * max(abs(exact), 1e-6))
        }
    }
}
