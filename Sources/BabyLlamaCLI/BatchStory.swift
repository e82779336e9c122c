import LlamaCore
import StoryService
import Support

/// One told story of a batch (or the engine's reason it could not be told).
struct BatchStory {
    let line: Int
    let id: JSONValue
    let seed: UInt64
    /// The generated ids (after the prompt); empty when it failed.
    let tokens: [Int]
    let promptTokens: Int
    let text: [UInt8]
    let stopReason: String
    /// Time from the batch's start to the story joining it, and to its end.
    let queuedNanoseconds: UInt64
    let finishedNanoseconds: UInt64
    let result: GenerationResult?
    let error: LlamaError?

    init(story: BatchPromptSet.Story, result: GenerationResult, text: [UInt8], queuedNanoseconds: UInt64,
         finishedNanoseconds: UInt64) {
        line = story.line
        id = story.id
        seed = story.plan.seed
        tokens = Array(result.generatedTokens)
        promptTokens = result.promptTokenCount
        self.text = text
        stopReason = result.stopReason.name
        self.queuedNanoseconds = queuedNanoseconds
        self.finishedNanoseconds = finishedNanoseconds
        self.result = result
        error = nil
    }

    init(story: BatchPromptSet.Story, error: LlamaError, finishedNanoseconds: UInt64) {
        line = story.line
        id = story.id
        seed = story.plan.seed
        tokens = []
        promptTokens = story.plan.promptTokens.count
        text = []
        stopReason = "error"
        queuedNanoseconds = finishedNanoseconds
        self.finishedNanoseconds = finishedNanoseconds
        result = nil
        self.error = error
    }

    /// Its output line.
    var json: JSONValue {
        if let error {
            return .object([("line", .int(line)), ("id", id),
                            ("error", .object([("code", .int(503)), ("type", .string("server_error")),
                                               ("message", .string(error.message))]))])
        }
        let result = self.result!
        return .object([
            ("line", .int(line)), ("id", id), ("text", .bytes(text)), ("tokens", .array(tokens.map { .int($0) })),
            ("prompt_tokens", .int(promptTokens)), ("completion_tokens", .int(tokens.count)),
            ("seed", .int(Int(truncatingIfNeeded: seed))), ("stop_reason", .string(stopReason)),
            ("timing", .object([
                ("queue_ms", .double(milliseconds(queuedNanoseconds))),
                ("prompt_ms", .double(milliseconds(result.promptNanoseconds))),
                ("generate_ms", .double(milliseconds(result.generateNanoseconds))),
                ("total_ms", .double(milliseconds(finishedNanoseconds))),
            ])),
        ])
    }

    private func milliseconds(_ nanoseconds: UInt64) -> Double { Double(nanoseconds / 1_000) / 1_000 }
}
