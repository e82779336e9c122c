import Foundation
import TestSupport
import XCTest

/// Runs the built `babyllama` executable: `say` and `run --speak` end to end.
final class SpeechCommandTests: XCTestCase {
    /// `babyllama arguments...` with `input` on stdin.
    func babyllama(_ arguments: [String], input: String? = nil) throws -> BabyLlamaBinary.Outcome {
        try BabyLlamaBinary.run(arguments, input: Array((input ?? "").utf8))
    }

    func temporaryFile(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("babyllama-\(getpid())-\(name)")
        try? FileManager.default.removeItem(at: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testSayWritesAValidWAV() throws {
        let shortFile = temporaryFile("short.wav")
        let longFile = temporaryFile("long.wav")
        let short = try babyllama(["say", "Hello.", "--out", shortFile.path])
        XCTAssertEqual(short.status, 0, short.standardError)
        let long = try babyllama(["say", "Hello. Once upon a time, a small robot read stories to the children every night.",
                                  "--out", longFile.path])
        XCTAssertEqual(long.status, 0, long.standardError)

        let shortWAV = try WAVFile(try Data(contentsOf: shortFile))
        let longWAV = try WAVFile(try Data(contentsOf: longFile))
        for wav in [shortWAV, longWAV] {
            XCTAssertEqual(wav.sampleRate, 22050)
            XCTAssertGreaterThan(WAVFile.rms(wav.samples), WAVFile.speechRMSFloor)
        }
        XCTAssertGreaterThan(longWAV.samples.count, shortWAV.samples.count * 3, "longer text, longer speech")
        XCTAssertEqual(long.output, "")
        XCTAssertEqual(long.errorLines.count, 1)
        let ttsLine = try XCTUnwrap(long.errorLines.first)
        XCTAssertTrue(ttsLine.hasPrefix("tts ms: "), ttsLine)
        XCTAssertGreaterThan(Double(ttsLine.dropFirst("tts ms: ".count)) ?? 0, 0)
    }

    func testSayVoiceOptionsChangeTheSpeech() throws {
        let slowFile = temporaryFile("slow.wav")
        let fastFile = temporaryFile("fast.wav")
        let text = "The little robot walked all the way to the sea."
        XCTAssertEqual(try babyllama(["say", text, "--rate", "100", "--voice", "en-gb", "--out", slowFile.path]).status, 0)
        XCTAssertEqual(try babyllama(["say", text, "--rate", "300", "--volume", "150", "--out", fastFile.path]).status, 0)
        let slow = try WAVFile(try Data(contentsOf: slowFile))
        let fast = try WAVFile(try Data(contentsOf: fastFile))
        XCTAssertGreaterThan(slow.samples.count, fast.samples.count * 2)
    }

    func testSayReadsStandardInput() throws {
        let file = temporaryFile("stdin.wav")
        let outcome = try babyllama(["say", "-", "--out", file.path], input: "Text from a pipe.\n")
        XCTAssertEqual(outcome.status, 0, outcome.standardError)
        XCTAssertGreaterThan(WAVFile.rms(try WAVFile(try Data(contentsOf: file)).samples), WAVFile.speechRMSFloor)
    }

    func testSayRefusesBadInputWithOneLine() throws {
        let file = temporaryFile("never.wav")
        let cases: [([String], String)] = [
            (["say", "", "--out", file.path], "babyllama: error: there is no text to speak"),
            (["say", "  ...  ", "--out", file.path], "babyllama: error: there is no text to speak"),
            (["say", "Hi.", "--voice", "zz-nowhere", "--out", file.path],
             "babyllama: error: unknown voice 'zz-nowhere' (espeak-ng --voices lists them)"),
            (["say", "Hi.", "--espeak-data", "/nonexistent", "--out", file.path],
             "babyllama: error: espeak-ng-data not found (looked in: /nonexistent); install espeak-ng-data or set the data path"),
            (["say", "Hi.", "--out", "/nonexistent-babyllama-dir/x.wav"],
             "babyllama: error: cannot write '/nonexistent-babyllama-dir/x.wav': No such file or directory"),
        ]
        for (arguments, message) in cases {
            let outcome = try babyllama(arguments)
            XCTAssertEqual(outcome.status, 1, "\(arguments)")
            XCTAssertEqual(outcome.errorLines, [message], "\(arguments)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: file.path), "no file for \(arguments)")
        }
        let badRate = try babyllama(["say", "Hi.", "--rate", "5", "--out", file.path])
        XCTAssertNotEqual(badRate.status, 0)
        XCTAssertTrue(badRate.standardError.contains("speaking rate must be 80...450 words per minute, got 5"))
    }

    func testSayWithoutAudioDeviceFailsClearly() throws {
        let outcome = try babyllama(["say", "Is anyone listening?", "--audio-device", "babyllama_no_such_device"])
        XCTAssertEqual(outcome.status, 1)
        XCTAssertEqual(outcome.errorLines.count, 1, outcome.standardError)
        XCTAssertTrue(outcome.standardError.hasPrefix("babyllama: error: no audio device 'babyllama_no_such_device': "))
        XCTAssertTrue(outcome.standardError.contains("--out FILE.wav"))
    }

    func testRunSpeakWithoutAudioDeviceWarnsOnceAndFinishes() throws {
        let outcome = try babyllama(["run", "models/stories260K.bin", "-z", "models/tok512.bin", "-n", "120", "-s", "7",
                                     "-i", "Once upon a time. The end. A cat sat.", "--speak",
                                     "--audio-device", "babyllama_no_such_device"])
        XCTAssertEqual(outcome.status, 0, outcome.standardError)
        XCTAssertTrue(outcome.output.hasPrefix("Once upon a time. The end. A cat sat."), outcome.output)
        let warnings = outcome.errorLines.filter { $0.contains("warning") }
        XCTAssertEqual(warnings.count, 1, outcome.standardError)
        XCTAssertTrue(warnings.first?.hasPrefix("babyllama: warning: no audio device 'babyllama_no_such_device': ") ?? false)
        XCTAssertEqual(outcome.errorLines.filter { $0.hasPrefix("achieved tok/s: ") }.count, 1)
        let ttsLine = try XCTUnwrap(outcome.errorLines.last)
        XCTAssertTrue(ttsLine.hasPrefix("tts ms: "), outcome.standardError)
        XCTAssertGreaterThan(Double(ttsLine.dropFirst("tts ms: ".count)) ?? 0, 0, "the story was synthesized")
    }

    func testRunSpeakJSONReportsTTSTime() throws {
        let outcome = try babyllama(["run", "models/stories260K.bin", "-z", "models/tok512.bin", "-n", "40", "-s", "7",
                                     "-i", "Hello there.", "--speak", "--json", "--audio-device", "null"])
        XCTAssertEqual(outcome.status, 0, outcome.standardError)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: outcome.standardOutput) as? [String: Any])
        XCTAssertGreaterThan(object["tts_ms"] as? Double ?? 0, 0)
        XCTAssertFalse(outcome.standardError.contains("warning"), "ALSA's null device plays: \(outcome.standardError)")
    }

    func testRunSpeakRefusesBadVoiceBeforeLoadingTheModel() throws {
        let outcome = try babyllama(["run", "models/does-not-exist.bin", "--speak", "--voice", "zz-nowhere"])
        XCTAssertEqual(outcome.status, 1)
        XCTAssertEqual(outcome.errorLines, ["babyllama: error: unknown voice 'zz-nowhere' (espeak-ng --voices lists them)"])
    }
}
