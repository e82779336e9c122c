/// Writes 16-bit mono PCM as a canonical 44-byte-header RIFF/WAVE file.
public enum WAVEncoder {
    /// Size of the header `encode` writes before the samples.
    public static let headerByteCount = 44
    /// The most samples a WAV file can hold (its sizes are 32-bit).
    public static let maximumSampleCount = (Int(UInt32.max) - headerByteCount) / 2

    /// The bytes of a WAV file holding `samples` (16-bit signed, mono) at `sampleRate` Hz.
    /// `samples.count` must not exceed `maximumSampleCount` (speech is bounded far
    /// below it by `SpeechSettings.maximumTextBytes`).
    public static func encode<Samples: Collection<Int16>>(samples: Samples, sampleRate: Int) -> [UInt8] {
        precondition(samples.count <= maximumSampleCount, "too many samples for a WAV file")
        var bytes = header(sampleRate: sampleRate, dataBytes: UInt32(samples.count * 2))
        bytes.reserveCapacity(headerByteCount + samples.count * 2)
        appendSamples(&bytes, samples)
        return bytes
    }

    /// The data size a streamed WAV's header gives (and its RIFF size, less 36): the
    /// length is not known when the header is sent, so, as `espeak-ng --stdout` does,
    /// a large placeholder stands for "read to the end of the stream".
    public static let streamedDataSize: UInt32 = 0x7FFF_F000

    /// The 44-byte header of a WAV file whose data chunk is `dataBytes` long.
    public static func header(sampleRate: Int, dataBytes: UInt32) -> [UInt8] {
        precondition(sampleRate > 0 && sampleRate <= Int(UInt32.max) / 2, "invalid sample rate")
        precondition(dataBytes <= UInt32.max - 36, "too many samples for a WAV file")
        let channels = 1
        let bytesPerSample = 2
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headerByteCount)
        bytes.append(contentsOf: "RIFF".utf8)
        appendUInt32(&bytes, 36 + dataBytes)                    // size of everything after this field
        bytes.append(contentsOf: "WAVE".utf8)
        bytes.append(contentsOf: "fmt ".utf8)
        appendUInt32(&bytes, 16)                                // PCM format chunk size
        appendUInt16(&bytes, 1)                                 // format 1: integer PCM
        appendUInt16(&bytes, UInt16(channels))
        appendUInt32(&bytes, UInt32(sampleRate))
        appendUInt32(&bytes, UInt32(sampleRate * channels * bytesPerSample))   // byte rate
        appendUInt16(&bytes, UInt16(channels * bytesPerSample))                // block align
        appendUInt16(&bytes, UInt16(bytesPerSample * 8))                       // bits per sample
        bytes.append(contentsOf: "data".utf8)
        appendUInt32(&bytes, dataBytes)
        return bytes
    }

    /// Appends `samples` as WAV data: 16-bit little-endian.
    public static func appendSamples<Samples: Collection<Int16>>(_ bytes: inout [UInt8], _ samples: Samples) {
        for sample in samples {
            let bits = UInt16(bitPattern: sample)
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
        }
    }

    private static func appendUInt16(_ bytes: inout [UInt8], _ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    private static func appendUInt32(_ bytes: inout [UInt8], _ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }
}
