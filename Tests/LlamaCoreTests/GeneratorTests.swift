import LlamaCore
import XCTest

/// `Generator` against run.c's generation loop written out over the engine's own
/// forward pass and the reference sampler.
final class GeneratorTests: XCTestCase {
    /// run.c's `generate` loop: the tokens it feeds, plus the last one it samples.
    private func runCLoop(_ transformer: Transformer, prompt: [Int], steps requested: Int,
                          temperature: Float, topP: Float, seed: UInt64) -> [Int] {
        let seqLen = transformer.config.seqLen
        let steps = requested <= 0 || requested > seqLen ? seqLen : requested
        var sampler = RunCSampler(vocabSize: transformer.config.vocabSize, temperature: temperature, topp: topP, seed: seed)
        var sequence = [prompt[0]]
        var token = prompt[0]
        var position = 0
        while position < steps {
            let logits = Array(transformer.forward(token: token, position: position))
            let next = position < prompt.count - 1 ? prompt[position + 1] : sampler.sample(logits)
            position += 1
            if next == 1 { break }
            sequence.append(next)
            token = next
        }
        return sequence
    }

    func testMatchesRunCsLoop() throws {
        let transformer = try EngineHarness.transformer(TestModels.tinyUnshared.path, kernels: .simd, threads: 1)
        let tokenizer = try Tokenizer(path: Repository.model("tok512.bin"), vocabSize: 512)
        let prompts = [[1], [1, 300, 301, 302, 303, 304, 305], tokenizer.encode("Hi there", bos: true, eos: false)]
        for prompt in prompts {
            for steps in [-5, 0, 1, 2, 3, 6, 7, 40, 128, 500] {
                for (temperature, topP, seed) in [(Float(0), Float(0.9), UInt64(1)), (1, 0.9, 42), (0.7, 1, 5)] {
                    let expected = runCLoop(transformer, prompt: prompt, steps: steps,
                                            temperature: temperature, topP: topP, seed: seed)
                    var sampler = Sampler(vocabSize: 512, temperature: temperature, topP: topP, seed: seed)
                    let run = try EngineHarness.generate(transformer, tokenizer: tokenizer, promptTokens: prompt,
                                                         steps: steps, sampler: &sampler)
                    let label = "prompt \(prompt.count), steps \(steps), T \(temperature), p \(topP)"
                    XCTAssertEqual(run.result.tokens, expected, label)
                    XCTAssertEqual(run.result.promptTokenCount, min(prompt.count, expected.count), label)
                    let clamped = steps <= 0 || steps > 128 ? 128 : steps
                    XCTAssertEqual(run.result.stopReason == .length, expected.count == clamped + 1, label)
                }
            }
        }
    }

    func testCancellation() throws {
        let transformer = try EngineHarness.transformer(TestModels.tinyUnshared.path, kernels: .simd)
        for stopAfter in [1, 2, 5, 20] {
            var sampler = Sampler(vocabSize: 512, temperature: 1, topP: 0.9, seed: 3)
            var seen = 0
            let result = try Generator(transformer: transformer)
                .generate(promptTokens: [1, 300, 301], steps: 100, sampler: &sampler) { _ in
                    seen += 1
                    return seen < stopAfter
                }
            XCTAssertEqual(seen, stopAfter)
            XCTAssertEqual(result.stopReason, .cancelled)
            XCTAssertEqual(result.tokens.count, stopAfter + 1, "BOS and each token reported")
        }
    }

    func testClampedSteps() throws {
        let generator = Generator(transformer: try EngineHarness.transformer(TestModels.tinyUnshared.path, kernels: .simd))
        XCTAssertEqual(generator.clampedSteps(0), 128)
        XCTAssertEqual(generator.clampedSteps(-1), 128)
        XCTAssertEqual(generator.clampedSteps(129), 128)
        XCTAssertEqual(generator.clampedSteps(128), 128)
        XCTAssertEqual(generator.clampedSteps(1), 1)
    }
}
