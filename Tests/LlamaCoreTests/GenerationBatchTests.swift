import LlamaCore
import XCTest

/// Many stories at once: each sequence's tokens and logits are exactly those it gets
/// alone, whatever else is in the batch, in every kernel mode.
final class GenerationBatchTests: XCTestCase {
    /// One story of a test batch.
    private struct Story {
        var prompt: [Int]
        var steps: Int
        var temperature: Float
        var topP: Float
        var seed: UInt64
    }

    /// Mixed prompts (BOS only, short, long enough to be fed over several steps),
    /// seeds, temperatures (greedy and sampled), top-p and lengths.
    private static func stories(vocabSize: Int) -> [Story] {
        func prompt(_ length: Int, _ salt: Int) -> [Int] {
            [1] + (1..<length).map { 3 + ($0 * 7919 + salt * 104_729) % (vocabSize - 3) }
        }
        return [
            Story(prompt: [1], steps: 40, temperature: 0, topP: 0.9, seed: 1),
            Story(prompt: prompt(5, 1), steps: 33, temperature: 0.8, topP: 0.9, seed: 42),
            Story(prompt: prompt(23, 2), steps: 50, temperature: 1.0, topP: 0.9, seed: 7),
            Story(prompt: prompt(3, 3), steps: 12, temperature: 1.0, topP: 1.0, seed: 5),
            Story(prompt: prompt(11, 4), steps: 45, temperature: 0, topP: 0.9, seed: 9),
            Story(prompt: prompt(17, 5), steps: 17, temperature: 0.5, topP: 0.5, seed: 123_456_789),
            Story(prompt: [1], steps: 30, temperature: 1.2, topP: 0.95, seed: 2),
        ]
    }

    private func sampler(_ story: Story, vocabSize: Int) -> Sampler {
        Sampler(vocabSize: vocabSize, temperature: story.temperature, topP: story.topP, seed: story.seed)
    }

    /// Each story alone, run.c's loop (`Generator`) on a transformer of its own.
    private func solo(_ path: String, _ stories: [Story], kernels: KernelChoice, weights: WeightMode) throws -> [[Int]] {
        try stories.map { story in
            let transformer = try Transformer(checkpoint: Checkpoint(path: path), pool: WorkerPool(threadCount: 1),
                                              kernels: kernels, weightMode: weights)
            var sampler = sampler(story, vocabSize: transformer.config.vocabSize)
            return try Generator(transformer: transformer)
                .generate(promptTokens: story.prompt, steps: story.steps, sampler: &sampler) { _ in true }.tokens
        }
    }

    /// The same stories in one batch of at most `maxSequences` at a time, `batchCapacity`
    /// rows a step (small, so prompts are fed over several steps beside others'
    /// decoding), the later ones joining as earlier ones leave.
    private func batched(_ path: String, _ stories: [Story], kernels: KernelChoice, weights: WeightMode,
                         maxSequences: Int, batchCapacity: Int, threads: Int) throws -> [[Int]] {
        let transformer = try Transformer(checkpoint: Checkpoint(path: path), pool: WorkerPool(threadCount: threads),
                                          kernels: kernels, weightMode: weights, batchCapacity: batchCapacity,
                                          cacheCapacity: 0)
        let batch = GenerationBatch(transformer: transformer, maxSequences: maxSequences)
        var results = [[Int]?](repeating: nil, count: stories.count)
        var waiting = Array(stories.enumerated())
        var steps = 0
        while !waiting.isEmpty || batch.activeCount > 0 {
            // One joins per step while there is room: sequences start at different steps.
            if batch.hasRoom, !waiting.isEmpty {
                let (index, story) = waiting.removeFirst()
                var events: [Int] = []
                try batch.add(promptTokens: story.prompt, steps: story.steps,
                              sampler: sampler(story, vocabSize: transformer.config.vocabSize),
                              onToken: { events.append($0.token); return true },
                              onFinish: { result in
                                  XCTAssertEqual(Array(result.tokens.dropFirst()), events, "story \(index): events")
                                  results[index] = result.tokens
                              })
            }
            batch.step()
            steps += 1
        }
        XCTAssertLessThan(steps, stories.reduce(0) { $0 + $1.steps }, "the stories ran together")
        return try results.map { try XCTUnwrap($0) }
    }

    private func assertBatchMatchesSolo(_ path: String, kernels: KernelChoice, weights: WeightMode = .asStored,
                                        file: StaticString = #filePath, line: UInt = #line) throws {
        let vocabSize = try Checkpoint(path: path).config.vocabSize
        let stories = Self.stories(vocabSize: vocabSize)
        let alone = try solo(path, stories, kernels: kernels, weights: weights)
        for (maxSequences, batchCapacity, threads) in [(4, 8, 1), (7, 32, 2), (2, 3, 2)] {
            let together = try batched(path, stories, kernels: kernels, weights: weights, maxSequences: maxSequences,
                                       batchCapacity: batchCapacity, threads: threads)
            for index in stories.indices {
                XCTAssertEqual(together[index], alone[index],
                               "story \(index), \(kernels) \(weights), batch of \(maxSequences), \(batchCapacity) rows",
                               file: file, line: line)
            }
        }
    }

    func testFloat32BatchIsSolo() throws {
        try assertBatchMatchesSolo(TestModels.m15.path, kernels: .simd)
        try assertBatchMatchesSolo(TestModels.stories260K.path, kernels: .simd)
    }

    func testFloat16BatchIsSolo() throws {
        try assertBatchMatchesSolo(TestModels.m15.path, kernels: .simd, weights: .float16)
    }

    func testQ8BatchIsSolo() throws {
        try assertBatchMatchesSolo(TestModels.m15q.path, kernels: .simd)
    }

    func testScalarBatchIsSolo() throws {
        try assertBatchMatchesSolo(TestModels.tinyUnshared.path, kernels: .scalar)
    }

    /// The logits themselves: a row's bits are the same alone and beside other
    /// sequences' rows (decode and prompt rows, at other positions).
    func testRowLogitsAreBitIdenticalInAnyCompany() throws {
        for (path, weights) in [(TestModels.m15.path, WeightMode.asStored), (TestModels.m15.path, .float16),
                                (TestModels.m15q.path, .asStored)] {
            let transformer = try Transformer(checkpoint: Checkpoint(path: path), pool: WorkerPool(threadCount: 2),
                                              weightMode: weights, cacheCapacity: 0)
            let tokens = [1, 450, 2023, 338, 263, 1243, 29889, 306]
            // Alone: one row per step.
            let alone = try transformer.makeCache(capacity: 16)
            var aloneLogits: [[Float]] = []
            for (position, token) in tokens.enumerated() {
                aloneLogits.append(Array(transformer.forward(
                    [BatchRow(cache: alone, token: token, position: position, wantsLogits: true)])))
            }
            // In company: the same rows, each step beside two other sequences' rows.
            let target = try transformer.makeCache(capacity: 16)
            let other = try transformer.makeCache(capacity: 16), third = try transformer.makeCache(capacity: 16)
            for (position, token) in tokens.enumerated() {
                let rows = [
                    BatchRow(cache: other, token: 100 + position, position: position, wantsLogits: true),
                    BatchRow(cache: target, token: token, position: position, wantsLogits: true),
                    BatchRow(cache: third, token: 7 * position + 3, position: position, wantsLogits: position % 2 == 0),
                ]
                let logits = transformer.forward(rows)
                let vocab = transformer.config.vocabSize
                let row = Array(logits[vocab..<(2 * vocab)])
                XCTAssertEqual(row.map(\.bitPattern), aloneLogits[position].map(\.bitPattern),
                               "\(weights) position \(position)")
            }
        }
    }

    /// A cache holds what its sequence can use: `steps` positions, not the whole context.
    func testCachesAreSizedForTheirSequence() throws {
        let transformer = try Transformer(checkpoint: Checkpoint(path: TestModels.m15.path),
                                          pool: WorkerPool(threadCount: 1), cacheCapacity: 0)
        let batch = GenerationBatch(transformer: transformer, maxSequences: 2)
        let config = transformer.config
        XCTAssertEqual(batch.cacheBytes(steps: 20), 2 * config.layerCount * 20 * config.kvDim * 4)
        XCTAssertEqual(batch.cacheBytes(steps: 0), 2 * config.layerCount * config.seqLen * config.kvDim * 4)
        var sampler = Sampler(vocabSize: config.vocabSize, temperature: 0, topP: 0.9, seed: 1)
        try batch.add(promptTokens: [1], steps: 20, sampler: sampler, onToken: { _ in true }, onFinish: { _ in })
        try batch.add(promptTokens: [1], steps: 20, sampler: sampler, onToken: { _ in true }, onFinish: { _ in })
        XCTAssertFalse(batch.hasRoom)
        XCTAssertThrowsError(try batch.add(promptTokens: [1], steps: 5, sampler: sampler,
                                           onToken: { _ in true }, onFinish: { _ in }))
        batch.run()
        XCTAssertEqual(batch.activeCount, 0)
        sampler = Sampler(vocabSize: config.vocabSize, temperature: 0, topP: 0.9, seed: 1)
        XCTAssertThrowsError(try batch.add(promptTokens: [], steps: 5, sampler: sampler,
                                           onToken: { _ in true }, onFinish: { _ in }))
    }

    /// A sequence whose handler says stop leaves at once; the others go on untouched.
    func testCancelledSequenceLeavesOthersUntouched() throws {
        let path = TestModels.stories260K.path
        let stories = Self.stories(vocabSize: 512)
        let alone = try solo(path, stories, kernels: .simd, weights: .asStored)
        let transformer = try Transformer(checkpoint: Checkpoint(path: path), pool: WorkerPool(threadCount: 1),
                                          batchCapacity: 8, cacheCapacity: 0)
        let batch = GenerationBatch(transformer: transformer, maxSequences: stories.count)
        var results = [GenerationResult?](repeating: nil, count: stories.count)
        for (index, story) in stories.enumerated() {
            var count = 0
            try batch.add(promptTokens: story.prompt, steps: story.steps, sampler: sampler(story, vocabSize: 512),
                          onToken: { _ in
                              count += 1
                              return index != 2 || count < 25
                          },
                          onFinish: { results[index] = $0 })
        }
        batch.run()
        for index in stories.indices {
            let result = try XCTUnwrap(results[index])
            if index == 2 {
                XCTAssertEqual(result.stopReason, .cancelled)
                XCTAssertEqual(result.tokens, Array(alone[index].prefix(26)))
            } else {
                XCTAssertEqual(result.tokens, alone[index], "story \(index)")
            }
        }
    }
}
