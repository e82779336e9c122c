import Foundation
import TestSupport
import XCTest

/// `listen` and `run --listen` through the built binary: requests spoken by `say`
/// (espeak-ng, 22050 Hz: the resampler's path), heard with Config/listen's grammar.
final class ListenCommandTests: XCTestCase {
    func babyllama(_ arguments: [String]) throws -> BabyLlamaBinary.Outcome {
        try BabyLlamaBinary.run(arguments)
    }

    func temporaryFile(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("babyllama-listen-\(getpid())-\(name)")
        try? FileManager.default.removeItem(at: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// A WAV of `text` spoken by babyllama's own `say`.
    func spoken(_ text: String, name: String) throws -> String {
        let file = temporaryFile(name)
        let outcome = try babyllama(["say", text, "--out", file.path])
        XCTAssertEqual(outcome.status, 0, outcome.standardError)
        return file.path
    }

    func json(_ outcome: BabyLlamaBinary.Outcome) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(outcome.output.utf8))
        return try XCTUnwrap(object as? [String: Any], outcome.output)
    }

    static let request = "tell me a story about a dragon and a cat"

    func testListenHearsASpokenRequest() throws {
        let wav = try spoken(Self.request, name: "dragon.wav")
        let outcome = try babyllama(["listen", "--in", wav, "--json"])
        XCTAssertEqual(outcome.status, 0, outcome.standardError)
        let answer = try json(outcome)
        XCTAssertEqual(answer["text"] as? String, Self.request)
        XCTAssertEqual(answer["understood"] as? Bool, true)
        let request = try XCTUnwrap(answer["request"] as? [String: Any])
        let characters = try XCTUnwrap(request["characters"] as? [[String: Any]])
        XCTAssertEqual(characters.compactMap { $0["word"] as? String }, ["dragon", "cat"])
        XCTAssertEqual(request["prompt"] as? String, "Once upon a time, there was a dragon and a cat.")
        XCTAssertGreaterThan(answer["stt_ms"] as? Double ?? 0, 0)
        XCTAssertEqual(answer["audio_ms"] as? Double ?? 0, 2_500, accuracy: 1_500)

        // Without --json: the words on stdout, what was understood and the time on stderr.
        let plain = try babyllama(["listen", "--in", wav])
        XCTAssertEqual(plain.status, 0)
        XCTAssertEqual(plain.output, Self.request + "\n")
        XCTAssertEqual(plain.errorLines.first, "understood: Once upon a time, there was a dragon and a cat.")
        XCTAssertTrue(plain.errorLines.last?.hasPrefix("stt ms: ") == true, plain.standardError)
    }

    /// The whole robot: hear the request, tell the story it asks for (greedy: the same
    /// tokens as `run` given the opening as its prompt), read it aloud (on ALSA's null
    /// device, which every machine has).
    func testRunListenTellsTheStoryItHeard() throws {
        let wav = try spoken(Self.request, name: "run.wav")
        let heard = try babyllama(["run", "--listen", "--listen-in", wav, "-t", "0", "-n", "60", "--json",
                                   "--speak", "--audio-device", "null"])
        XCTAssertEqual(heard.status, 0, heard.standardError)
        let story = try json(heard)
        XCTAssertEqual(story["prompt"] as? String, "Once upon a time, there was a dragon and a cat.")
        XCTAssertEqual((story["heard"] as? [String: Any])?["text"] as? String, Self.request)
        XCTAssertGreaterThan(story["stt_ms"] as? Double ?? 0, 0)
        XCTAssertGreaterThan(story["tts_ms"] as? Double ?? 0, 0, "the story was spoken")
        let typed = try babyllama(["run", "-i", "Once upon a time, there was a dragon and a cat.", "-t", "0", "-n", "60",
                                   "--json"])
        XCTAssertEqual(typed.status, 0, typed.standardError)
        XCTAssertEqual(story["tokens"] as? [Int], try json(typed)["tokens"] as? [Int])
        XCTAssertTrue(heard.errorLines.contains { $0.hasPrefix("heard: \"\(Self.request)\"") }, heard.standardError)
    }

    /// Sound that is no request: the robot asks again (`listen` exits 3) and `run --listen`
    /// starts a story anyway, from the generic opening.
    func testWhatIsNotARequestIsNotUnderstood() throws {
        let file = temporaryFile("tone.wav")
        try Data(WAVBuilder.file(data: WAVBuilder.bytes(WAVBuilder.tone(frequency: 440, sampleRate: 16_000, seconds: 1.5))))
            .write(to: file)
        let wav = try spoken("the weather is cold and wet today", name: "weather.wav")
        for input in [file.path, wav] {
            let outcome = try babyllama(["listen", "--in", input, "--json"])
            XCTAssertEqual(outcome.status, 3, outcome.standardError)
            XCTAssertEqual(try json(outcome)["understood"] as? Bool, false, outcome.output)
        }
        let story = try babyllama(["run", "--listen", "--listen-in", wav, "-t", "0", "-n", "30", "--json"])
        XCTAssertEqual(story.status, 0, story.standardError)
        XCTAssertEqual(try json(story)["prompt"] as? String, "Once upon a time,")
        XCTAssertTrue(story.standardError.contains("telling a story anyway"), story.standardError)
    }

    func testBadInputIsOneClearError() throws {
        let text = temporaryFile("text.wav")
        try Data("not audio at all".utf8).write(to: text)
        let float = temporaryFile("float.wav")
        try Data(WAVBuilder.file(formatTag: 3, bits: 32, data: [0, 0, 0, 0])).write(to: float)
        let long = temporaryFile("long.wav")
        try Data(WAVBuilder.file(data: WAVBuilder.bytes([Int16](repeating: 0, count: 16_000 * 4)))).write(to: long)
        let cases: [([String], String)] = [
            (["listen", "--in", "/nonexistent.wav"], "cannot read '/nonexistent.wav'"),
            (["listen", "--in", text.path], "not a usable WAV file: it does not start with a RIFF/WAVE header"),
            (["listen", "--in", float.path], "unsupported audio: WAV format 3 (32-bit float)"),
            (["listen", "--in", long.path, "--max-seconds", "3"], "a request may be at most 3 s"),
            (["listen", "--in", long.path, "--listen-config", "/nonexistent"], "listening is not available"),
            (["listen", "--in", long.path, "--acoustic-model", "/nonexistent"], "listening is not available"),
            (["listen", "--audio-device", "babyllama_no_such_device"], "cannot record from audio device 'babyllama_no_such_device'"),
            (["listen", "--in", long.path, "--audio-device", "hw:0"], "--in and --audio-device exclude each other"),
            (["listen", "--confidence", "2"], "confidence threshold must be from 0 to 1"),
            (["run", "--listen", "-i", "Once"], "--listen hears the prompt"),
            (["run", "--listen-in", long.path], "need --listen"),
        ]
        for (arguments, message) in cases {
            let outcome = try babyllama(arguments)
            XCTAssertTrue(outcome.exited, "\(arguments) must not crash")
            XCTAssertEqual(outcome.status, 1, "\(arguments): \(outcome.standardError)")
            XCTAssertTrue(outcome.errorLines.first?.hasPrefix("babyllama: error: ") == true, outcome.standardError)
            XCTAssertTrue(outcome.errorLines.first?.contains(message) == true, "\(arguments): \(outcome.standardError)")
            XCTAssertEqual(outcome.output, "", "\(arguments)")
        }
    }
}
