import CShim
import StorySpeech

/// `say`, the same on the host and on the Duo (deploy/duo/build.sh compiles this
/// file into the Duo's entry point; it is Embedded-Swift clean): speaks the text
/// on the audio device, or writes it as a WAV file, and reports `tts ms` on stderr.
enum SayRun {
    /// Speaks `text` ('-' reads stdin) on `settings.audioDevice`, or writes it to
    /// `out` as WAV. Returns the one-line error message on failure, nil on success.
    static func say(_ text: String, out: String?, settings: SpeechSettings) -> String? {
        let audio: SpeechAudio
        do {
            let engine = try SpeechEngine(settings: settings)
            let fromStandardInput = text.utf8.elementsEqual("-".utf8)
            audio = try engine.synthesize(fromStandardInput ? String(decoding: readStandardInput(), as: UTF8.self) : text)
        } catch {
            return error.message
        }
        if let out {
            if !writeFile(out, audio.wavBytes()) {
                return "cannot write '\(out)': \(String(cString: strerror(shim_errno())))"
            }
        } else {
            do {
                try AlsaAudioOutput(device: settings.audioDevice).play(audio)
            } catch {
                return "\(error.message) (--out FILE.wav saves the speech instead)"
            }
        }
        standardError("tts ms: \(fixed(audio.synthesisMilliseconds, 1))\n")
        return nil
    }
}
