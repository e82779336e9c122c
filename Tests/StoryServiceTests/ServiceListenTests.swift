import Foundation
import TestSupport
import XCTest

/// Listening in the real server (`serve --listen`): `POST /v1/listen`, `"prompt_audio"`
/// on the generation routes, the STT metrics, every refusal, and a server without it.
final class ServiceListenTests: XCTestCase {
    static let request = "tell me a story about a dragon and a cat"
    static let opening = "Once upon a time, there was a dragon and a cat."

    /// The server most tests share: listening on, `listen.max_seconds` 8.
    private static let shared = SharedServer {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("babyllama-listen-\(getpid()).json")
        try JSONSerialization.data(withJSONObject: ["listen": ["enabled": true, "config_dir": Repo.path("Config/listen"),
                                                               "max_seconds": 8]])
            .write(to: config)
        return try ServerProcess(["--config", config.path, "--model", Repo.model, "--tokenizer", Repo.tokenizer])
    }

    private var server: ServerProcess { get throws { try Self.shared.server } }

    override class func tearDown() {
        shared.stop()
        super.tearDown()
    }

    /// `text` spoken by babyllama's `say` (espeak-ng, 22050 Hz).
    private func spoken(_ text: String) throws -> Data {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("babyllama-listen-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try runProgram(Repo.binary, ["say", text, "--out", file.path])
        XCTAssertEqual(result.status, 0, String(decoding: result.stderr, as: UTF8.self))
        return try Data(contentsOf: file)
    }

    private func listen(_ body: Data, contentType: String = "audio/wav", on target: ServerProcess? = nil) throws -> HTTPResult {
        try Curl.request("POST", (target ?? server).url("/v1/listen"), body: body, headers: ["Content-Type: " + contentType])
    }

    func testListenHearsTheRequest() throws {
        let answer = try listen(try spoken(Self.request))
        XCTAssertEqual(answer.status, 200, answer.text)
        let json = answer.json()
        XCTAssertEqual(json["text"] as? String, Self.request)
        XCTAssertEqual(json["understood"] as? Bool, true)
        let request = try XCTUnwrap(json["request"] as? [String: Any])
        XCTAssertEqual((request["characters"] as? [[String: Any]])?.compactMap { $0["word"] as? String }, ["dragon", "cat"])
        XCTAssertEqual(request["prompt"] as? String, Self.opening)
        XCTAssertGreaterThan(json["stt_ms"] as? Double ?? 0, 0)
        // audio/x-wav (what some recorders send) is taken too.
        XCTAssertEqual(try listen(try spoken(Self.request), contentType: "audio/x-wav; codecs=1").status, 200)
    }

    /// A spoken prompt tells the same story as the opening it is heard as, typed.
    func testPromptAudioTellsTheStoryOfWhatWasHeard() throws {
        let audio = try spoken(Self.request).base64EncodedString()
        let typed = try Curl.request("POST", try server.url("/v1/generate"),
                                     body: Curl.body(["prompt": Self.opening, "seed": 3, "max_tokens": 40])).json()
        for path in ["/v1/generate", "/v1/completions"] {
            let answer = try Curl.request("POST", try server.url(path),
                                          body: Curl.body(["prompt_audio": audio, "seed": 3, "max_tokens": 40]))
            XCTAssertEqual(answer.status, 200, "\(path): \(answer.text)")
            let json = answer.json()
            let heard = try XCTUnwrap(json["heard"] as? [String: Any], path)
            XCTAssertEqual(heard["text"] as? String, Self.request, path)
            XCTAssertEqual((heard["request"] as? [String: Any])?["prompt"] as? String, Self.opening, path)
            XCTAssertGreaterThan((json["timing"] as? [String: Any])?["stt_ms"] as? Double ?? 0, 0, path)
            if path == "/v1/generate" { XCTAssertEqual(json["tokens"] as? [Int], typed["tokens"] as? [Int]) }
        }
        XCTAssertEqual((typed["timing"] as? [String: Any])?["stt_ms"] as? Double, 0, "nothing heard, no STT time")
        XCTAssertGreaterThanOrEqual(try server.metric("babyllama_stt_requests_total{result=\"understood\"}") ?? 0, 2)
        XCTAssertGreaterThan(try server.metric("babyllama_stt_seconds_total") ?? 0, 0)
        XCTAssertEqual(try server.metric("babyllama_listening_available"), 1)
    }

    func testEveryRefusal() throws {
        let pcm = WAVBuilder.bytes([Int16](repeating: 0, count: 1_600))
        var truncated = WAVBuilder.file(data: pcm)
        truncated.removeLast(11)
        let nineSeconds = WAVBuilder.file(data: WAVBuilder.bytes([Int16](repeating: 0, count: 16_000 * 9)))
        let cases: [(String, Data, String, Int)] = [
            ("JSON", Curl.body(["prompt": "a"]), "application/json", 415),
            ("text", Data("not audio".utf8), "audio/wav", 400),
            ("truncated", Data(truncated), "audio/wav", 400),
            ("float", Data(WAVBuilder.file(formatTag: 3, bits: 32, data: pcm)), "audio/wav", 415),
            ("96 kHz", Data(WAVBuilder.file(sampleRate: 96_000, data: pcm)), "audio/wav", 415),
            ("0 s", Data(WAVBuilder.file(data: [])), "audio/wav", 422),
            ("9 s", Data(nineSeconds), "audio/wav", 413),
            ("over the body limit", Data(count: 8 * 32_000 + 8_000), "audio/wav", 413),
        ]
        for (name, body, type, status) in cases {
            try listen(body, contentType: type).assertError(status, name)
        }
        let generate: [(String, [String: Any], Int)] = [
            ("both", ["prompt": "Once", "prompt_audio": "UklGRg=="], 422),
            ("not base64", ["prompt_audio": "not base64!"], 422),
            ("not a string", ["prompt_audio": 12], 422),
            ("not a WAV", ["prompt_audio": Data("hello".utf8).base64EncodedString()], 400),
        ]
        for (name, body, status) in generate {
            let answer = try Curl.request("POST", try server.url("/v1/generate"), body: Curl.body(body))
            answer.assertError(status, name)
            XCTAssertEqual((answer.json()["error"] as? [String: Any])?["param"] as? String,
                           name == "both" || name == "not base64" || name == "not a string" || name == "not a WAV"
                               ? "prompt_audio" : nil, name)
        }
        XCTAssertGreaterThan(try server.metric("babyllama_stt_requests_total{result=\"failed\"}") ?? 0, 0)
        // The server is still well.
        XCTAssertEqual(try Curl.request("GET", try server.url("/healthz")).status, 200)
    }

    /// Without listening (the default) both ways in are 501, with the reason. (Its bodies
    /// are held to `limits.max_body_bytes`: a second of 16 kHz audio fits.)
    func testWithoutListeningIs501() throws {
        let plain = try ServerProcess()
        defer { plain.stop() }
        let second = Data(WAVBuilder.file(data: WAVBuilder.bytes(WAVBuilder.tone(frequency: 300, sampleRate: 16_000, seconds: 1))))
        let answer = try listen(second, on: plain)
        answer.assertError(501)
        XCTAssertTrue(answer.text.contains("listen.enabled is false"), answer.text)
        let generate = try Curl.request("POST", plain.url("/v1/generate"),
                                        body: Curl.body(["prompt_audio": second.base64EncodedString()]))
        generate.assertError(501)
        XCTAssertEqual(try plain.metric("babyllama_listening_available"), 0)
    }

    /// A broken grammar folder: the server starts, says why in its log, and answers 501.
    func testBrokenGrammarIsLoggedAndAnswered501() throws {
        let broken = try ServerProcess(["--listen", "--model", Repo.model, "--tokenizer", Repo.tokenizer,
                                        "--config", try Self.config(["listen": ["config_dir": "/nonexistent"]])])
        defer { broken.stop() }
        XCTAssertTrue(broken.log.contains("warning: listening is not available"), broken.log)
        let answer = try listen(try spoken(Self.request), on: broken)
        answer.assertError(501)
        XCTAssertTrue(answer.text.contains("/nonexistent/story.gram"), answer.text)
    }

    private static func config(_ object: [String: Any]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("babyllama-listen-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: object).write(to: file)
        return file.path
    }
}
