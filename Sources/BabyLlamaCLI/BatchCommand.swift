import CPosix
import LlamaCore
import StoryService
import Support

/// `babyllama batch`: a whole prompt set, many stories at once (`GenerationBatch`):
/// one JSON line in per story (a `/v1/generate` body with an optional `id`), one JSON
/// line out per story as it finishes, each story's tokens exactly those it gets alone.
struct BatchCommand: Command {
    static let spec = CommandSpec(
        name: "batch",
        abstract: "Tell a whole set of stories, many at once: JSON lines in, JSON lines out.",
        positionals: "PROMPTS.jsonl [CHECKPOINT]",
        notes: [
            """
            PROMPTS.jsonl: one story a line, {"id": any, "prompt": str, "seed": int, "temperature": num,
            "top_p": num, "max_tokens": int}, all but prompt optional (run's defaults; a random seed,
            reported). Out, as each story ends: {"line", "id", "text", "tokens", "prompt_tokens",
            "seed", "stop_reason", "timing"}; a bad line gives {"line", "id", "error"} and the rest run.
            """,
            ModelOptions.checkpointNote,
        ],
        options: [
            OptionSpec("max-batch", value: "B",
                       help: "Stories running at once, 1-256 (default \(defaultMaxBatch); each needs its own key/value cache)."),
            OptionSpec("out", value: "RESULTS.jsonl", help: "Write the results there (default: standard output)."),
            .flag("compare", help: "Then tell the same set one story at a time, and compare time and tokens."),
        ] + ModelOptions.options)

    /// Stories at once by default: 8, but 1 on the Duo (64 MB), where each story's
    /// cache competes with the model for memory.
    #if arch(riscv64)
    static let defaultMaxBatch = 1
    #else
    static let defaultMaxBatch = 8
    #endif

    let promptsPath: String
    let model: ModelOptions
    let maxBatch: Int
    let outPath: String?
    let compare: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        let positionals = arguments.positionals
        guard let prompts = positionals.first else { throw UsageError("missing PROMPTS.jsonl") }
        if positionals.count > 2 { throw UsageError("unexpected argument '\(positionals[2])'") }
        promptsPath = prompts
        model = try ModelOptions(arguments, checkpoint: positionals.count == 2 ? positionals[1] : nil)
        maxBatch = try arguments.integer("max-batch", BatchCommand.defaultMaxBatch, in: 1...256)
        outPath = arguments.value("out")
        compare = arguments.has("compare")
    }

    func run() -> Int32 {
        do throws(LlamaError) {
            let file = try MappedFile(path: promptsPath)
            let transformer = try model.loadTransformer(batchCapacity: max(32, maxBatch)) { _ in 0 }
            let tokenizer = try model.loadTokenizer(vocabSize: transformer.config.vocabSize)
            var output = try BatchOutput(path: outPath)
            let set = BatchPromptSet(lines: Array(file.bytes), tokenizer: tokenizer, config: transformer.config)
            if set.stories.isEmpty && set.errors.isEmpty {
                throw LlamaError.invalidArgument("'\(promptsPath)' holds no prompts")
            }
            for error in set.errors { output.write(error) }
            let progress = BatchProgress(total: set.stories.count)
            let batched = BatchRunner(transformer: transformer, tokenizer: tokenizer, maxSequences: maxBatch)
                .run(set.stories) { story in
                    output.write(story.json)
                    progress.finished(story)
                }
            progress.end()
            var summary = BatchSummary(label: "batch of \(maxBatch)", run: batched)
            let largest = set.stories.reduce(0) { max($0, $1.plan.steps) }
            summary.note = "a story's key/value cache: at most "
                + FixedDecimal.format(Double(GenerationBatch(transformer: transformer, maxSequences: 1)
                                             .cacheBytes(steps: largest)) / 1_048_576, decimals: 1)
                + " MiB here (\(largest) positions), \(maxBatch) at once"

            if compare {
                let solo = BatchRunner(transformer: transformer, tokenizer: tokenizer, maxSequences: 1)
                    .run(set.stories) { _ in }
                summary.compare(with: BatchSummary(label: "one at a time", run: solo),
                                sameTokens: batched.stories.map { $0.tokens } == solo.stories.map { $0.tokens })
            }
            StandardError.write(summary.text)
            if !output.succeeded { throw LlamaError.cannotOpen(path: outPath ?? "standard output", reason: "a write failed") }
            return set.errors.isEmpty ? 0 : 2
        } catch {
            return failure(error.message)
        }
    }
}
