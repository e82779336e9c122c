import StorySpeech

/// `babyllama say`: speaks text on the audio device, or writes it as a WAV file
/// (the host's SayCommand). alsa-lib is linked in; without a sound card (the Duo
/// 64M has no audio pins) `say` without `--out` fails with one line saying so.
struct SayTool {
    static let usage = "usage: babyllama say TEXT [--out FILE.wav] \(SpeechFlags.usage)   (TEXT '-' reads stdin)"

    static let options = [OptionSpec("out")] + SpeechFlags.options

    let text: String
    let out: String?
    let settings: SpeechSettings

    init(_ arguments: ArraySlice<String>) throws(UsageError) {
        let parsed = try ParsedArguments(arguments, options: SayTool.options)
        text = try parsed.onlyPositional("TEXT")
        out = parsed.value("out")
        settings = try SpeechFlags.settings(parsed)
    }

    /// Speaks; returns the exit status.
    func run() -> Int32 {
        guard let message = SayRun.say(text, out: out, settings: settings) else { return 0 }
        return failure(message)
    }
}
