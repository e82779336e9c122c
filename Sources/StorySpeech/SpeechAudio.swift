import Support
/// Synthesized speech: 16-bit mono PCM samples and how long making them took.
public struct SpeechAudio: Equatable, Sendable {
    /// Signed 16-bit samples, one channel.
    public var samples: [Int16]
    /// Samples per second (espeak-ng's is 22050).
    public let sampleRate: Int
    /// Time spent inside the synthesizer (text-to-speech time, apart from generation).
    public var synthesisNanoseconds: UInt64

    public init(samples: [Int16], sampleRate: Int, synthesisNanoseconds: UInt64) {
        self.samples = samples
        self.sampleRate = sampleRate
        self.synthesisNanoseconds = synthesisNanoseconds
    }

    /// How long the audio plays, in milliseconds.
    public var durationMilliseconds: Int {
        sampleRate > 0 ? samples.count * 1000 / sampleRate : 0
    }

    /// Text-to-speech time in milliseconds.
    public var synthesisMilliseconds: Double { Double(synthesisNanoseconds) / 1_000_000 }

    /// The audio as the bytes of a WAV file.
    public func wavBytes() -> [UInt8] {
        WAVEncoder.encode(samples: samples, sampleRate: sampleRate)
    }

    /// The audio as a base64-encoded WAV file (the API's `"audio": {"data": ...}`).
    public func base64WAV() -> String {
        Base64.encode(wavBytes())
    }

    /// Appends `other`'s samples and synthesis time (same sample rate).
    public mutating func append(_ other: SpeechAudio) {
        precondition(other.sampleRate == sampleRate, "cannot join audio of different sample rates")
        samples.append(contentsOf: other.samples)
        synthesisNanoseconds += other.synthesisNanoseconds
    }
}
