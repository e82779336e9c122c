import CPosix
import StorySpeech

/// The voice options of `say` and `run --speak`.
struct SpeechOptions {
    static let options = [
        OptionSpec("voice", value: "NAME", help: "espeak-ng voice, e.g. en-us, en-gb, en-us+f3 (default en-us)."),
        OptionSpec("rate", value: "WPM", help: "Speaking rate in words per minute, 80-450 (default 175)."),
        OptionSpec("volume", value: "N", help: "Volume, 0-200 (default 100)."),
        OptionSpec("audio-device", value: "NAME", help: "ALSA playback device (default: default; e.g. plughw:0,0)."),
        OptionSpec("espeak-data", value: "DIR",
                   help: "espeak-ng-data directory (default: beside this program, then searched)."),
    ]

    /// The settings the options ask for, checked.
    static func settings(_ arguments: ParsedArguments) throws(UsageError) -> SpeechSettings {
        let defaults = SpeechSettings()
        let settings = SpeechSettings(
            voice: arguments.value("voice") ?? defaults.voice,
            rate: try arguments.integer("rate", defaults.rate),
            volume: try arguments.integer("volume", defaults.volume),
            audioDevice: arguments.value("audio-device") ?? defaults.audioDevice,
            dataPath: arguments.value("espeak-data") ?? dataBesideExecutable())
        do {
            try settings.validate()
        } catch {
            throw UsageError(error.message)
        }
        return settings
    }

    /// `<directory of this program>/espeak-ng-data` when it holds the data (where the
    /// Duo's build and install put it), else nil: searched in the usual places.
    static func dataBesideExecutable() -> String? {
        guard let directory = ExecutableDirectory.path() else { return nil }
        let candidate = directory + "/espeak-ng-data"
        return fileExists(candidate + "/phontab") ? candidate : nil
    }
}
