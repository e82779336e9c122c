import CShim
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
        guard parsed.positionals.count == 1 else {
            throw UsageError(parsed.positionals.isEmpty ? "missing TEXT" : "unexpected argument '\(parsed.positionals[1])'")
        }
        text = parsed.positionals[0]
        out = parsed.value("out")
        settings = try SpeechFlags.settings(parsed)
    }

    /// Speaks; returns the exit status.
    func run() -> Int32 {
        let audio: SpeechAudio
        do {
            let engine = try SpeechEngine(settings: settings)
            let words = same(text, "-") ? String(decoding: readStandardInput(), as: UTF8.self) : text
            audio = try engine.synthesize(words)
        } catch {
            return failure(error.message)
        }
        if let out {
            if !writeFile(out, audio.wavBytes()) {
                return failure("cannot write '\(out)': \(String(cString: strerror(shim_errno())))")
            }
        } else {
            do {
                try play(audio)
            } catch {
                return failure("\(error.message) (--out FILE.wav saves the speech instead)")
            }
        }
        standardError("tts ms: \(fixed(audio.synthesisMilliseconds, 1))\n")
        return 0
    }

    private func play(_ audio: SpeechAudio) throws(SpeechError) {
        let output = AlsaAudioOutput(device: settings.audioDevice)
        try output.open(sampleRate: audio.sampleRate)
        defer { output.close() }
        try audio.samples.withUnsafeBufferPointer { samples throws(SpeechError) in try output.write(samples) }
        output.drain()
    }
}
