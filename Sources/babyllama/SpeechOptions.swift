import ArgumentParser
import StorySpeech

/// Voice options shared by `say` and `run --speak`.
struct SpeechOptions: ParsableArguments {
    @Option(name: .long, help: "espeak-ng voice, e.g. en-us, en-gb, en-us+f3.")
    var voice: String = SpeechSettings().voice

    @Option(name: .long, help: "Speaking rate in words per minute (80-450).")
    var rate: Int = SpeechSettings().rate

    @Option(name: .long, help: "Volume, 0-200 (100 is normal).")
    var volume: Int = SpeechSettings().volume

    @Option(name: .customLong("audio-device"), help: "ALSA playback device (e.g. default, plughw:0,0).")
    var audioDevice: String = SpeechSettings().audioDevice

    @Option(name: .customLong("espeak-data"), help: "espeak-ng-data directory (default: searched).")
    var espeakData: String?

    var settings: SpeechSettings {
        SpeechSettings(voice: voice, rate: rate, volume: volume, audioDevice: audioDevice, dataPath: espeakData)
    }

    func validate() throws {
        do {
            try settings.validate()
        } catch {
            throw ValidationError(error.message)
        }
    }
}
