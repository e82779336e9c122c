/// Speech to be recognized: 16-bit mono samples at `RecordedAudio.sampleRate`, from a
/// WAV file (resampled and mixed down as needed) or from the microphone.
public struct RecordedAudio: Equatable, Sendable {
    /// The rate pocketsphinx's acoustic model was trained at.
    public static let sampleRate = 16_000
    /// Rates a WAV file may have (resampled to 16 kHz).
    public static let acceptedRates = 8_000...48_000

    public var samples: [Int16]

    public init(samples: [Int16]) {
        self.samples = samples
    }

    /// How long the audio lasts.
    public var seconds: Double { Double(samples.count) / Double(RecordedAudio.sampleRate) }

    /// Reads a RIFF/WAVE file: PCM (or WAVE_FORMAT_EXTENSIBLE PCM), 16-bit, any number of
    /// channels (averaged), 8-48 kHz (resampled to 16 kHz). Anything else is an error that
    /// says what the file is; so is a file cut short, or one longer than `maximumSeconds`.
    public static func fromWAV(_ bytes: [UInt8], maximumSeconds: Int) throws(ListenError) -> RecordedAudio {
        let format = try WAVFormat.parse(bytes)
        let frameBytes = format.channels * 2
        let frames = format.dataCount / frameBytes
        // A few frames at a higher rate can be less than one sample at 16 kHz: as empty.
        if frames == 0 || Resampler.outputCount(frames, from: format.sampleRate, to: sampleRate) == 0 {
            throw .emptyAudio
        }
        let seconds = Double(frames) / Double(format.sampleRate)
        if seconds > Double(maximumSeconds) { throw .audioTooLong(seconds: seconds, limit: maximumSeconds) }
        var mono = [Int16](repeating: 0, count: frames)
        let channels = format.channels
        for frame in 0..<frames {
            var sum = 0
            let start = format.dataOffset + frame * frameBytes
            for channel in 0..<channels {
                let offset = start + channel * 2
                sum += Int(Int16(bitPattern: UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8))
            }
            mono[frame] = Int16(sum / channels)
        }
        if format.sampleRate == sampleRate { return RecordedAudio(samples: mono) }
        return RecordedAudio(samples: Resampler.resample(mono, from: format.sampleRate, to: sampleRate))
    }
}

/// What a WAV file's header says, checked against the bytes that follow it.
struct WAVFormat {
    let channels: Int
    let sampleRate: Int
    /// Where the samples start, and how many bytes of whole frames there are.
    let dataOffset: Int
    let dataCount: Int

    static func parse(_ bytes: [UInt8]) throws(ListenError) -> WAVFormat {
        if bytes.isEmpty { throw .malformedAudio("the file is empty") }
        guard bytes.count >= 12, has(bytes, 0, "RIFF"), has(bytes, 8, "WAVE") else {
            throw .malformedAudio("it does not start with a RIFF/WAVE header")
        }
        var offset = 12
        var format: (tag: Int, channels: Int, rate: Int, bits: Int)?
        while offset + 8 <= bytes.count {
                        let size = Int(uint32(bytes, offset + 4))
            let body = offset + 8
            if has(bytes, offset, "fmt ") {
                guard size >= 16, body + 16 <= bytes.count else { throw .malformedAudio("its fmt chunk is cut short") }
                var formatTag = Int(uint16(bytes, body))
                // WAVE_FORMAT_EXTENSIBLE: the real format is the sub-format GUID's first two bytes.
                if formatTag == 0xFFFE && size >= 40 && body + 26 <= bytes.count { formatTag = Int(uint16(bytes, body + 24)) }
                format = (formatTag, Int(uint16(bytes, body + 2)), Int(uint32(bytes, body + 4)), Int(uint16(bytes, body + 14)))
            } else if has(bytes, offset, "data") {
                guard let format else { throw .malformedAudio("its data chunk comes before the fmt chunk") }
                guard format.tag == 1 else {
                    throw .unsupportedAudio("WAV format \(format.tag) (\(format.tag == 3 ? "32-bit float" : "compressed")), not PCM")
                }
                guard format.bits == 16 else { throw .unsupportedAudio("\(format.bits)-bit samples, not 16-bit") }
                guard format.channels >= 1 && format.channels <= 8 else {
                    throw .unsupportedAudio("\(format.channels) channels (1 to 8 are mixed down to mono)")
                }
                guard RecordedAudio.acceptedRates.contains(format.rate) else {
                    throw .unsupportedAudio("a sample rate of \(format.rate) Hz (8000 to 48000 Hz are resampled to 16000)")
                }
                // Streaming writers leave the size 0 or 0xFFFFFFFF: the samples run to the end of the file.
                let available = bytes.count - body
                let announced = (size == 0 || size == 0xFFFF_FFFF) ? available : size
                if announced > available {
                    throw .malformedAudio("it is cut short: its data chunk announces \(announced) bytes, \(available) are there")
                }
                let frameBytes = format.channels * 2
                return WAVFormat(channels: format.channels, sampleRate: format.rate, dataOffset: body,
                                 dataCount: announced / frameBytes * frameBytes)
            }
            offset = body + size + (size & 1)   // chunks are padded to an even length
        }
        throw .malformedAudio(format == nil ? "it has no fmt chunk" : "it has no data chunk (cut short?)")
    }

    /// Whether the four bytes at `offset` are the chunk tag `name` (compared as bytes).
    private static func has(_ bytes: [UInt8], _ offset: Int, _ name: String) -> Bool {
        bytes[offset..<offset + 4].elementsEqual(name.utf8)
    }

    private static func uint16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    private static func uint32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }
}
