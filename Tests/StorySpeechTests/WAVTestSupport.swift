import Foundation
import XCTest

/// A WAV file's header fields and samples, read independently of `WAVEncoder`.
struct ParsedWAV {
    var riffSize: UInt32
    var formatTag: UInt16
    var channels: UInt16
    var sampleRate: UInt32
    var byteRate: UInt32
    var blockAlign: UInt16
    var bitsPerSample: UInt16
    var dataSize: UInt32
    var samples: [Int16]

    /// Parses a canonical 44-byte-header PCM WAV; fails the test on anything else.
    init(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws {
        func u16(_ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> UInt32 { UInt32(u16(at)) | UInt32(u16(at + 2)) << 16 }
        func tag(_ at: Int) -> String { String(decoding: bytes[at..<at + 4], as: UTF8.self) }
        guard bytes.count >= 44 else {
            XCTFail("WAV is \(bytes.count) bytes, shorter than its header", file: file, line: line)
            throw CocoaError(.fileReadCorruptFile)
        }
        XCTAssertEqual(tag(0), "RIFF", file: file, line: line)
        XCTAssertEqual(tag(8), "WAVE", file: file, line: line)
        XCTAssertEqual(tag(12), "fmt ", file: file, line: line)
        XCTAssertEqual(u32(16), 16, "PCM fmt chunk size", file: file, line: line)
        XCTAssertEqual(tag(36), "data", file: file, line: line)
        riffSize = u32(4)
        formatTag = u16(20)
        channels = u16(22)
        sampleRate = u32(24)
        byteRate = u32(28)
        blockAlign = u16(32)
        bitsPerSample = u16(34)
        dataSize = u32(40)
        XCTAssertEqual(Int(dataSize), bytes.count - 44, "data size matches the file", file: file, line: line)
        XCTAssertEqual(Int(riffSize), bytes.count - 8, "RIFF size matches the file", file: file, line: line)
        samples = stride(from: 44, to: bytes.count - 1, by: 2).map { Int16(bitPattern: u16($0)) }
    }

    /// Checks the fields every speech WAV has: PCM, mono, 16-bit, consistent rates.
    func assertSpeechFormat(sampleRate expected: Int, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(formatTag, 1, "integer PCM", file: file, line: line)
        XCTAssertEqual(channels, 1, "mono", file: file, line: line)
        XCTAssertEqual(bitsPerSample, 16, file: file, line: line)
        XCTAssertEqual(Int(sampleRate), expected, file: file, line: line)
        XCTAssertEqual(byteRate, sampleRate * 2, file: file, line: line)
        XCTAssertEqual(blockAlign, 2, file: file, line: line)
    }
}

/// Root-mean-square amplitude of 16-bit samples.
func rms(_ samples: [Int16]) -> Double {
    if samples.isEmpty { return 0 }
    var sum = 0.0
    for sample in samples { sum += Double(sample) * Double(sample) }
    return (sum / Double(samples.count)).squareRoot()
}

/// Speech is well above this RMS at volume 100 (espeak-ng gives ~2500); silence or
/// near-silence is below it.
let speechRMSFloor = 500.0
