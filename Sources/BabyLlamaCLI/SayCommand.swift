import CPosix
import StorySpeech
import Support

/// `babyllama say`: speaks text on the audio device, or writes it as a WAV file, and
/// reports `tts ms` on stderr. Without a sound card (the Duo 64M has no audio pins)
/// `say` without `--out` fails with one line saying so.
struct SayCommand: Command {
    static let spec = CommandSpec(
        name: "say",
        abstract: "Speak text with espeak-ng, or write it to a 16-bit mono WAV file.",
        positionals: "TEXT",
        notes: ["TEXT: what to say; '-' reads standard input."],
        options: [OptionSpec("out", value: "FILE.wav", help: "Write a WAV file instead of playing.")]
            + SpeechOptions.options)

    let text: String
    let out: String?
    let settings: SpeechSettings

    init(_ arguments: ParsedArguments) throws(UsageError) {
        text = try arguments.onlyPositional("TEXT")
        out = arguments.value("out")
        settings = try SpeechOptions.settings(arguments)
    }

    func run() -> Int32 {
        let audio: SpeechAudio
        do {
            let engine = try SpeechEngine(settings: settings)
            let fromStandardInput = same(text, "-")
            audio = try engine.synthesize(fromStandardInput ? String(decoding: readStandardInput(), as: UTF8.self) : text)
        } catch {
            return failure(error.message)
        }
        if let out {
            if !writeFile(out, audio.wavBytes()) {
                return failure("cannot write '\(out)': \(String(cString: strerror(shim_errno())))")
            }
        } else {
            do {
                try AlsaAudioOutput(device: settings.audioDevice).play(audio)
            } catch {
                return failure("\(error.message) (--out FILE.wav saves the speech instead)")
            }
        }
        StandardError.writeLine("tts ms: \(FixedDecimal.format(audio.synthesisMilliseconds, decimals: 1))")
        return 0
    }
}
