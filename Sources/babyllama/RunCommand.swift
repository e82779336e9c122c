import ArgumentParser
import CShim
import LlamaCore
import StorySpeech

/// `babyllama run`: run.c's command line, text on stdout and tok/s on stderr.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Generate text from a prompt, as llama2.c's run.c does.")

    @OptionGroup var model: ModelOptions

    @Option(name: [.customShort("t"), .long], parsing: .unconditional,
            help: "Temperature; 0 is greedy.")
    var temperature: Float = 1.0

    @Option(name: [.customShort("p"), .customLong("topp")], parsing: .unconditional,
            help: "Top-p (nucleus) sampling; 1 or 0 turns it off.")
    var topP: Float = 0.9

    @Option(name: [.customShort("s"), .long], parsing: .unconditional,
            help: "Random seed; 0 seeds from the clock.")
    var seed: Int = 0

    @Option(name: [.customShort("n"), .long], parsing: .unconditional,
            help: "Positions to run, prompt included; 0 or less means the whole context.")
    var steps: Int = 256

    @Option(name: [.customShort("i"), .long], parsing: .unconditional, help: "Prompt.")
    var prompt: String = ""

    @Option(name: [.customShort("m"), .long], help: "generate or chat.")
    var mode: String = "generate"

    @Option(name: [.customShort("y"), .long], parsing: .unconditional, help: "System prompt (chat mode).")
    var system: String?

    @Flag(name: .long, help: "Print one JSON object instead of the text.")
    var json = false

    @Flag(name: .long, help: "Speak the story aloud as it is generated, sentence by sentence.")
    var speak = false

    @OptionGroup(title: "Speech (with --speak)") var speech: SpeechOptions

    func validate() throws {
        if mode != "generate" && mode != "chat" {
            throw ValidationError("-m must be 'generate' or 'chat', got '\(mode)'")
        }
        if temperature.isNaN || topP.isNaN { throw ValidationError("-t and -p must be numbers") }
        if json && mode == "chat" { throw ValidationError("--json works in generate mode only") }
        if speak && mode == "chat" { throw ValidationError("--speak works in generate mode only") }
    }

    func run() throws {
        try reportingErrors {
            // Start speech first: a bad voice fails before the model is loaded.
            var speaker: AlsaStorySpeaker? = nil
            if speak {
                let engine = try SpeechEngine(settings: speech.settings)
                speaker = StorySpeaker(engine: engine, output: AlsaAudioOutput(device: speech.audioDevice))
            }
            let transformer = try model.loadTransformer()
            let tokenizer = try model.loadTokenizer(vocabSize: transformer.config.vocabSize)
            var sampler = Sampler(vocabSize: transformer.config.vocabSize, temperature: temperature,
                                  topP: topP, seed: StoryRun.seedBits(seed))
            if mode == "chat" {
                try ChatSession(transformer: transformer, tokenizer: tokenizer)
                    .run(sampler: &sampler, userPrompt: prompt.isEmpty ? nil : prompt,
                         systemPrompt: system, steps: steps)
                return
            }
            try StoryRun(transformer: transformer, tokenizer: tokenizer, json: json)
                .generate(prompt: prompt, steps: steps, sampler: &sampler, speaker: speaker)
        }
    }
}
