import LlamaCore
import XCTest

/// Builds engine objects for tests and runs them the way run.c runs.
enum EngineHarness {
    static func transformer(_ path: String, kernels: KernelChoice, threads: Int = 1) throws -> Transformer {
        try Transformer(checkpoint: Checkpoint(path: path), pool: WorkerPool(threadCount: threads), kernels: kernels)
    }

    /// A transformer for tests that only throw `LlamaError` (typed throws).
    static func transformerOrFail(_ path: String, kernels: KernelChoice = .simd) throws(LlamaError) -> Transformer {
        try Transformer(checkpoint: Checkpoint(path: path), pool: WorkerPool(threadCount: 1), kernels: kernels)
    }

    /// A generation as run.c prints it.
    struct Run {
        var result: GenerationResult
        /// The concatenated `printable` pieces of every token after BOS.
        var printed: [UInt8]
    }

    /// Runs `generate` and checks the events it reports are the sequence it returns.
    static func generate(_ transformer: Transformer, tokenizer: Tokenizer, promptTokens: [Int], steps: Int,
                         sampler: inout Sampler, file: StaticString = #filePath, line: UInt = #line) throws -> Run {
        var printed: [UInt8] = []
        var events: [TokenEvent] = []
        let result = try Generator(transformer: transformer)
            .generate(promptTokens: promptTokens, steps: steps, sampler: &sampler) { event in
                events.append(event)
                printed += tokenizer.printable(previous: event.previous, token: event.token)
                return true
            }
        XCTAssertEqual(events.map(\.token), Array(result.tokens.dropFirst()), "events are the sequence", file: file, line: line)
        XCTAssertEqual(events.map(\.previous), Array(result.tokens.dropLast()), "previous tokens", file: file, line: line)
        XCTAssertEqual(events.map(\.position), Array(1..<result.tokens.count), "positions", file: file, line: line)
        XCTAssertEqual(events.map(\.isPrompt), events.indices.map { $0 < promptTokens.count - 1 },
                       "prompt echo flags", file: file, line: line)
        return Run(result: result, printed: printed)
    }

    /// Teacher-forced logits at `positions` over `tokens`.
    static func logits(_ transformer: Transformer, tokens: [Int], positions: [Int]) -> [[Float]] {
        var rows: [Int: [Float]] = [:]
        let wanted = Set(positions)
        for (position, token) in tokens.enumerated() where position <= positions.max()! {
            let logits = transformer.forward(token: token, position: position)
            if wanted.contains(position) { rows[position] = Array(logits) }
        }
        return positions.map { rows[$0]! }
    }
}
