/// What a `StorySpeaker` did for one story.
public struct SpeechSummary: Equatable, Sendable {
    /// Sentences synthesized.
    public var sentenceCount: Int
    /// Sentences espeak-ng failed on (they were skipped, with one warning).
    public var failedSentenceCount: Int
    /// Text-to-speech time: synthesis only, apart from generation and playback.
    public var synthesisNanoseconds: UInt64
    /// Samples synthesized.
    public var sampleCount: Int
    /// Samples per second.
    public var sampleRate: Int
    /// True if the audio output worked to the end (false without an output, when
    /// it could not be opened or failed, or when speech was cancelled).
    public var played: Bool
    /// The warnings given (at most one about audio and one about synthesis).
    public var warnings: [String]
    /// All the story's audio, when the speaker was asked to collect it.
    public var audio: SpeechAudio?

    public init(sentenceCount: Int, failedSentenceCount: Int, synthesisNanoseconds: UInt64, sampleCount: Int,
                sampleRate: Int, played: Bool, warnings: [String], audio: SpeechAudio?) {
        self.sentenceCount = sentenceCount
        self.failedSentenceCount = failedSentenceCount
        self.synthesisNanoseconds = synthesisNanoseconds
        self.sampleCount = sampleCount
        self.sampleRate = sampleRate
        self.played = played
        self.warnings = warnings
        self.audio = audio
    }

    /// Text-to-speech time in milliseconds (`timing.tts_ms`).
    public var synthesisMilliseconds: Double { Double(synthesisNanoseconds) / 1_000_000 }

    /// Length of the synthesized speech in milliseconds.
    public var audioMilliseconds: Int { sampleRate > 0 ? sampleCount * 1000 / sampleRate : 0 }
}
