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
            // run.c reads the seed as unsigned; 0 means "from the clock".
            let seedBits = seed == 0 ? UInt64(UInt32(truncatingIfNeeded: shim_unix_time())) : UInt64(bitPattern: Int64(seed))
            var sampler = Sampler(vocabSize: transformer.config.vocabSize, temperature: temperature,
                                  topP: topP, seed: seedBits)
            if mode == "chat" {
                try ChatSession(transformer: transformer, tokenizer: tokenizer)
                    .run(sampler: &sampler, userPrompt: prompt.isEmpty ? nil : prompt,
                         systemPrompt: system, steps: steps)
                return
            }
            try generate(transformer: transformer, tokenizer: tokenizer, sampler: &sampler, speaker: speaker)
        }
    }

    private func generate(transformer: Transformer, tokenizer: Tokenizer, sampler: inout Sampler,
                          speaker: AlsaStorySpeaker?) throws {
        let promptTokens = tokenizer.encode(prompt, bos: true, eos: false)
        let generator = Generator(transformer: transformer)
        var text: [UInt8] = []
        let result = try generator.generate(promptTokens: promptTokens, steps: steps, sampler: &sampler) { event in
            let piece = tokenizer.printable(previous: event.previous, token: event.token)
            speaker?.append(piece)
            if json {
                text.append(contentsOf: piece)
            } else {
                standardOutput(piece)
            }
            return true
        }
        if !json {
            print("")
            if result.tokens.count > 1 {
                standardError("achieved tok/s: \(fixed(result.runTokensPerSecond, 6))\n")
            }
        }
        // Generation is done; the speaker may still be talking. Wait for it.
        let speech = speaker?.finish()
        if json {
            var fields: [(String, JSONValue)] = [
                ("tokens", .array(result.tokens.map { .int($0) })),
                ("text", .string(String(decoding: text, as: UTF8.self))),
                ("prompt_tokens", .int(result.promptTokenCount)),
                ("tok_per_s", .double(result.runTokensPerSecond)),
            ]
            if let speech { fields.append(("tts_ms", .double(speech.synthesisMilliseconds))) }
            print(JSONValue.object(fields).serialized())
        }
        if let speech {
            standardError("tts ms: \(fixed(speech.synthesisMilliseconds, 1))\n")
        }
    }
}
