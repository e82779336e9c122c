import StorySpeech
import Support
import TestSupport
import XCTest

final class WAVEncoderTests: XCTestCase {
    func testHeaderBytesForKnownSamples() {
        let bytes = WAVEncoder.encode(samples: [0, 1, -1, Int16.max, Int16.min], sampleRate: 22050)
        let expectedHeader: [UInt8] = [
            0x52, 0x49, 0x46, 0x46, 0x2E, 0x00, 0x00, 0x00,   // "RIFF", 36 + 10
            0x57, 0x41, 0x56, 0x45, 0x66, 0x6D, 0x74, 0x20,   // "WAVE", "fmt "
            0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,   // 16, PCM, mono
            0x22, 0x56, 0x00, 0x00, 0x44, 0xAC, 0x00, 0x00,   // 22050 Hz, 44100 bytes/s
            0x02, 0x00, 0x10, 0x00, 0x64, 0x61, 0x74, 0x61,   // align 2, 16 bits, "data"
            0x0A, 0x00, 0x00, 0x00,                           // 10 data bytes
        ]
        XCTAssertEqual(Array(bytes.prefix(44)), expectedHeader)
        XCTAssertEqual(Array(bytes.dropFirst(44)), [0x00, 0x00, 0x01, 0x00, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x80])
        XCTAssertEqual(WAVEncoder.headerByteCount, 44)
    }

    func testParsedFieldsAndSamplesRoundTrip() throws {
        let samples: [Int16] = (0..<1000).map { Int16(truncatingIfNeeded: $0 &* 977) }
        let wav = try WAVFile(bytes: WAVEncoder.encode(samples: samples, sampleRate: 16000))
        XCTAssertEqual(wav.sampleRate, 16000)
        XCTAssertTrue(wav.samples == samples, "samples read back unchanged")
    }

    func testEmptyAudioIsAValidFile() throws {
        let bytes = WAVEncoder.encode(samples: [Int16](), sampleRate: 22050)
        XCTAssertEqual(bytes.count, 44)
        let wav = try WAVFile(bytes: bytes)
        XCTAssertEqual(wav.dataSize, 0)
    }

    func testSpeechAudioWrapsTheEncoder() {
        let audio = SpeechAudio(samples: [1, 2, 3], sampleRate: 8000, synthesisNanoseconds: 5_000_000)
        XCTAssertEqual(audio.wavBytes(), WAVEncoder.encode(samples: [1, 2, 3] as [Int16], sampleRate: 8000))
        XCTAssertEqual(audio.base64WAV(), Base64.encode(audio.wavBytes()))
        XCTAssertEqual(audio.synthesisMilliseconds, 5.0)
        XCTAssertEqual(SpeechAudio(samples: [Int16](repeating: 0, count: 8000), sampleRate: 8000,
                                   synthesisNanoseconds: 0).durationMilliseconds, 1000)
    }

    func testAppendingAudioAddsSamplesAndTime() {
        var audio = SpeechAudio(samples: [1, 2], sampleRate: 8000, synthesisNanoseconds: 10)
        audio.append(SpeechAudio(samples: [3], sampleRate: 8000, synthesisNanoseconds: 5))
        XCTAssertEqual(audio.samples, [1, 2, 3])
        XCTAssertEqual(audio.synthesisNanoseconds, 15)
    }
}
