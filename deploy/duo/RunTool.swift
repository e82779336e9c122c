import CShim
import LlamaCore
import StorySpeech

/// `babyllama run`: run.c's command line (the host's RunCommand), text on stdout
/// and tok/s on stderr, or one JSON object with `--json`.
struct RunTool {
    static let usage = """
        usage: babyllama run [CHECKPOINT] [-t TEMP] [-p TOPP] [-s SEED] [-n STEPS] [-i PROMPT] [-z TOKENIZER]
                             [-m generate|chat] [-y SYSTEM] [--threads N] [--kernels simd|scalar] [--weights f32|f16]
                             [--json] [--speak \(SpeechFlags.usage)]
        CHECKPOINT defaults to the bundled stories260K.bin (beside this binary, or in models/).
        """

    static let options = [
        OptionSpec("temperature", short: "t"), OptionSpec("topp", short: "p"), OptionSpec("seed", short: "s"),
        OptionSpec("steps", short: "n"), OptionSpec("prompt", short: "i"), OptionSpec("tokenizer", short: "z"),
        OptionSpec("mode", short: "m"), OptionSpec("system", short: "y"), OptionSpec("threads"),
        OptionSpec("kernels"), OptionSpec("weights"),
        OptionSpec("json", takesValue: false), OptionSpec("speak", takesValue: false),
    ] + SpeechFlags.options

    let checkpointPath: String
    let tokenizerPath: String?
    let temperature: Float
    let topP: Float
    let seed: Int
    let steps: Int
    let prompt: String
    let threads: Int
    let kernels: KernelChoice
    let weights: WeightMode
    let json: Bool
    let speech: SpeechSettings?
    /// `-m chat`: run.c's chat loop (ChatSession, shared with the host CLI).
    let chat: Bool
    let systemPrompt: String?

    /// Reads and checks the command line (everything after `run`).
    init(_ arguments: ArraySlice<String>) throws(UsageError) {
        let parsed = try ParsedArguments(arguments, options: RunTool.options)
        checkpointPath = try parsed.optionalPositional() ?? BundledModel.path()
        tokenizerPath = parsed.value("tokenizer")
        temperature = try parsed.float("temperature", 1.0)
        topP = try parsed.float("topp", 0.9)
        seed = try parsed.integer("seed", 0)
        steps = try parsed.integer("steps", 256)
        prompt = parsed.value("prompt") ?? ""
        // The Duo has one core; --threads may still ask for more (QEMU on a big machine).
        threads = try parsed.integer("threads", processorCount)
        if threads < 1 || threads > 256 { throw UsageError("--threads must be between 1 and 256, got \(threads)") }
        switch parsed.value("kernels") ?? "simd" {
        case let name where same(name, "simd"): kernels = .simd
        case let name where same(name, "scalar"): kernels = .scalar
        case let name: throw UsageError("--kernels takes simd or scalar, got '\(name)'")
        }
        switch parsed.value("weights") ?? "f32" {
        case let name where same(name, "f32"): weights = .asStored
        case let name where same(name, "f16"): weights = .float16
        case let name: throw UsageError("--weights takes f32 or f16, got '\(name)'")
        }
        let mode = parsed.value("mode") ?? "generate"
        if !same(mode, "generate") && !same(mode, "chat") {
            throw UsageError("-m must be 'generate' or 'chat', got '\(mode)'")
        }
        chat = same(mode, "chat")
        systemPrompt = parsed.value("system")
        json = parsed.has("json")
        if json && chat { throw UsageError("--json works in generate mode only") }
        if parsed.has("speak") && chat { throw UsageError("--speak works in generate mode only") }
        speech = parsed.has("speak") ? try SpeechFlags.settings(parsed) : nil
    }

    /// Generates; returns the exit status.
    func run() -> Int32 {
        // Start speech first: a bad voice fails before the model is loaded.
        var speaker: AlsaStorySpeaker? = nil
        if let speech {
            do {
                let engine = try SpeechEngine(settings: speech)
                speaker = StorySpeaker(engine: engine, output: AlsaAudioOutput(device: speech.audioDevice))
            } catch {
                return failure(error.message)
            }
        }
        do {
            try generate(speaker: speaker)
        } catch {
            return failure(error.message)
        }
        return 0
    }

    private func generate(speaker: AlsaStorySpeaker?) throws(LlamaError) {
        let checkpoint = try Checkpoint(path: checkpointPath)
        let transformer = try Transformer(checkpoint: checkpoint, pool: WorkerPool(threadCount: threads),
                                          kernels: kernels, weightMode: weights)
        let tokenizer = try TokenizerSearch.load(path: tokenizerPath, checkpointPath: checkpointPath,
                                                 vocabSize: checkpoint.config.vocabSize)
        var sampler = Sampler(vocabSize: checkpoint.config.vocabSize, temperature: temperature, topP: topP,
                              seed: StoryRun.seedBits(seed))
        if chat {
            try ChatSession(transformer: transformer, tokenizer: tokenizer)
                .run(sampler: &sampler, userPrompt: prompt.isEmpty ? nil : prompt,
                     systemPrompt: systemPrompt, steps: steps)
        } else {
            try StoryRun(transformer: transformer, tokenizer: tokenizer, json: json)
                .generate(prompt: prompt, steps: steps, sampler: &sampler, speaker: speaker)
        }
    }
}
