import Foundation
import LlamaKernels
import XCTest

/// Attention's SIMD kernels and their reference twins against run.c's loops, bit for bit.
final class AttentionKernelTests: XCTestCase {
    /// Attention scores: the SIMD kernel (positions in lanes) equals run.c's loop bit for bit.
    func testAttentionScoresAreRunCsBitForBit() {
        var random = SeededRandom(seed: 3)
        for headSize in [2, 8, 16, 48, 64] {
            for count in [1, 5, 8, 9, 31, 32, 33, 64, 71, 100] {
                let stride = count + 3
                let query = random.floats(headSize)
                let keys = random.floats(headSize * stride)  // component i of position t at i * stride + t
                var simd = [Float](repeating: KernelShapes.sentinel, count: count + 1), reference = simd
                AttentionKernels.attentionScores(&simd, query: query, keys: keys, keyStride: stride, headSize: headSize, count: count)
                AttentionKernels.attentionScoresReference(&reference, query: query, keys: keys, keyStride: stride,
                                                 headSize: headSize, count: count)
                for t in 0..<count {
                    var score: Float = 0
                    for i in 0..<headSize { score += query[i] * keys[i * stride + t] }
                    score /= sqrtf(Float(headSize))
                    XCTAssertEqual(reference[t].bitPattern, score.bitPattern, "reference, head \(headSize) t \(t)")
                    XCTAssertEqual(simd[t].bitPattern, score.bitPattern, "simd, head \(headSize) t \(t)")
                }
                XCTAssertEqual(simd[count], KernelShapes.sentinel, "wrote past count")
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
                var simd = [Float](repeating: KernelShapes.sentinel, count: headSize + 1), reference = simd
                AttentionKernels.weightedSum(&simd, weights: weights, values: values, valueStride: stride,
                                    headSize: headSize, count: count)
                AttentionKernels.weightedSumReference(&reference, weights: weights, values: values, valueStride: stride,
                                             headSize: headSize, count: count)
                var runC = [Float](repeating: 0, count: headSize)
                for t in 0..<count {
                    for i in 0..<headSize { runC[i] += weights[t] * values[t * stride + i] }
                }
                XCTAssertEqual(Array(reference[0..<headSize]).map(\.bitPattern), runC.map(\.bitPattern), "reference \(headSize)×\(count)")
                XCTAssertEqual(Array(simd[0..<headSize]).map(\.bitPattern), runC.map(\.bitPattern), "simd \(headSize)×\(count)")
                XCTAssertEqual(simd[headSize], KernelShapes.sentinel, "wrote past headSize")
            }
        }
    }

    /// One head end to end: `.scalar` is run.c's head loop (scores, softmax, weighted
    /// sum) and `.simd` gives the same bits.
    func testAttendIsRunCsHeadLoop() {
        var random = SeededRandom(seed: 25)
        let headSize = 16, keyStride = 40, valueStride = 24
        for count in [1, 9, 33] {
            let query = random.floats(headSize)
            let keys = random.floats(headSize * keyStride), values = random.floats(count * valueStride)
            var runCScores = (0..<count).map { t -> Float in
                var score: Float = 0
                for i in 0..<headSize { score += query[i] * keys[i * keyStride + t] }
                return score / sqrtf(Float(headSize))
            }
            RunCSampler.softmax(&runCScores)
            var runC = [Float](repeating: 0, count: headSize)
            for t in 0..<count {
                for i in 0..<headSize { runC[i] += runCScores[t] * values[t * valueStride + i] }
            }
            for kernels in [KernelChoice.scalar, .simd] {
                var out = [Float](repeating: KernelShapes.sentinel, count: headSize)
                var scores = [Float](repeating: 0, count: count)
                AttentionKernels.attend(&out, query: query, keys: keys, keyStride: keyStride, values: values,
                                        valueStride: valueStride, scores: &scores, headSize: headSize, count: count,
                                        kernels: kernels)
                XCTAssertEqual(out.map(\.bitPattern), runC.map(\.bitPattern), "\(kernels), \(count) positions")
            }
        }
    }
}
