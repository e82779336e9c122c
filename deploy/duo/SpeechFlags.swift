import CShim
import StorySpeech

/// The voice options `say` and `run --speak` share with the host CLI's
/// SpeechOptions. The espeak-ng data defaults to the `espeak-ng-data` directory
/// beside the executable (where deploy/duo/build.sh and install.sh put it).
enum SpeechFlags {
    static let options = [OptionSpec("voice"), OptionSpec("rate"), OptionSpec("volume"),
                          OptionSpec("audio-device"), OptionSpec("espeak-data")]

    static let usage = "[--voice NAME] [--rate WPM] [--volume 0-200] [--audio-device NAME] [--espeak-data DIR]"

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

    /// `<directory of /proc/self/exe>/espeak-ng-data` when it exists, else nil (searched).
    static func dataBesideExecutable() -> String? {
        guard let directory = ExecutableDirectory.path() else { return nil }
        let candidate = directory + "/espeak-ng-data"
        return fileExists(candidate + "/phontab") ? candidate : nil
    }
}
