import LlamaCore
import XCTest

/// Teacher-forced logits against the float64 reference: max|Δ| ≤ 1e-4 · max|ref|.
final class GoldenLogitsTests: XCTestCase {
    private static let tolerance = 1e-4

    private func assertLogits(_ name: String, kernels: KernelChoice, threads: Int) throws {
        let golden = try GoldenLogits(name: name)
        let model = try XCTUnwrap(TestModels.file(named: golden.model))
        let transformer = try EngineHarness.transformer(model.path, kernels: kernels, threads: threads)
        XCTAssertEqual(transformer.config.vocabSize, golden.vocabSize)
        let rows = EngineHarness.logits(transformer, tokens: golden.tokens, positions: golden.positions)
        for (index, position) in golden.positions.enumerated() {
            let difference = relativeMaxDifference(rows[index], golden.rows[index])
            XCTAssertLessThanOrEqual(difference, Self.tolerance,
                                     "\(name) [\(kernels), \(threads) thread(s)] position \(position)")
        }
    }

    func testStories15MShape() throws {
        try assertLogits("m15_greedy", kernels: .simd, threads: 2)
        try assertLogits("m15_greedy", kernels: .scalar, threads: 1)
    }

    func testGroupedQueryAttention() throws {
        try assertLogits("gqa260k_greedy", kernels: .simd, threads: 1)
        try assertLogits("gqa260k_greedy", kernels: .simd, threads: 2)
        try assertLogits("gqa260k_greedy", kernels: .scalar, threads: 1)
    }

    func testUnsharedClassifier() throws {
        try assertLogits("tiny_unshared_greedy", kernels: .simd, threads: 1)
        try assertLogits("tiny_unshared_greedy", kernels: .simd, threads: 2)
        try assertLogits("tiny_unshared_greedy", kernels: .scalar, threads: 1)
    }
}
