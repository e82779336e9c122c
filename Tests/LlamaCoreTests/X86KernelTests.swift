#if arch(x86_64)
import CX86Kernels
import LlamaKernels
import XCTest

/// The AVX-512 decode kernels (CX86Kernels) against the Swift tiles, which sum each
/// (row, vector) in the order they must keep: bit for bit, with and without the
/// non-temporal prefetches, for fp32 and fp16 weights.
final class X86KernelTests: XCTestCase {
    func testAVX512MatvecIsBitIdenticalToTheSwiftOrder() throws {
        try XCTSkipUnless(x86_kernels_have_avx512(), "this CPU has no AVX-512: the kernels cannot run here")
        var random = SeededRandom(seed: 21)
        for cols in [1, 5, 8, 9, 15, 16, 17, 24, 25, 33, 64, 100, 172, 288, 768, 1376, 4107] {
            let rows = 11, range = 2..<10
            let w = random.floats(rows * cols), x = random.floats(cols)
            let halves = w.map { Float16($0).bitPattern }
            // The Swift order: a batch of two copies of `x` runs the 2 × 2 tiles.
            var swiftFloat = [Float](repeating: KernelShapes.sentinel, count: 2 * rows), swiftHalf = swiftFloat
            KernelShapes.withBatches(&swiftFloat, outputWidth: rows, x + x, inputWidth: cols) { out, x in
                FloatKernels.matmul(out, x, w, cols: cols, rows: range)
            }
            KernelShapes.withBatches(&swiftHalf, outputWidth: rows, x + x, inputWidth: cols) { out, x in
                HalfKernels.matmul(out, x, halves, cols: cols, rows: range)
            }
            for (ahead, nonTemporal) in [(0, false), (4096, false), (8192, true)] {
                var float = [Float](repeating: KernelShapes.sentinel, count: rows), half = float
                x86_matvec_f32_avx512(&float, x, w, cols, range.lowerBound, range.upperBound, ahead, nonTemporal)
                x86_matvec_f16_avx512(&half, x, halves, cols, range.lowerBound, range.upperBound, ahead, nonTemporal)
                for i in 0..<rows {
                    XCTAssertEqual(float[i].bitPattern, swiftFloat[i].bitPattern, "fp32 cols \(cols) row \(i) ahead \(ahead) \(nonTemporal)")
                    XCTAssertEqual(half[i].bitPattern, swiftHalf[i].bitPattern, "fp16 cols \(cols) row \(i) ahead \(ahead)")
                }
            }
        }
    }
}
#endif
