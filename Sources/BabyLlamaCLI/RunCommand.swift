import LlamaCore
import StoryListening
import StorySpeech
import Support

/// `babyllama run`: run.c's command line — the story on stdout as it is generated,
/// tok/s on stderr — or one JSON object with `--json`; `--speak` reads it aloud.
struct RunCommand: Command {
    static let spec = CommandSpec(
        name: "run",
        abstract: "Generate text from a prompt, as llama2.c's run.c does.",
        positionals: "[CHECKPOINT]",
        notes: [ModelOptions.checkpointNote],
        options: [
            OptionSpec("temperature", short: "t", value: "T", help: "Temperature; 0 is greedy (default 1.0)."),
            OptionSpec("topp", short: "p", value: "P", help: "Top-p (nucleus) sampling; 1 or 0 turns it off (default 0.9)."),
            OptionSpec("seed", short: "s", value: "N", help: "Random seed; 0 seeds from the clock (default 0)."),
            OptionSpec("steps", short: "n", value: "N",
                       help: "Positions to run, prompt included; 0 or less means the whole context (default 256)."),
            OptionSpec("prompt", short: "i", value: "TEXT", help: "Prompt (default: none, the story starts from BOS)."),
            OptionSpec("mode", short: "m", value: "generate|chat", help: "generate (default) or chat (run.c's chat loop)."),
            OptionSpec("system", short: "y", value: "TEXT", help: "System prompt (chat mode)."),
            .flag("json", help: "Print one JSON object {tokens, text, prompt_tokens, tok_per_s} instead of the text."),
            .flag("speak", help: "Speak the story aloud as it is generated, sentence by sentence."),
            .flag("listen", help: "Hear the request (a child asking for a story) and tell the story it asks for."),
            OptionSpec("listen-in", value: "FILE.wav", help: "With --listen: hear a WAV file instead of the microphone."),
            OptionSpec("capture-device", value: "NAME", help: "With --listen: ALSA capture device (default: default)."),
        ] + ModelOptions.options + SpeechOptions.options + ListenOptions.options)

    let model: ModelOptions
    let temperature: Float
    let topP: Float
    let seed: Int
    let steps: Int
    let prompt: String
    let json: Bool
    /// The voice with `--speak`, nil without.
    let speech: SpeechSettings?
    /// `-m chat`: run.c's chat loop.
    let chat: Bool
    let systemPrompt: String?
    /// Where `--listen` hears the request; nil without it.
    let listener: RequestListener?

    init(_ arguments: ParsedArguments) throws(UsageError) {
        model = try ModelOptions(arguments)
        temperature = try arguments.float("temperature", 1.0)
        topP = try arguments.float("topp", 0.9)
        seed = try arguments.integer("seed", 0)
        steps = try arguments.integer("steps", 256)
        prompt = arguments.value("prompt") ?? ""
        chat = try arguments.choice("mode", "generate", ["generate", "chat"]) == "chat"
        systemPrompt = arguments.value("system")
        json = arguments.has("json")
        if json && chat { throw UsageError("--json works in generate mode only") }
        if arguments.has("speak") && chat { throw UsageError("--speak works in generate mode only") }
        speech = arguments.has("speak") ? try SpeechOptions.settings(arguments) : nil
        if arguments.has("listen") {
            if arguments.value("prompt") != nil { throw UsageError("--listen hears the prompt: give --listen or --prompt, not both") }
            if chat { throw UsageError("--listen works in generate mode only") }
            if arguments.value("listen-in") != nil && arguments.value("capture-device") != nil {
                throw UsageError("--listen-in and --capture-device exclude each other")
            }
            listener = RequestListener(settings: try ListenOptions.settings(arguments), input: arguments.value("listen-in"),
                                       device: arguments.value("capture-device") ?? "default")
        } else {
            if arguments.value("listen-in") != nil || arguments.value("capture-device") != nil {
                throw UsageError("--listen-in and --capture-device need --listen")
            }
            listener = nil
        }
    }

    /// Times the microphone is tried when the robot did not understand.
    static let listenAttempts = 3

    func run() -> Int32 {
        // Start speech first: a bad voice fails before the model is loaded.
        var speaker: AlsaStorySpeaker? = nil
        var voice: SpeechEngine? = nil
        if let speech {
            do {
                let engine = try SpeechEngine(settings: speech)
                voice = engine
                speaker = StorySpeaker(engine: engine, output: AlsaAudioOutput(device: speech.audioDevice))
            } catch {
                return failure(error.message)
            }
        }
        var prompt = self.prompt
        var heard: Recognition? = nil
        if let listener {
            do {
                heard = try hear(listener, voice: voice)
            } catch {
                return failure(error.message)
            }
            prompt = heard!.prompt
        }
        do {
            try generate(prompt: prompt, heard: heard, speaker: speaker)
        } catch {
            return failure(error.message)
        }
        return 0
    }

    /// The request, heard: from the microphone the robot asks again (aloud with
    /// `--speak`) up to `listenAttempts` times; a file is heard once, and a request not
    /// understood starts the story with the generic opening.
    private func hear(_ listener: RequestListener, voice: SpeechEngine?) throws(ListenError) -> Recognition {
        let recognizer = try SpeechRecognizer(settings: listener.settings)
        var attempt = 1
        while true {
            if listener.input == nil { StandardError.writeLine("listening... (ask for a story)") }
            let recognition = try recognizer.recognize(try listener.audio())
            StandardError.writeLine("heard: \"\(recognition.text)\" (confidence "
                                    + "\(FixedDecimal.format(recognition.confidence, decimals: 2)), "
                                    + "stt ms: \(FixedDecimal.format(recognition.sttMilliseconds, decimals: 1)))")
            if recognition.understood || listener.input != nil || attempt == RunCommand.listenAttempts {
                if !recognition.understood {
                    StandardError.writeLine(RequestListener.notUnderstood(recognition) + "; telling a story anyway")
                }
                return recognition
            }
            StandardError.writeLine(RequestListener.askAgain(recognition))
            // Said whole, before the next recording (the story's speaker is not started yet).
            if let voice, let speech, let question = try? voice.synthesize("I did not catch that. Please ask me again.") {
                try? AlsaAudioOutput(device: speech.audioDevice).play(question)
            }
            attempt += 1
        }
    }

    private func generate(prompt: String, heard: Recognition?, speaker: AlsaStorySpeaker?) throws(LlamaError) {
        // Caches hold the positions `-n` asks for, not the header's whole context: a story's
        // is made as it starts; chat feeds the transformer's own, sized here.
        let steps = self.steps, chat = self.chat
        let transformer = try model.loadTransformer { config in
            chat ? (steps <= 0 ? config.seqLen : steps) : 0
        }
        let vocabSize = transformer.config.vocabSize
        let tokenizer = try model.loadTokenizer(vocabSize: vocabSize)
        var sampler = Sampler(vocabSize: vocabSize, temperature: temperature, topP: topP,
                              seed: StoryRun.seedBits(seed))
        if chat {
            try ChatSession(transformer: transformer, tokenizer: tokenizer)
                .run(sampler: &sampler, userPrompt: prompt.isEmpty ? nil : prompt,
                     systemPrompt: systemPrompt, steps: steps)
        } else {
            try StoryRun(transformer: transformer, tokenizer: tokenizer, json: json)
                .generate(prompt: prompt, steps: steps, sampler: &sampler, speaker: speaker, heard: heard)
        }
    }
}
