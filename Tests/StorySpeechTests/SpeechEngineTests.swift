import Foundation
import StorySpeech
import TestSupport
import XCTest

final class SpeechEngineTests: XCTestCase {
    func testSpeechIsAValidAudibleWAV() throws {
        let engine = try SpeechEngine()
        XCTAssertEqual(engine.sampleRate, 22050, "espeak-ng's native rate")
        let audio = try engine.synthesize("Once upon a time, there was a little robot who told stories.")
        let wav = try WAVFile(bytes: audio.wavBytes())
        XCTAssertEqual(wav.sampleRate, engine.sampleRate)
        XCTAssertTrue(wav.samples == audio.samples, "the WAV holds the synthesized samples")
        XCTAssertGreaterThan(audio.durationMilliseconds, 1000, "a sentence takes over a second to say")
        XCTAssertGreaterThan(WAVFile.rms(audio.samples), WAVFile.speechRMSFloor, "not silent")
        XCTAssertGreaterThan(audio.synthesisNanoseconds, 0)
    }

    func testLengthGrowsWithText() throws {
        let engine = try SpeechEngine()
        let short = try engine.synthesize("Hello.")
        let medium = try engine.synthesize("Hello. The little dog ran across the green field.")
        let long = try engine.synthesize(
            "Hello. The little dog ran across the green field. It found a red ball and played with it all day long.")
        XCTAssertLessThan(short.samples.count, medium.samples.count)
        XCTAssertLessThan(medium.samples.count, long.samples.count)
    }

    func testSynthesisLengthIsStable() throws {
        // espeak-ng's noise source keeps running between calls, so samples differ
        // slightly from one synthesis to the next; the length does not.
        let engine = try SpeechEngine()
        let first = try engine.synthesize("The same words twice.")
        let second = try engine.synthesize("The same words twice.")
        XCTAssertEqual(Double(first.samples.count), Double(second.samples.count), accuracy: 0.01 * Double(first.samples.count))
    }

    func testRateAndVolumeAreApplied() throws {
        let text = "The quick brown fox jumps over the lazy dog."
        let slow = try SpeechEngine(settings: SpeechSettings(rate: 100)).synthesize(text)
        let fast = try SpeechEngine(settings: SpeechSettings(rate: 300)).synthesize(text)
        XCTAssertGreaterThan(slow.samples.count, fast.samples.count * 2, "300 wpm is much shorter than 100 wpm")

        let quiet = try SpeechEngine(settings: SpeechSettings(volume: 30)).synthesize(text)
        let loud = try SpeechEngine(settings: SpeechSettings(volume: 150)).synthesize(text)
        XCTAssertGreaterThan(WAVFile.rms(loud.samples), WAVFile.rms(quiet.samples) * 2)
    }

    func testVoicesByNameAndByLanguage() throws {
        let text = "Good morning, little bear."
        let american = try SpeechEngine(settings: SpeechSettings(voice: "en-us")).synthesize(text)
        let british = try SpeechEngine(settings: SpeechSettings(voice: "en-gb")).synthesize(text)
        let variant = try SpeechEngine(settings: SpeechSettings(voice: "en-us+f3")).synthesize(text)
        for audio in [american, british, variant] {
            XCTAssertGreaterThan(WAVFile.rms(audio.samples), WAVFile.speechRMSFloor)
        }
        XCTAssertTrue(american.samples != british.samples, "en-us and en-gb sound different")
    }

    func testEnginesWithDifferentSettingsTakeTurns() throws {
        let text = "Good morning, little bear."
        let slow = try SpeechEngine(settings: SpeechSettings(voice: "en-us", rate: 100))
        let fast = try SpeechEngine(settings: SpeechSettings(voice: "en-gb", rate: 350))
        let slowLength = try slow.synthesize(text).samples.count
        let fastLength = try fast.synthesize(text).samples.count
        XCTAssertGreaterThan(slowLength, fastLength * 2)
        // Both engines synthesizing at once: espeak-ng's one state is shared under a
        // lock, so each call still gets exactly its own engine's rate.
        let results = ResultBox()
        let group = DispatchGroup()
        for (engine, expected) in [(slow, slowLength), (fast, fastLength)] {
            for _ in 0..<4 {
                DispatchQueue.global().async(group: group) {
                    let length = (try? engine.synthesize(text))?.samples.count ?? 0
                    results.record(abs(length - expected) <= expected / 50)
                }
            }
        }
        group.wait()
        XCTAssertEqual(results.outcomes, Array(repeating: true, count: 8))
        XCTAssertEqual(slow.totalSynthesisCount, 5)
        XCTAssertGreaterThan(slow.totalSynthesisNanoseconds, 0)
        XCTAssertGreaterThan(slow.totalSynthesizedSamples, slowLength * 4)
    }

    func testEmptyTextIsAClearError() throws {
        let engine = try SpeechEngine()
        for text in ["", "   ", "\n\t", "...", "“” — …"] {
            XCTAssertThrowsError(try engine.synthesize(text), text.debugDescription) { error in
                XCTAssertEqual(error as? SpeechError, .emptyText)
            }
        }
        XCTAssertEqual(SpeechError.emptyText.message, "there is no text to speak")
    }

    func testSpokenSymbolsAndNumbersAreText() throws {
        let engine = try SpeechEngine()
        for symbol in ["%", "&", "$", "+"] {
            XCTAssertGreaterThan(WAVFile.rms(try engine.synthesize(symbol).samples), WAVFile.speechRMSFloor, "espeak-ng reads \(symbol)")
        }
        XCTAssertThrowsError(try engine.synthesize("_ | < > ^")) { error in
            XCTAssertEqual(error as? SpeechError, .emptyText)
        }
        // Digits say far more per byte than prose; a slow reading of many of them
        // is still well inside the synthesis guard.
        let slow = try SpeechEngine(settings: SpeechSettings(rate: 80))
        let digits = Array(repeating: "987654321", count: 20).joined(separator: " ")
        XCTAssertGreaterThan(try slow.synthesize(digits).durationMilliseconds, 60_000)
    }

    func testTextOverTheLimitIsRefused() throws {
        let engine = try SpeechEngine(settings: SpeechSettings(maximumTextBytes: 100))
        let text = String(repeating: "a cat ", count: 20)
        XCTAssertThrowsError(try engine.synthesize(text)) { error in
            XCTAssertEqual(error as? SpeechError, .textTooLong(bytes: 120, limit: 100))
            XCTAssertEqual((error as? SpeechError)?.message, "text is 120 bytes long, speech takes at most 100")
        }
    }

    func testLongTextIsSpokenInChunks() throws {
        let engine = try SpeechEngine()
        let sentence = "The little robot walked to the river and looked at the fish. "
        let one = try engine.synthesize(sentence)
        let text = String(repeating: sentence, count: 30)   // ~1.8 kB: three chunks and more
        XCTAssertGreaterThan(text.utf8.count, SpeechEngine.chunkBytes * 2)
        let audio = try engine.synthesize(text)
        XCTAssertGreaterThan(audio.samples.count, one.samples.count * 25, "every sentence is spoken")
        XCTAssertLessThan(audio.samples.count, one.samples.count * 35)
        XCTAssertGreaterThan(WAVFile.rms(audio.samples), WAVFile.speechRMSFloor)
        // A text with no sentence ends at all is cut at spaces and spoken whole too.
        let runOn = String(repeating: "and then the robot walked on ", count: 40)
        let runOnAudio = try engine.synthesize(runOn)
        XCTAssertGreaterThan(runOnAudio.durationMilliseconds, 40 * 1000, "about 240 words take well over 40 s")
    }

    func testTextWithNULIsSpokenPastIt() throws {
        let engine = try SpeechEngine()
        let whole = try engine.synthesize("Hello there, my friend.")
        let withNUL = try engine.synthesize("Hello there,\u{0} my friend.")
        XCTAssertGreaterThan(withNUL.samples.count, whole.samples.count / 2, "espeak-ng does not stop at the NUL")
    }

    func testUnknownVoiceIsAClearError() {
        XCTAssertThrowsError(try SpeechEngine(settings: SpeechSettings(voice: "zz-nowhere"))) { error in
            XCTAssertEqual(error as? SpeechError, .unknownVoice("zz-nowhere"))
            XCTAssertEqual((error as? SpeechError)?.message, "unknown voice 'zz-nowhere' (espeak-ng --voices lists them)")
        }
        // A failed voice leaves espeak-ng usable with a good one.
        XCTAssertNoThrow(try SpeechEngine().synthesize("Still here."))
    }

    func testSettingsValidation() {
        func error(_ settings: SpeechSettings) -> SpeechError? {
            do {
                try settings.validate()
                return nil
            } catch {
                return error
            }
        }
        XCTAssertNil(error(SpeechSettings()))
        XCTAssertNil(error(SpeechSettings(voice: "en-us+f3", rate: 80, volume: 0)))
        XCTAssertNil(error(SpeechSettings(rate: 450, volume: 200)))
        XCTAssertEqual(error(SpeechSettings(voice: "")), .invalidVoiceName(""))
        XCTAssertEqual(error(SpeechSettings(voice: "en us")), .invalidVoiceName("en us"))
        XCTAssertEqual(error(SpeechSettings(voice: "../../etc/passwd")), .invalidVoiceName("../../etc/passwd"))
        XCTAssertEqual(error(SpeechSettings(voice: String(repeating: "a", count: 65))),
                       .invalidVoiceName(String(repeating: "a", count: 65)))
        XCTAssertEqual(error(SpeechSettings(rate: 79)), .invalidRate(79))
        XCTAssertEqual(error(SpeechSettings(rate: 451)), .invalidRate(451))
        XCTAssertEqual(error(SpeechSettings(volume: -1)), .invalidVolume(-1))
        XCTAssertEqual(error(SpeechSettings(volume: 201)), .invalidVolume(201))
        XCTAssertEqual(error(SpeechSettings(maximumTextBytes: 0)), .invalidLimit(name: "max_text_bytes", value: 0))
        XCTAssertEqual(SpeechError.invalidRate(10).message, "speaking rate must be 80...450 words per minute, got 10")
        XCTAssertThrowsError(try SpeechEngine(settings: SpeechSettings(rate: 1000))) { error in
            XCTAssertEqual(error as? SpeechError, .invalidRate(1000))
        }
    }

    func testDefaults() {
        let settings = SpeechSettings()
        XCTAssertTrue(settings.enabled)
        XCTAssertEqual(settings.voice, "en-us")
        XCTAssertEqual(settings.rate, 175)
        XCTAssertEqual(settings.volume, 100)
        XCTAssertEqual(settings.audioDevice, "default")
        XCTAssertNil(settings.dataPath)
        XCTAssertEqual(settings.maximumTextBytes, 8192)
    }

    func testDisabledSpeechRefusesToStart() {
        XCTAssertThrowsError(try SpeechEngine(settings: SpeechSettings(enabled: false))) { error in
            XCTAssertEqual(error as? SpeechError, .disabled)
        }
    }

    func testMissingDataIsAClearError() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("no-espeak-\(getpid())").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        XCTAssertThrowsError(try SpeechEngine(settings: SpeechSettings(dataPath: empty))) { error in
            XCTAssertEqual(error as? SpeechError, .dataNotFound(searched: [empty]))
        }
        let found = try SpeechEngine.findDataPath(nil)
        XCTAssertTrue(FileManager.default.fileExists(atPath: found + "/phontab"), found)
        XCTAssertEqual(try SpeechEngine.findDataPath(found), found, "the data directory itself")
        let parent = (found as NSString).deletingLastPathComponent
        XCTAssertEqual(try SpeechEngine.findDataPath(parent), found, "a directory holding espeak-ng-data")
    }
}

/// Outcomes recorded from several threads.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Bool] = []
    func record(_ value: Bool) { lock.withLock { values.append(value) } }
    var outcomes: [Bool] { lock.withLock { values } }
}
