import Foundation
import LlamaCore
import XCTest
final class DebugTmp: XCTestCase {
    func testDebug() throws {
        for golden in try Golden.generateCases() where golden.isGreedy || golden.quant == true {
            for kernels in [KernelChoice.simd, .scalar] {
                let model = TestModels.file(named: golden.model)!
                let transformer = try EngineHarness.transformer(model.path, kernels: kernels, threads: 1)
                let tokenizer = try Tokenizer(path: TestModels.tokenizerPath(named: golden.tokenizer), vocabSize: transformer.config.vocabSize)
                var sampler = Sampler(vocabSize: transformer.config.vocabSize, temperature: golden.temperature, topP: golden.topp, seed: golden.seed)
                let run = try EngineHarness.generate(transformer, tokenizer: tokenizer, promptTokens: golden.prompt_ids, steps: golden.steps, sampler: &sampler)
                let t = run.result.tokens
                let d = zip(t, golden.tokens).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                print("CASE", golden.name, kernels, "count", t.count, golden.tokens.count, "stop", run.result.stopReason, "div", d as Any, "tail", t.suffix(3), golden.tokens.suffix(2))
            }
        }
    }
}
