import StoryListening
import TestSupport
import XCTest

/// Reading WAV files: every layout accepted becomes 16 kHz mono; everything else is
/// one error that says what the file is, with the HTTP status the service answers.
final class RecordedAudioTests: XCTestCase {
    func testSixteenKilohertzMonoIsReadAsItIs() throws {
        let samples: [Int16] = [0, 1, -1, 32767, -32768, 1234]
        let audio = try RecordedAudio.fromWAV(WAVBuilder.file(data: WAVBuilder.bytes(samples)), maximumSeconds: 10)
        XCTAssertEqual(audio.samples, samples)
    }

    func testStereoIsAveragedToMono() throws {
        let interleaved: [Int16] = [100, 300, -1000, 1000, 32767, 32767]
        let audio = try RecordedAudio.fromWAV(WAVBuilder.file(channels: 2, data: WAVBuilder.bytes(interleaved)),
                                              maximumSeconds: 10)
        XCTAssertEqual(audio.samples, [200, 0, 32767])
    }

    func testChunksBeforeTheDataAreSkippedWithTheirPadding() throws {
        let samples: [Int16] = [5, 6, 7]
        let file = WAVBuilder.file(data: WAVBuilder.bytes(samples), extraChunks: [("LIST", [1, 2, 3]), ("fact", [9, 9, 9, 9])])
        XCTAssertEqual(try RecordedAudio.fromWAV(file, maximumSeconds: 10).samples, samples)
    }

    func testStreamedSizeRunsToTheEndOfTheFile() throws {
        let samples: [Int16] = [1, 2, 3, 4]
        for size in [0, 0xFFFF_FFFF] {
            let file = WAVBuilder.file(data: WAVBuilder.bytes(samples), dataSize: size)
            XCTAssertEqual(try RecordedAudio.fromWAV(file, maximumSeconds: 10).samples, samples, "size field \(size)")
        }
    }

    func testOtherRatesAreResampledToSixteenKilohertz() throws {
        for rate in [8_000, 22_050, 44_100, 48_000] {
            let tone = WAVBuilder.tone(frequency: 440, sampleRate: rate, seconds: 1)
            let audio = try RecordedAudio.fromWAV(WAVBuilder.file(sampleRate: rate, data: WAVBuilder.bytes(tone)),
                                                  maximumSeconds: 10)
            XCTAssertEqual(audio.samples.count, 16_000, "\(rate) Hz")
            // The tone survives: the same level, and the same pitch (zero crossings).
            let middle = Array(audio.samples[1_000..<15_000])
            XCTAssertEqual(WAVFile.rms(middle), 8_000 / 2.0.squareRoot(), accuracy: 80, "\(rate) Hz level")
            let crossings = zip(middle, middle.dropFirst()).filter { $0 < 0 && $1 >= 0 }.count
            XCTAssertEqual(Double(crossings), 440 * 14_000 / 16_000, accuracy: 2, "\(rate) Hz pitch")
        }
    }

    /// A 10 kHz tone cannot exist at 16 kHz (its Nyquist frequency is 8 kHz): the
    /// low-pass filter removes it instead of folding it down to 6 kHz.
    func testDownsamplingDoesNotAlias() throws {
        let tone = WAVBuilder.tone(frequency: 10_000, sampleRate: 44_100, seconds: 1)
        let audio = try RecordedAudio.fromWAV(WAVBuilder.file(sampleRate: 44_100, data: WAVBuilder.bytes(tone)),
                                              maximumSeconds: 10)
        XCTAssertLessThan(WAVFile.rms(Array(audio.samples[1_000..<15_000])), 8_000 / 2.0.squareRoot() / 100,
                          "the 10 kHz tone is attenuated by more than 40 dB")
    }

    func testBadFilesAreRefusedWithTheirReason() {
        let pcm = WAVBuilder.bytes([1, 2, 3, 4])
        var truncated = WAVBuilder.file(data: pcm)
        truncated.removeLast(3)
        let cases: [(String, [UInt8], Int, String)] = [
            ("empty", [], 400, "empty"),
            ("text", Array("hello, this is not audio".utf8), 400, "RIFF"),
            ("truncated", truncated, 400, "cut short"),
            ("header only", Array(WAVBuilder.file(data: pcm)[0..<20]), 400, "fmt"),
            ("float", WAVBuilder.file(formatTag: 3, bits: 32, data: pcm), 415, "32-bit float"),
            ("8-bit", WAVBuilder.file(bits: 8, data: pcm), 415, "8-bit"),
            ("mu-law", WAVBuilder.file(formatTag: 7, bits: 8, data: pcm), 415, "compressed"),
            ("4 kHz", WAVBuilder.file(sampleRate: 4_000, data: pcm), 415, "4000 Hz"),
            ("96 kHz", WAVBuilder.file(sampleRate: 96_000, data: pcm), 415, "96000 Hz"),
            ("no samples", WAVBuilder.file(data: []), 422, "0 seconds"),
            // One stereo frame at 22050 Hz is less than one sample at 16 kHz (found by the fuzzer).
            ("one frame at 22050 Hz", WAVBuilder.file(channels: 2, sampleRate: 22_050, data: WAVBuilder.bytes([5, 7])), 422, "0 seconds"),
            ("11 s", WAVBuilder.file(data: WAVBuilder.bytes([Int16](repeating: 0, count: 16_000 * 11))), 413, "11.0 s"),
        ]
        for (name, bytes, status, phrase) in cases {
            XCTAssertThrowsError(try RecordedAudio.fromWAV(bytes, maximumSeconds: 10), name) { error in
                let error = error as! ListenError
                XCTAssertEqual(error.httpStatus, status, "\(name): \(error.message)")
                XCTAssertTrue(error.message.contains(phrase), "\(name): \(error.message)")
            }
        }
    }
}
