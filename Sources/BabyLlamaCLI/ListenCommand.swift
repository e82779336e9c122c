import Support
import StoryListening

/// `babyllama listen`: hears one spoken story request, from a WAV file or the
/// microphone, and prints what it heard — the words on stdout (and what the robot
/// understood on stderr), or one JSON object with `--json`.
struct ListenCommand: Command {
    static let spec = CommandSpec(
        name: "listen",
        abstract: "Hear a spoken story request (pocketsphinx) and print what was heard.",
        notes: ["Without --in, records from the microphone until the speaker stops.",
                "Exit status 0 when the request was understood, 3 when the robot would ask again."],
        options: [
            OptionSpec("in", value: "FILE.wav", help: "Read a WAV file (16-bit PCM; 16 kHz mono best) instead of recording."),
            OptionSpec("audio-device", value: "NAME", help: "ALSA capture device (default: default; e.g. plughw:0,0)."),
            .flag("json", help: "Print {text, understood, confidence, request, stt_ms, audio_ms}."),
        ] + ListenOptions.options)

    let input: String?
    let device: String
    let json: Bool
    let settings: ListenSettings

    init(_ arguments: ParsedArguments) throws(UsageError) {
        try arguments.noPositionals()
        input = arguments.value("in")
        device = arguments.value("audio-device") ?? "default"
        if input != nil && arguments.value("audio-device") != nil { throw UsageError("--in and --audio-device exclude each other") }
        json = arguments.has("json")
        settings = try ListenOptions.settings(arguments)
    }

    /// Exit status when the request was heard but not understood well enough.
    static let askAgainStatus: Int32 = 3

    func run() -> Int32 {
        let recognition: Recognition
        do {
            recognition = try RequestListener(settings: settings, input: input, device: device).listen()
        } catch {
            return failure(error.message)
        }
        if json {
            standardOutput(recognition.json.serialized() + [UInt8(ascii: "\n")])
        } else {
            standardOutput(Array((recognition.text + "\n").utf8))
            StandardError.writeLine(recognition.understood ? "understood: \(recognition.request.opening)"
                                                           : RequestListener.askAgain(recognition))
            StandardError.writeLine("stt ms: \(FixedDecimal.format(recognition.sttMilliseconds, decimals: 1))")
        }
        return recognition.understood ? 0 : ListenCommand.askAgainStatus
    }
}

/// One request heard: the recognizer and where the audio comes from, shared by
/// `listen` and `run --listen`.
struct RequestListener {
    let settings: ListenSettings
    /// A WAV file, or nil for the microphone.
    let input: String?
    let device: String

    /// Reads or records the audio and recognizes it.
    func listen() throws(ListenError) -> Recognition {
        let recognizer = try SpeechRecognizer(settings: settings)
        return try recognizer.recognize(try audio())
    }

    func audio() throws(ListenError) -> RecordedAudio {
        guard let input else {
            return try AlsaRecorder(device: device, maximumSeconds: settings.maximumSeconds).record()
        }
        let bytes: [UInt8]
        do {
            bytes = try FileContents.read(input, limit: settings.maximumWAVBytes * 6)   // 48 kHz stereo may be 6x
        } catch {
            throw .malformedAudio(error.message)
        }
        return try RecordedAudio.fromWAV(bytes, maximumSeconds: settings.maximumSeconds)
    }

    /// The line that says the robot did not understand, and what it heard.
    static func notUnderstood(_ recognition: Recognition) -> String {
        if recognition.text.isEmpty { return "not understood: nothing was heard" }
        let reason = recognition.request.isUnderstood
            ? "not sure enough (confidence \(FixedDecimal.format(recognition.confidence, decimals: 2)))"
            : "no character the grammar knows"
        return "not understood: heard \"\(recognition.text)\", \(reason)"
    }

    /// `notUnderstood`, asking again.
    static func askAgain(_ recognition: Recognition) -> String {
        notUnderstood(recognition) + "; please ask again"
    }
}
