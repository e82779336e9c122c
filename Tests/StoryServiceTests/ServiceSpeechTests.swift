import Foundation
import TestSupport
import XCTest

/// Speech in the real server (`babyllama serve` with speech turned on in a temporary
/// configuration): audio answers, `GET /v1/speak`, reading aloud without an audio
/// device, the TTS metrics, and speech turned off or unable to start.
final class ServiceSpeechTests: XCTestCase {
    /// A device ALSA cannot open: reading aloud fails the same way on every machine.
    static let missingDevice = "babyllama_no_such_device"
    /// How far two syntheses of the same text may differ in length. espeak-ng keeps
    /// state from one text to the next (its pitch flutter and pause timing): in one
    /// process the same sentence measures 41,081-41,097 samples, and now and then
    /// 41,939-41,951 after other texts (+2.1%, one 39 ms step), so "the same speech"
    /// means within 3%; different texts differ by far more.
    static let sameSpeechTolerance = 0.03

    /// The speech server's `/v1/speak` limit, small enough to test.
    static let textLimit = 300

    nonisolated(unsafe) private static var configFiles: [String] = []

    /// Writes a configuration with this `speech` section and returns its path.
    private static func config(speech: [String: Any]) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("babyllama-speech-\(UUID().uuidString).json").path
        try JSONSerialization.data(withJSONObject: ["speech": speech]).write(to: URL(fileURLWithPath: path))
        configFiles.append(path)
        return path
    }

    private static func startServer(speech: [String: Any]) throws -> ServerProcess {
        try ServerProcess(["--config", try config(speech: speech), "--model", Repo.model, "--tokenizer", Repo.tokenizer])
    }

    /// The server most tests share: speech on, no audio device.
    private static let shared = SharedServer {
        try ServiceSpeechTests.startServer(speech: [
            "enabled": true, "audio_device": ServiceSpeechTests.missingDevice,
            "max_text_bytes": ServiceSpeechTests.textLimit,
        ])
    }

    private var server: ServerProcess { get throws { try Self.shared.server } }

    override class func tearDown() {
        shared.stop()
        SlowModel.remove()
        for path in configFiles { try? FileManager.default.removeItem(atPath: path) }
        configFiles = []
        super.tearDown()
    }

    private func post(_ path: String, _ object: [String: Any], on target: ServerProcess? = nil) throws -> HTTPResult {
        try Curl.request("POST", (target ?? server).url(path), body: Curl.body(object))
    }

    private func speak(_ query: String, on target: ServerProcess? = nil) throws -> HTTPResult {
        try Curl.request("GET", (target ?? server).url("/v1/speak?" + query))
    }

    /// The `data:` payloads of a Server-Sent Events body, as JSON objects (`[DONE]` left out).
    private func events(_ body: String) -> [[String: Any]] {
        body.components(separatedBy: "\n\n").compactMap { block in
            guard block.hasPrefix("data: {") else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(block.dropFirst(6).utf8)) as? [String: Any]
        }
    }

    /// The WAV inside an answer's `"audio"` member, after checking the member's shape.
    private func audio(_ answer: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws -> WAVFile {
        let audio = try XCTUnwrap(answer["audio"] as? [String: Any], "no audio in the answer", file: file, line: line)
        XCTAssertEqual(audio["format"] as? String, "wav", file: file, line: line)
        XCTAssertEqual(Set(audio.keys), ["format", "sample_rate", "data"], file: file, line: line)
        let data = try XCTUnwrap(Data(base64Encoded: audio["data"] as? String ?? ""), "data is not base64",
                                 file: file, line: line)
        let wav = try WAVFile(data)
        XCTAssertEqual(audio["sample_rate"] as? Int, wav.sampleRate, file: file, line: line)
        XCTAssertEqual(wav.sampleRate, 22050, "espeak-ng's rate", file: file, line: line)
        return wav
    }

    private func ttsMilliseconds(_ answer: [String: Any]) -> Double {
        (answer["timing"] as? [String: Any])?["tts_ms"] as? Double ?? -1
    }

    private func warnings(_ log: String) -> [Substring] {
        log.split(separator: "\n").filter { $0.contains("warning") }
    }

    // MARK: "audio": "wav"

    func testAudioAnswerIsTheStorysSpeechAsWAV() throws {
        let request: [String: Any] = ["prompt": "Once upon a time", "seed": 7, "max_tokens": 20]
        let plain = try post("/v1/generate", request).json()
        XCTAssertNil(plain["audio"])
        XCTAssertEqual(ttsMilliseconds(plain), 0, "no speech, no text-to-speech time")

        var short = request
        short["audio"] = "wav"
        let shortAnswer = try post("/v1/generate", short)
        XCTAssertEqual(shortAnswer.status, 200, shortAnswer.text)
        let shortJSON = shortAnswer.json()
        XCTAssertEqual(shortJSON["tokens"] as? [Int], plain["tokens"] as? [Int], "speech does not change the story")
        XCTAssertEqual(shortJSON["text"] as? String, plain["text"] as? String)
        XCTAssertGreaterThan(ttsMilliseconds(shortJSON), 0)
        let shortWAV = try audio(shortJSON)
        XCTAssertGreaterThan(shortWAV.rms, WAVFile.speechRMSFloor, "the audio is speech, not silence")

        var long = short
        long["max_tokens"] = 150
        let longJSON = try post("/v1/generate", long).json()
        XCTAssertTrue((longJSON["text"] as? String ?? "").hasPrefix(shortJSON["text"] as? String ?? "-"))
        let longWAV = try audio(longJSON)
        XCTAssertGreaterThan(longWAV.samples.count, shortWAV.samples.count, "a longer story is longer speech")
        XCTAssertGreaterThan(longWAV.rms, WAVFile.speechRMSFloor)
        XCTAssertGreaterThan(ttsMilliseconds(longJSON), 0)

        // OpenAI's completions carry the same audio beside usage and timing.
        let completion = try post("/v1/completions", short).json()
        let completionWAV = try audio(completion)
        XCTAssertEqual(Double(completionWAV.samples.count), Double(shortWAV.samples.count),
                       accuracy: Double(shortWAV.samples.count) * Self.sameSpeechTolerance, "the same story, the same speech")
        XCTAssertGreaterThan(ttsMilliseconds(completion), 0)
    }

    func testStreamingPutsTheAudioInTheFinalEvent() throws {
        var request: [String: Any] = ["prompt": "Once upon a time", "seed": 11, "max_tokens": 40, "audio": "wav"]
        let whole = try post("/v1/generate", request).json()
        let wholeWAV = try audio(whole)
        request["stream"] = true
        let stream = try post("/v1/generate", request)
        XCTAssertEqual(stream.status, 200)
        let payloads = events(stream.text)
        let final = try XCTUnwrap(payloads.last)
        XCTAssertEqual(final["done"] as? Bool, true)
        XCTAssertEqual(payloads.dropLast().filter { $0["audio"] != nil }.count, 0, "token events carry no audio")
        XCTAssertEqual(payloads.count - 1, (whole["tokens"] as? [Int])?.count)
        XCTAssertGreaterThan(ttsMilliseconds(final), 0)
        let streamedWAV = try audio(final)
        XCTAssertEqual(Double(streamedWAV.samples.count), Double(wholeWAV.samples.count),
                       accuracy: Double(wholeWAV.samples.count) * Self.sameSpeechTolerance)

        let chunks = events(try post("/v1/completions", request).text)
        let last = try XCTUnwrap(chunks.last)
        XCTAssertNotNil(last["usage"])
        XCTAssertGreaterThan(ttsMilliseconds(last), 0)
        XCTAssertGreaterThan(try audio(last).rms, WAVFile.speechRMSFloor)
        XCTAssertEqual(chunks.dropLast().filter { $0["audio"] != nil }.count, 0)
    }

    // MARK: GET /v1/speak

    func testSpeakAnswersWAV() throws {
        let hello = try speak("text=Hello%20there%2C%20little%20robot.")
        XCTAssertEqual(hello.status, 200, hello.text)
        XCTAssertEqual(hello.headers["content-type"], "audio/wav")
        XCTAssertGreaterThan(Double(hello.headers["x-tts-ms"] ?? "") ?? 0, 0, "synthesis time in X-TTS-Ms")
        let helloWAV = try WAVFile(streamed: hello.body)
        XCTAssertEqual(helloWAV.sampleRate, 22050)
        XCTAssertGreaterThan(helloWAV.rms, WAVFile.speechRMSFloor)
        XCTAssertGreaterThan(helloWAV.seconds, 0.5)

        // `+` is a space, as in any query: the same words, the same speech (not "plus").
        let plus = try WAVFile(streamed: try speak("text=Hello+there%2C+little+robot.").body)
        XCTAssertEqual(Double(plus.samples.count), Double(helloWAV.samples.count),
                       accuracy: Double(helloWAV.samples.count) * Self.sameSpeechTolerance)

        let longer = try WAVFile(streamed: try speak("text=" + String(repeating: "Hello%20there%2C%20little%20robot.%20", count: 3)).body)
        XCTAssertGreaterThan(longer.samples.count, helloWAV.samples.count * 2, "three times the text")

        let slow = try WAVFile(streamed: try speak("text=Hello%20there%2C%20little%20robot.&rate=100").body)
        let fast = try WAVFile(streamed: try speak("text=Hello%20there%2C%20little%20robot.&rate=350").body)
        XCTAssertGreaterThan(slow.samples.count, fast.samples.count, "rate is words per minute")

        let british = try speak("text=Hello%20there.&voice=en-gb")
        XCTAssertEqual(british.status, 200, british.text)
        XCTAssertGreaterThan(try WAVFile(streamed: british.body).rms, WAVFile.speechRMSFloor)
        let quiet = try WAVFile(streamed: try speak("text=Hello%20there%2C%20little%20robot.&volume=20").body)
        XCTAssertLessThan(quiet.rms, helloWAV.rms / 2, "volume scales the amplitude")

        let utf8 = try speak("text=%C3%BCber%20alles%2C%20na%C3%AFve%20caf%C3%A9.")   // über alles, naïve café.
        XCTAssertEqual(utf8.status, 200, utf8.text)
        XCTAssertGreaterThan(try WAVFile(streamed: utf8.body).rms, WAVFile.speechRMSFloor)

        // Other voices and rates came and went: the configured voice speaks as before.
        let again = try WAVFile(streamed: try speak("text=Hello%20there%2C%20little%20robot.").body)
        XCTAssertEqual(Double(again.samples.count), Double(helloWAV.samples.count),
                       accuracy: Double(helloWAV.samples.count) * Self.sameSpeechTolerance)
    }

    /// Issue 14: 30 clients ask for two minutes of speech each and then stop reading.
    /// Each answer is sent as it is synthesized, a piece at a time, so a stalled one holds
    /// one piece; at most `max_audio_bytes` worth of them run at once, the rest get 503.
    /// The server's resident memory grows by less than that bound plus the connections'
    /// own overhead (it grew by 326 MB when every answer was made whole first).
    func testSlowSpeakReadersStayWithinTheAudioBound() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("babyllama-speak-\(UUID().uuidString).json").path
        let settings: [String: Any] = [
            "server": ["max_connections_per_ip": 0],
            "limits": ["queue_size": 4],
            "speech": ["enabled": true, "audio_device": Self.missingDevice, "max_text_bytes": 2048,
                       "max_audio_bytes": 8 << 20],
        ]
        try JSONSerialization.data(withJSONObject: settings).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let own = try ServerProcess(["--config", path, "--model", Repo.model, "--tokenizer", Repo.tokenizer])
        let sentence = "The little dragon flew over the hills and sang a song to the moon. "
        let text = String(String(repeating: sentence, count: 40).prefix(2040))
        let query = "/v1/speak?text=" + text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        _ = try Curl.request("GET", own.url(query))   // warm: the voice loaded, the first answer's buffers made
        let before = own.residentKiB
        let readers = try (0..<30).map { _ in try StalledReader(port: own.port, path: query) }
        let statuses = readers.map { $0.status(timeoutSeconds: 120) }
        let answered = statuses.filter { $0 == 200 }.count
        XCTAssertEqual(answered + statuses.filter { $0 == 503 }.count, 30, "\(statuses)")
        // 8 MiB / (30 s of 22050 Hz 16-bit samples) = 6 streams, and the queue allows 5.
        XCTAssertGreaterThanOrEqual(answered, 1)
        XCTAssertLessThanOrEqual(answered, 5, "\(statuses)")
        let grownKiB = own.residentKiB - before
        print("30 stalled /v1/speak readers: \(answered) answered 200, the rest 503; resident memory +\(grownKiB) KiB")
        // The bound (8 MiB) plus each connection's thread and buffers: far below what 30 whole answers took.
        XCTAssertLessThan(grownKiB, (8 + 16) << 10, "resident memory grew by \(grownKiB) KiB")
        readers.forEach { $0.close() }
        XCTAssertTrue(waitFor(seconds: 60) { (try? own.metric("babyllama_tts_requests_total")).map { $0 >= 2 } ?? false },
                      "the stalled answers end when their clients leave")
        XCTAssertEqual(try Curl.request("GET", own.url("/v1/speak?text=Still%20here.")).status, 200)
        XCTAssertEqual(own.stop(), 0)
    }

    func testSpeakErrors() throws {
        func check(_ query: String, _ status: Int, param: String?, _ fragment: String = "") throws {
            let answer = try speak(query)
            answer.assertError(status, query)
            let error = answer.json()["error"] as? [String: Any] ?? [:]
            XCTAssertEqual(error["param"] as? String, param, query)
            let message = error["message"] as? String ?? ""
            XCTAssertTrue(fragment.isEmpty || message.contains(fragment), "\(query): \(message)")
        }
        let limit = ServiceSpeechTests.textLimit
        try check("", 422, param: "text", "'text' is required")
        try check("voice=en-us", 422, param: "text", "'text' is required")
        try check("text=", 422, param: "text")
        try check("text=...%20!!!%20%22%22", 422, param: "text", "nothing to speak")
        try check("text=%FF%FE", 400, param: "text", "UTF-8")
        try check("text=a%00b", 422, param: "text", "NUL")
        try check("text=" + String(repeating: "a", count: limit + 1), 422, param: "text",
                  "\(limit + 1) bytes long; this server speaks at most \(limit)")
        try check("text=hi&voice=klingon-nope", 422, param: "voice", "unknown voice 'klingon-nope'")
        try check("text=hi&voice=en%20us", 422, param: "voice", "not a voice name")
        try check("text=hi&rate=fast", 422, param: "rate")
        try check("text=hi&rate=1000", 422, param: "rate", "80 to 450")
        try check("text=hi&volume=300", 422, param: "volume", "0 to 200")
        XCTAssertEqual(try speak("text=" + String(repeating: "a", count: limit)).status, 200, "the limit itself is fine")
        let post = try Curl.request("POST", server.url("/v1/speak?text=hi"), body: Curl.body(["text": "hi"]))
        post.assertError(405, "POST /v1/speak")
        XCTAssertEqual(post.headers["allow"], "GET, HEAD")
        XCTAssertEqual(try Curl.request("GET", server.url("/healthz")).status, 200)
    }

    // MARK: "speak": true

    func testSpeakingWithoutAnAudioDeviceSucceedsWithOneWarning() throws {
        let server = try self.server
        let failuresBefore = try server.metric("babyllama_tts_playback_failures_total") ?? -1
        let answer = try post("/v1/generate", ["prompt": "Once upon a time", "seed": 3, "max_tokens": 60, "speak": true])
        XCTAssertEqual(answer.status, 200, answer.text)
        let json = answer.json()
        XCTAssertEqual((json["tokens"] as? [Int])?.count, 60)
        XCTAssertGreaterThan(ttsMilliseconds(json), 0, "the story was synthesized and timed")
        XCTAssertNil(json["audio"], "speak alone returns no audio")
        // The playback thread reports the missing device; the metric counts it once it has.
        XCTAssertTrue(try waitFor(seconds: 60) {
            try server.metric("babyllama_tts_playback_failures_total") ?? 0 >= failuresBefore + 1
        }, server.log)
        var found = warnings(server.log)
        XCTAssertEqual(found.count, 1, server.log)
        XCTAssertTrue(found.first?.hasPrefix("babyllama: warning: no audio device '\(ServiceSpeechTests.missingDevice)': ") ?? false,
                      server.log)
        XCTAssertTrue(found.first?.hasSuffix("; the story is not spoken aloud") ?? false, server.log)

        // Another story, streamed through the OpenAI API, with audio too: it succeeds,
        // and the same warning is not logged again.
        let stream = try post("/v1/completions", ["prompt": "The dog", "seed": 4, "max_tokens": 30, "speak": true,
                                                  "audio": "wav", "stream": true])
        XCTAssertEqual(stream.status, 200)
        let last = try XCTUnwrap(events(stream.text).last)
        XCTAssertGreaterThan(ttsMilliseconds(last), 0)
        XCTAssertGreaterThan(try audio(last).rms, WAVFile.speechRMSFloor)
        XCTAssertTrue(try waitFor(seconds: 60) {
            try server.metric("babyllama_tts_playback_failures_total") ?? 0 >= failuresBefore + 2
        }, server.log)
        found = warnings(server.log)
        XCTAssertEqual(found.count, 1, "one warning while the device stays missing: \(server.log)")
        XCTAssertTrue(server.process.isRunning)
        XCTAssertEqual(try Curl.request("GET", server.url("/healthz")).status, 200)
    }

    /// A machine with no sound card at all (a Duo 64M; most CI machines) and the
    /// default device: `"speak"` cannot be heard, so the answer carries the speech as
    /// WAV instead, the start-up log says why, and nothing counts as a failed playback.
    func testSpeakingWithNoSoundCardAnswersTheSpeechAsWAV() throws {
        if FileManager.default.fileExists(atPath: "/dev/snd") {
            throw XCTSkip("this machine has sound devices (/dev/snd)")
        }
        let own = try ServerProcess(["--config", try ServiceSpeechTests.config(speech: ["enabled": true,
                                                                                        "audio_device": "default"]),
                                     "--model", Repo.model, "--tokenizer", Repo.tokenizer])
        defer { _ = own.stop() }
        let answer = try post("/v1/generate", ["prompt": "Once upon a time", "seed": 5, "max_tokens": 40, "speak": true],
                              on: own)
        XCTAssertEqual(answer.status, 200, answer.text)
        let json = answer.json()
        XCTAssertGreaterThan(try audio(json).rms, WAVFile.speechRMSFloor, "the story's speech, as WAV")
        XCTAssertGreaterThan(ttsMilliseconds(json), 0)
        XCTAssertTrue(own.log.contains("no sound card for audio device 'default'"), own.log)
        XCTAssertEqual(try own.metric("babyllama_tts_playback_failures_total"), 0)
        XCTAssertEqual(warnings(own.log), [], own.log)
    }

    func testStoriesAreHeardWholeOneAtATimeInOrderAfterTheirAnswers() throws {
        let speaker = try PipeSpeaker()
        defer { speaker.stop() }
        let own = try ServerProcess(["--config", try ServiceSpeechTests.config(speech: ["enabled": true,
                                                                                        "audio_device": PipeSpeaker.device]),
                                     "--model", Repo.model, "--tokenizer", Repo.tokenizer],
                                    environment: ["HOME": speaker.home.path])
        defer { own.stop(signal: SIGKILL) }
        // The device plays nothing yet: each answer must still come, with its story's speech.
        var stories: [WAVFile] = []
        for (prompt, seed) in [("Once upon a time", 21), ("The dog", 22), ("Lily", 23)] {
            let answer = try post("/v1/generate", ["prompt": prompt, "seed": seed, "max_tokens": 60, "speak": true,
                                                   "audio": "wav"], on: own)
            XCTAssertEqual(answer.status, 200, answer.text)
            stories.append(try audio(answer.json()))
        }
        // The first story's audio is far more than the pipe and ALSA's buffer hold, so it cannot have been heard.
        XCTAssertGreaterThan(stories[0].samples.count * 2, 400_000)
        XCTAssertEqual(speaker.bytes.count, 0)
        XCTAssertEqual(try own.metric("babyllama_tts_stories_played_total"), 0)

        speaker.setGate(open: true)
        XCTAssertTrue(try waitFor(seconds: 60) { try own.metric("babyllama_tts_stories_played_total") ?? 0 >= 3 }, own.log)
        var expected = Data()
        for story in stories {
            for sample in story.samples { withUnsafeBytes(of: sample.littleEndian) { expected.append(contentsOf: $0) } }
        }
        XCTAssertEqual(speaker.bytes.count, expected.count, "every sample played, none twice")
        XCTAssertTrue(speaker.bytes == expected, "the stories were heard whole, one after another, in request order")
        XCTAssertEqual(try own.metric("babyllama_tts_playback_failures_total"), 0)
        XCTAssertEqual(warnings(own.log), [], "a working device gives no warning")

        // Stories being heard, or waiting for their turn, when the server is told to stop are cut short.
        speaker.setGate(open: false)
        for seed in 24...26 {
            XCTAssertEqual(try post("/v1/generate", ["prompt": "Once", "seed": seed, "max_tokens": 100, "speak": true],
                                    on: own).status, 200)
        }
        kill(own.pid, SIGTERM)
        speaker.setGate(open: true)   // a real card goes on consuming audio
        XCTAssertTrue(waitFor(seconds: 60) { !own.process.isRunning }, own.log)
        own.process.waitUntilExit()
        XCTAssertEqual(own.process.terminationStatus, 0, own.log)
        XCTAssertTrue(own.log.contains("babyllama: stopped"), own.log)
    }

    /// Spoken stories generated together in one batch: each answer has its own story and
    /// speech, and the device plays them whole, one after another.
    func testStoriesGeneratedTogetherAreHeardWholeOneAfterAnother() throws {
        let speaker = try PipeSpeaker()
        defer { speaker.stop() }
        let own = try ServerProcess(["--config", try ServiceSpeechTests.config(speech: ["enabled": true,
                                                                                        "audio_device": PipeSpeaker.device]),
                                     "--model", SlowModel.path, "--tokenizer", Repo.tokenizer, "--threads", "1",
                                     "--max-batch", "3"],
                                    environment: ["HOME": speaker.home.path])
        defer { own.stop(signal: SIGKILL) }
        let requests: [[String: Any]] = [
            ["prompt": "Once upon a time", "seed": 41, "temperature": 0.8, "max_tokens": 60],
            ["prompt": "The dog", "seed": 42, "temperature": 1.0, "max_tokens": 45],
            ["prompt": "Lily", "seed": 43, "temperature": 0, "max_tokens": 70],
        ]
        final class Answers: @unchecked Sendable {
            let lock = NSLock()
            var byIndex: [Int: HTTPResult] = [:]
        }
        let answers = Answers()
        let done = DispatchSemaphore(value: 0)
        let url = own.url("/v1/generate")
        for (index, request) in requests.enumerated() {
            var spoken = request
            spoken["speak"] = true
            spoken["audio"] = "wav"
            let body = Curl.body(spoken)
            Thread {
                if let answer = try? Curl.request("POST", url, body: body) {
                    answers.lock.lock(); answers.byIndex[index] = answer; answers.lock.unlock()
                }
                done.signal()
            }.start()
        }
        for _ in requests { done.wait() }
        let steps = try XCTUnwrap(try own.metric("babyllama_batch_occupancy_count"))
        XCTAssertGreaterThan(steps, try own.metric("babyllama_batch_occupancy_bucket{le=\"1\"}") ?? steps,
                             "the stories were not generated together")
        var stories: [WAVFile] = []
        var tokens: [[Int]] = []
        for index in requests.indices {
            let answer = try XCTUnwrap(answers.byIndex[index], "request \(index) got no answer")
            XCTAssertEqual(answer.status, 200, answer.text)
            stories.append(try audio(answer.json()))
            tokens.append(answer.json()["tokens"] as? [Int] ?? [])
        }

        speaker.setGate(open: true)
        XCTAssertTrue(try waitFor(seconds: 60) { try own.metric("babyllama_tts_stories_played_total") ?? 0 >= 3 }, own.log)
        // Whole stories in the order their requests arrived (which the clients cannot tell).
        func samples(_ order: [Int]) -> Data {
            var bytes = Data()
            for index in order {
                for sample in stories[index].samples { withUnsafeBytes(of: sample.littleEndian) { bytes.append(contentsOf: $0) } }
            }
            return bytes
        }
        let played = speaker.bytes
        let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]
        XCTAssertTrue(orders.contains { samples($0) == played }, "\(played.count) bytes played, not the three stories one after another")
        XCTAssertEqual(warnings(own.log), [])

        // Each alone, without speech: the same tokens.
        for (index, request) in requests.enumerated() {
            XCTAssertEqual(try post("/v1/generate", request, on: own).json()["tokens"] as? [Int], tokens[index], "story \(index)")
        }
    }

    func testAStoryCancelledWhileWaitingForItsTurnGivesItUp() throws {
        let speaker = try PipeSpeaker()
        defer { speaker.stop() }
        // A model slow enough (milliseconds a token) that a client can leave mid-story.
        let own = try ServerProcess(["--config", try ServiceSpeechTests.config(speech: ["enabled": true,
                                                                                        "audio_device": PipeSpeaker.device]),
                                     "--model", SlowModel.path, "--tokenizer", Repo.tokenizer, "--threads", "1"],
                                    environment: ["HOME": speaker.home.path])
        defer { own.stop(signal: SIGKILL) }
        func story(_ seed: Int, tokens: Int, stream: Bool = false) -> [String: Any] {
            ["prompt": "Once upon a time", "seed": seed, "max_tokens": tokens, "temperature": 0, "speak": true,
             "audio": "wav", "stream": stream]
        }
        // The first story holds the device (nothing is read from it yet).
        let first = try post("/v1/generate", story(31, tokens: 150), on: own)
        XCTAssertEqual(first.status, 200, first.text)
        let firstWAV = try audio(first.json())
        XCTAssertGreaterThan(firstWAV.samples.count * 2, 200_000, "more than the pipe and ALSA's buffer hold")

        // The second waits for its turn; its client leaves while it is being generated.
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("babyllama-leaver-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let client = Process()
        client.executableURL = URL(fileURLWithPath: Curl.executable)
        client.arguments = ["-s", "-N", "-X", "POST", "-H", "Content-Type: application/json",
                            "--data-binary", String(decoding: Curl.body(story(32, tokens: 500, stream: true)), as: UTF8.self),
                            "-o", output.path, own.url("/v1/generate")]
        client.standardOutput = FileHandle.nullDevice
        client.standardError = FileHandle.nullDevice
        try client.run()
        XCTAssertTrue(waitFor(seconds: 60) {
            ((try? Data(contentsOf: output)) ?? Data()).count > 0   // tokens are streaming
        })
        client.terminate()
        client.waitUntilExit()
        XCTAssertTrue(try waitFor(seconds: 60) {
            try own.metric("babyllama_generations_total{stop_reason=\"cancelled\"}") ?? 0 >= 1
        }, own.log)

        // The third must get the turn the second gave up.
        let third = try post("/v1/generate", story(33, tokens: 20), on: own)
        XCTAssertEqual(third.status, 200, third.text)
        let thirdWAV = try audio(third.json())
        speaker.setGate(open: true)
        XCTAssertTrue(try waitFor(seconds: 60) { try own.metric("babyllama_tts_stories_played_total") ?? 0 >= 2 }, own.log)
        var expected = Data()
        for sample in firstWAV.samples + thirdWAV.samples {
            withUnsafeBytes(of: sample.littleEndian) { expected.append(contentsOf: $0) }
        }
        XCTAssertTrue(speaker.bytes == expected, "the first story, then the third: \(speaker.bytes.count) bytes, expected \(expected.count)")
        XCTAssertEqual(try own.metric("babyllama_tts_requests_total"), 2, "the cancelled story is not counted as answered")
        XCTAssertEqual(warnings(own.log), [], "a cancelled story's playback ends quietly")
    }

    // MARK: Metrics

    func testMetricsCountTextToSpeech() throws {
        let server = try self.server
        XCTAssertEqual(try server.metric("babyllama_speech_available"), 1)
        func counters() throws -> [String: Double] {
            var values: [String: Double] = [:]
            for name in ["babyllama_tts_requests_total", "babyllama_tts_sentences_total", "babyllama_tts_seconds_total",
                         "babyllama_tts_audio_seconds_total", "babyllama_tts_failed_sentences_total"] {
                values[name] = try XCTUnwrap(try server.metric(name), "metrics lack \(name)")
            }
            return values
        }
        let before = try counters()
        let spoken = try WAVFile(streamed: try speak("text=One%20cat.%20Two%20dogs.%20Three%20birds.").body)
        let afterSpeak = try counters()
        XCTAssertEqual(afterSpeak["babyllama_tts_requests_total"]! - before["babyllama_tts_requests_total"]!, 1)
        XCTAssertEqual(afterSpeak["babyllama_tts_sentences_total"]! - before["babyllama_tts_sentences_total"]!, 3)
        XCTAssertGreaterThan(afterSpeak["babyllama_tts_seconds_total"]!, before["babyllama_tts_seconds_total"]!)
        XCTAssertEqual(afterSpeak["babyllama_tts_audio_seconds_total"]! - before["babyllama_tts_audio_seconds_total"]!,
                       spoken.seconds, accuracy: 0.001)

        let story = try post("/v1/generate", ["prompt": "Once upon a time", "seed": 9, "max_tokens": 50, "audio": "wav"]).json()
        let storyWAV = try audio(story)
        let afterStory = try counters()
        XCTAssertEqual(afterStory["babyllama_tts_requests_total"]! - afterSpeak["babyllama_tts_requests_total"]!, 1)
        XCTAssertGreaterThanOrEqual(afterStory["babyllama_tts_sentences_total"]! - afterSpeak["babyllama_tts_sentences_total"]!, 1)
        XCTAssertEqual(afterStory["babyllama_tts_seconds_total"]! - afterSpeak["babyllama_tts_seconds_total"]!,
                       ttsMilliseconds(story) / 1000, accuracy: 0.000_01, "the answer's tts_ms is what the metric counts")
        XCTAssertEqual(afterStory["babyllama_tts_audio_seconds_total"]! - afterSpeak["babyllama_tts_audio_seconds_total"]!,
                       storyWAV.seconds, accuracy: 0.001)
        XCTAssertEqual(afterStory["babyllama_tts_failed_sentences_total"], before["babyllama_tts_failed_sentences_total"])
        let text = try Curl.request("GET", server.url("/metrics")).text
        XCTAssertTrue(text.contains("babyllama_http_requests_total{route=\"/v1/speak\",status=\"200\"}"))
        XCTAssertTrue(text.contains("# TYPE babyllama_tts_seconds_total counter"))
    }

    // MARK: No speech

    func testSpeechTurnedOffIsA501() throws {
        let off = try ServiceSpeechTests.startServer(speech: ["enabled": false])
        defer { off.stop() }
        XCTAssertTrue(off.log.contains("speech is off"), off.log)
        try assertNoSpeech(on: off, reason: "speech.enabled is false")
    }

    func testSpeechThatCannotStartIsA501AndTheServerRuns() throws {
        let broken = try ServiceSpeechTests.startServer(speech: ["enabled": true, "data_path": "/nonexistent/espeak-ng-data"])
        defer { broken.stop() }
        XCTAssertTrue(broken.log.contains("babyllama: warning: speech is not available on this server: espeak-ng-data not found"),
                      broken.log)
        try assertNoSpeech(on: broken, reason: "espeak-ng-data not found")
    }

    /// Every way of asking for speech is refused with 501 and `reason`; stories without speech are served.
    private func assertNoSpeech(on target: ServerProcess, reason: String, file: StaticString = #filePath,
                                line: UInt = #line) throws {
        let asks: [(String, [String: Any], String)] = [
            ("/v1/generate", ["prompt": "a", "speak": true], "speak"),
            ("/v1/generate", ["prompt": "a", "audio": "wav"], "audio"),
            ("/v1/generate", ["prompt": "a", "audio": "wav", "stream": true], "audio"),
            ("/v1/completions", ["prompt": "a", "speak": true, "stream": true], "speak"),
        ]
        for (path, body, param) in asks {
            let answer = try post(path, body, on: target)
            answer.assertError(501, "\(path) \(body)", file: file, line: line)
            let error = answer.json(file: file, line: line)["error"] as? [String: Any] ?? [:]
            XCTAssertEqual(error["param"] as? String, param, file: file, line: line)
            XCTAssertTrue((error["message"] as? String ?? "").contains(reason), "\(error)", file: file, line: line)
        }
        let endpoint = try speak("text=hello", on: target)
        endpoint.assertError(501, "/v1/speak", file: file, line: line)
        XCTAssertTrue(endpoint.text.contains(reason), endpoint.text, file: file, line: line)
        XCTAssertEqual(try post("/v1/generate", ["prompt": "a", "max_tokens": 5, "speak": false], on: target).status, 200,
                       file: file, line: line)
        XCTAssertEqual(try target.metric("babyllama_speech_available"), 0, file: file, line: line)
        XCTAssertEqual(try target.metric("babyllama_tts_requests_total"), 0, file: file, line: line)
    }
}

/// A client that sends one request, reads the status line and then stops reading
/// (its receive buffer small, so the server cannot push the answer into the kernel).
final class StalledReader {
    private var socket: Int32

    init(port: Int, path: String) throws {
        socket = try loopbackConnection(port: port, receiveBuffer: 4_096)
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        _ = request.withCString { Glibc.send(socket, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }

    /// The answer's status code (0 if none came within `timeoutSeconds`); reads only the status line's start.
    func status(timeoutSeconds: Int32) -> Int {
        var head = [UInt8](repeating: 0, count: 12)
        var received = 0
        while received < head.count {
            var watch = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&watch, 1, timeoutSeconds * 1_000) > 0 else { return 0 }
            let count = head.withUnsafeMutableBytes { recv(socket, $0.baseAddress! + received, 12 - received, 0) }
            if count <= 0 { return 0 }
            received += count
        }
        return Int(String(decoding: head[9..<12], as: UTF8.self)) ?? 0
    }

    func close() {
        if socket >= 0 { Glibc.close(socket) }
        socket = -1
    }

    deinit { close() }
}
