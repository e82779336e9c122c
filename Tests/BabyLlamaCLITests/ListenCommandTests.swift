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

    /// `wav` as raw 16 kHz mono 16-bit samples (sox: the resampling is not what is tested).
    func raw16k(_ wav: String) throws -> Data {
        let raw = temporaryFile("sox-\(UUID().uuidString).raw")
        let sox = try BabyLlamaBinary.run([wav, "-r", "16000", "-c", "1", "-b", "16", "-t", "raw", raw.path],
                                          executable: "/usr/bin/sox")
        XCTAssertEqual(sox.status, 0, sox.standardError)
        return try Data(contentsOf: raw)
    }

    /// The environment of a run whose ALSA capture device `request` plays `samples` (raw
    /// mono 16-bit) through ALSA's `file` PCM; with `rate`, behind a `plug` whose slave
    /// has only that rate, as a microphone that runs at it.
    func microphone(playing samples: Data, rate: Int? = nil) throws -> [String: String] {
        let raw = temporaryFile("mic-\(UUID().uuidString).raw")
        try samples.write(to: raw)
        let file = """
            type file
                slave.pcm "null"
                file "/dev/null"
                infile "\(raw.path)"
                format "raw"
            """
        let configuration = rate.map { rate in
            """
            pcm.request {
                type plug
                slave { pcm "requestfile"; rate \(rate); channels 1; format S16_LE }
            }
            pcm.requestfile {
                \(file)
            }
            """
        } ?? """
            pcm.request {
                \(file)
            }
            """
        let asoundrc = temporaryFile("asoundrc-\(UUID().uuidString)")
        try configuration.write(to: asoundrc, atomically: true, encoding: .utf8)
        return ["ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + asoundrc.path]
    }

    /// The microphone path: ALSA's `file` PCM plays a 16 kHz recording of a request
    /// (a second of silence, the request, three of silence) into the capture stream, and
    /// recording stops when the speaker does, long before the file ends.
    func testRecordingStopsWhenTheSpeakerDoes() throws {
        let wav = try spoken(Self.request, name: "mic.wav")
        let speech = try raw16k(wav)
        let second = Data(count: 32_000)
        let outcome = try BabyLlamaBinary.run(["listen", "--audio-device", "request", "--json"],
                                              environment: try microphone(playing: second + speech + second + second + second))
        XCTAssertEqual(outcome.status, 0, outcome.standardError)
        let answer = try json(outcome)
        XCTAssertEqual(answer["text"] as? String, Self.request)
        // The pre-roll, the speech and the 0.8 s of quiet that end it (espeak-ng's own
        // silence at either end of its WAV is quiet too); not the 3 s after it.
        let spokenMilliseconds = Double(speech.count) / 32
        let recorded = answer["audio_ms"] as? Double ?? 0
        XCTAssertLessThanOrEqual(recorded, 300 + spokenMilliseconds + 800 + 40, "the recording went on past the quiet")
        XCTAssertGreaterThan(recorded, spokenMilliseconds - 1_000 + 1_100, "the recording missed speech")

        // A microphone that runs at 22050 Hz only: it is recorded at its own rate and
        // resampled by babyllama, not by alsa-lib's linear converter (through which this
        // request was heard as "... about a dog").
        let samples = try WAVFile(try Data(contentsOf: URL(fileURLWithPath: wav))).samples
        let native = Data(count: 44_100) + Data(WAVBuilder.bytes(samples)) + Data(count: 3 * 44_100)
        let resampled = try BabyLlamaBinary.run(["listen", "--audio-device", "request", "--json"],
                                                environment: try microphone(playing: native, rate: 22_050))
        XCTAssertEqual(resampled.status, 0, resampled.standardError)
        XCTAssertEqual(try json(resampled)["text"] as? String, Self.request)

        // What is no request, from the microphone: the robot asks again (aloud, on the null
        // device), three times in all, then tells a story from the generic opening.
        let weather = try raw16k(try spoken("the weather is cold and wet today", name: "weather-mic.wav"))
        let asked = try BabyLlamaBinary.run(["run", "--listen", "--capture-device", "request", "-t", "0", "-n", "20", "--json",
                                             "--speak", "--audio-device", "null"],
                                            environment: try microphone(playing: second + weather + second + second))
        XCTAssertEqual(asked.status, 0, asked.standardError)
        XCTAssertEqual(asked.errorLines.filter { $0.hasSuffix("please ask again") }.count, 2, asked.standardError)
        XCTAssertEqual(asked.errorLines.filter { $0.hasPrefix("listening...") }.count, 3, asked.standardError)
        XCTAssertEqual(try json(asked)["prompt"] as? String, "Once upon a time,")

        // Silence alone (ALSA's null device): nobody spoke, one line.
        let quiet = try babyllama(["listen", "--audio-device", "null", "--max-seconds", "1"])
        XCTAssertEqual(quiet.status, 1)
        XCTAssertEqual(quiet.errorLines, ["babyllama: error: cannot record from audio device 'null': nobody spoke within 1 s"])
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
