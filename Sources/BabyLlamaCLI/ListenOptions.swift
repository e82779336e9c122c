import StoryListening

/// The recognizer options of `listen` and `run --listen`.
struct ListenOptions {
    static let options = [
        OptionSpec("listen-config", value: "DIR",
                   help: "Folder of story.gram, story.dict and decoder.args (default: Config/listen, or listen/ beside this program)."),
        OptionSpec("acoustic-model", value: "DIR",
                   help: "pocketsphinx acoustic model (default: pocketsphinx-model/en-us beside this program, then \(ListenSettings.systemAcousticModel))."),
        OptionSpec("confidence", value: "X",
                   help: "Least confidence, 0-1, to act on what was heard; below it the robot asks again (default \(ListenSettings.defaultConfidenceThreshold))."),
        OptionSpec("max-seconds", value: "N",
                   help: "Longest request, in seconds, recorded or read (default \(ListenSettings.defaultMaximumSeconds))."),
    ]

    /// The settings the options ask for, checked.
    static func settings(_ arguments: ParsedArguments) throws(UsageError) -> ListenSettings {
        var settings = ListenSettings(configDirectory: arguments.value("listen-config") ?? configDirectory(),
                                      acousticModel: arguments.value("acoustic-model") ?? acousticModel())
        settings.confidenceThreshold = Double(try arguments.float("confidence", Float(settings.confidenceThreshold)))
        settings.maximumSeconds = try arguments.integer("max-seconds", settings.maximumSeconds)
        do {
            try settings.validate()
        } catch {
            throw UsageError(error.message)
        }
        return settings
    }

    /// `Config/listen` here, `listen/` beside the executable (the Duo's install), or
    /// `Config/listen` in the executable's folder or up to three above it (a checkout's
    /// `.build/<triple>/release`); `Config/listen` when none has a grammar, so the
    /// error names the usual place.
    static func configDirectory() -> String {
        ExecutableDirectory.shipped(checkoutPath: "Config/listen", besideName: "listen") { fileExists($0 + "/story.gram") }
    }

    /// `pocketsphinx-model/en-us` beside the executable (the Duo's install) when it is
    /// there, else Debian's.
    static func acousticModel() -> String {
        if let directory = ExecutableDirectory.path(), fileExists(directory + "/pocketsphinx-model/en-us/mdef") {
            return directory + "/pocketsphinx-model/en-us"
        }
        return ListenSettings.systemAcousticModel
    }
}
