/// Where listening finds its files and how sure it must be.
///
/// The grammar, dictionary and decoder settings live in one folder (`Config/listen`
/// in a checkout, `listen/` beside the Duo's binary), which a parent edits; the
/// acoustic model is pocketsphinx's US English one (Debian's `pocketsphinx-en-us`,
/// or `pocketsphinx-model/en-us` beside the Duo's binary).
public struct ListenSettings: Equatable, Sendable {
    /// The folder of `story.gram`, `story.dict` and `decoder.args`.
    public var configDirectory: String
    /// pocketsphinx's acoustic model folder (mdef, means, variances...).
    public var acousticModel: String
    /// A hypothesis less sure than this (0...1) is not acted on: the robot asks again.
    public var confidenceThreshold: Double
    /// The longest request accepted, in seconds (a WAV file, a recording, an upload).
    public var maximumSeconds: Int

    /// Debian's acoustic model.
    public static let systemAcousticModel = "/usr/share/pocketsphinx/model/en-us/en-us"
    public static let defaultConfidenceThreshold = 0.5
    public static let defaultMaximumSeconds = 20
    public static let secondsRange = 1...120

    public init(configDirectory: String = "Config/listen", acousticModel: String = ListenSettings.systemAcousticModel,
                confidenceThreshold: Double = ListenSettings.defaultConfidenceThreshold,
                maximumSeconds: Int = ListenSettings.defaultMaximumSeconds) {
        self.configDirectory = configDirectory
        self.acousticModel = acousticModel
        self.confidenceThreshold = confidenceThreshold
        self.maximumSeconds = maximumSeconds
    }

    public var grammarPath: String { configDirectory + "/story.gram" }
    public var dictionaryPath: String { configDirectory + "/story.dict" }
    public var decoderArgumentsPath: String { configDirectory + "/decoder.args" }

    /// The most bytes a 16 kHz, 16-bit mono WAV of `maximumSeconds` takes, with room for
    /// a header: what an upload of one may be.
    public var maximumWAVBytes: Int { maximumSeconds * RecordedAudio.sampleRate * 2 + 4096 }

    /// Checks the numbers (the files are checked when the recognizer opens them).
    public func validate() throws(ListenError) {
        if !(confidenceThreshold >= 0 && confidenceThreshold <= 1) {
            throw .invalidSetting("the confidence threshold must be from 0 to 1, got \(confidenceThreshold)")
        }
        if !ListenSettings.secondsRange.contains(maximumSeconds) {
            throw .invalidSetting("the longest request must be \(ListenSettings.secondsRange.lowerBound) to "
                                  + "\(ListenSettings.secondsRange.upperBound) seconds, got \(maximumSeconds)")
        }
    }
}
