/// The `"speech"` section of the configuration: how stories are read aloud
/// (espeak-ng voice, words per minute, volume). Speech itself lives in the
/// StorySpeech target; the service only carries these settings for it.
public struct SpeechSettings: Equatable, Sendable {
    /// Whether the service offers speech at all.
    public var enabled = false
    /// espeak-ng voice name.
    public var voice = "en-us"
    /// Words per minute (espeak-ng accepts 80 to 450).
    public var rate = 175
    /// Volume in percent (espeak-ng accepts 0 to 200).
    public var volume = 100

    public init(enabled: Bool = false, voice: String = "en-us", rate: Int = 175, volume: Int = 100) {
        self.enabled = enabled
        self.voice = voice
        self.rate = rate
        self.volume = volume
    }
}
