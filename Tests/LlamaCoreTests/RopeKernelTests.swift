import Foundation
import LlamaKernels
import XCTest

/// RoPE: the angles computed once per position and the rotation give run.c's
/// numbers bit for bit, for q (dim) and a grouped-query k (kvDim < dim).
final class RopeKernelTests: XCTestCase {
    func testRotationIsRunCsLoop() {
        var random = SeededRandom(seed: 24)
        let headSize = 12, dim = 48, kvDim = 24
        for position in [0, 1, 7, 255, 1000] {
            var q = random.floats(dim), k = random.floats(kvDim)
            var runCQ = q, runCK = k
            // run.c's loop, as written there.
            for i in stride(from: 0, to: dim, by: 2) {
                let headDim = i % headSize
                let frequency = 1 / powf(10000, Float(headDim) / Float(headSize))
                let value = Float(position) * frequency
                let fcr = cosf(value), fci = sinf(value)
                for v in 0..<(i < kvDim ? 2 : 1) {
                    let v0 = v == 0 ? runCQ[i] : runCK[i], v1 = v == 0 ? runCQ[i + 1] : runCK[i + 1]
                    let r0 = v0 * fcr - v1 * fci, r1 = v0 * fci + v1 * fcr
                    if v == 0 { runCQ[i] = r0; runCQ[i + 1] = r1 } else { runCK[i] = r0; runCK[i + 1] = r1 }
                }
            }
            var cosines = [Float](repeating: 0, count: headSize / 2), sines = cosines
            RopeKernels.angles(position: position, headSize: headSize, cosines: &cosines, sines: &sines)
            RopeKernels.rotate(&q, count: dim, headSize: headSize, cosines: cosines, sines: sines)
            RopeKernels.rotate(&k, count: kvDim, headSize: headSize, cosines: cosines, sines: sines)
            XCTAssertEqual(q.map(\.bitPattern), runCQ.map(\.bitPattern), "q at position \(position)")
            XCTAssertEqual(k.map(\.bitPattern), runCK.map(\.bitPattern), "k at position \(position)")
        }
    }
}
