import Foundation

/// A 16-bit mono PCM WAV with the canonical 44-byte header, read independently of
/// the project's encoder; anything else is a `FixtureError` naming the bad field.
public struct WAVFile {
    public var sampleRate: Int
    /// The data chunk's size as its header gives it.
    public var dataSize: Int
    public var samples: [Int16]

    /// Speech is well above this RMS at volume 100 (espeak-ng gives ~2500); silence
    /// or near-silence is below it.
    public static let speechRMSFloor = 500.0

    public init(_ data: Data) throws {
        try self.init(bytes: [UInt8](data))
    }

    /// A WAV sent as it was synthesized (`GET /v1/speak`): its header's sizes are the
    /// placeholder 0x7FFFF000 (and 36 more for RIFF), the data runs to the end.
    public init(streamed data: Data) throws {
        try self.init(bytes: [UInt8](data), streamed: true)
    }

    public init(bytes: [UInt8], streamed: Bool = false) throws {
        guard bytes.count >= 44 else { throw FixtureError("WAV is \(bytes.count) bytes, shorter than its header") }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func tag(_ at: Int) -> String { String(decoding: bytes[at..<at + 4], as: UTF8.self) }
        sampleRate = u32(24)
        dataSize = u32(40)
        let fields: [(String, Bool)] = [
            ("RIFF tag", tag(0) == "RIFF"), ("RIFF size", u32(4) == (streamed ? 0x7FFF_F000 + 36 : bytes.count - 8)),
            ("WAVE tag", tag(8) == "WAVE"),
            ("fmt tag", tag(12) == "fmt "), ("PCM fmt chunk size", u32(16) == 16), ("integer PCM", u16(20) == 1),
            ("mono", u16(22) == 1), ("byte rate", u32(28) == sampleRate * 2), ("block align", u16(32) == 2),
            ("16 bits per sample", u16(34) == 16), ("data tag", tag(36) == "data"),
            ("data size", dataSize == (streamed ? 0x7FFF_F000 : bytes.count - 44)),
            ("whole samples", (bytes.count - 44) % 2 == 0),
        ]
        if let bad = fields.first(where: { !$0.1 }) { throw FixtureError("WAV: wrong \(bad.0)") }
        samples = stride(from: 44, to: bytes.count - 1, by: 2).map { Int16(truncatingIfNeeded: u16($0)) }
    }

    /// Root-mean-square amplitude of the samples.
    public var rms: Double { WAVFile.rms(samples) }

    public var seconds: Double { Double(samples.count) / Double(sampleRate) }

    /// Root-mean-square amplitude of 16-bit samples.
    public static func rms(_ samples: [Int16]) -> Double {
        if samples.isEmpty { return 0 }
        var sum = 0.0
        for sample in samples { sum += Double(sample) * Double(sample) }
        return (sum / Double(samples.count)).squareRoot()
    }
}

/// WAV files of any layout, written byte by byte for the reader's tests (the
/// project's own encoder writes only 16-bit mono).
public enum WAVBuilder {
    /// A RIFF/WAVE file: a `fmt ` chunk with these fields, optional extra chunks before
    /// the data, and `data` as given; `dataSize` overrides the data chunk's size field.
    public static func file(formatTag: Int = 1, channels: Int = 1, sampleRate: Int = 16_000, bits: Int = 16,
                            data: [UInt8], dataSize: Int? = nil, extraChunks: [(String, [UInt8])] = []) -> [UInt8] {
        var out: [UInt8] = []
        func u16(_ value: Int) { out += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
        func u32(_ value: Int) { u16(value & 0xFFFF); u16(value >> 16 & 0xFFFF) }
        func tag(_ text: String) { out += Array(text.utf8) }
        tag("RIFF"); u32(0); tag("WAVE")
        tag("fmt "); u32(16); u16(formatTag); u16(channels); u32(sampleRate)
        u32(sampleRate * channels * bits / 8); u16(channels * bits / 8); u16(bits)
        for (name, body) in extraChunks {
            tag(name); u32(body.count); out += body
            if body.count % 2 == 1 { out.append(0) }
        }
        tag("data"); u32(dataSize ?? data.count); out += data
        let riffSize = out.count - 8
        out[4] = UInt8(riffSize & 0xFF); out[5] = UInt8(riffSize >> 8 & 0xFF)
        out[6] = UInt8(riffSize >> 16 & 0xFF); out[7] = UInt8(riffSize >> 24 & 0xFF)
        return out
    }

    /// 16-bit little-endian bytes of interleaved samples.
    public static func bytes(_ samples: [Int16]) -> [UInt8] {
        samples.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
    }

    /// A sine tone.
    public static func tone(frequency: Double, sampleRate: Int, seconds: Double, amplitude: Double = 8_000) -> [Int16] {
        (0..<Int(Double(sampleRate) * seconds)).map {
            Int16(amplitude * sin(2 * Double.pi * frequency * Double($0) / Double(sampleRate)))
        }
    }
}
