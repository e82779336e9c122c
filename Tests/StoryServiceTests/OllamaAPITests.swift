import Foundation
import XCTest

/// Ollama's API on the real server (`babyllama serve`, the bundled stories260K): the
/// same tokens as `/v1/generate` for the same settings, NDJSON streams, Ollama's error
/// shape, the model list, and Ollama's official Python client driving it all.
final class OllamaAPITests: BundledServerTestCase {
    /// The body's lines, each a JSON object (fails the test if one is not).
    private func lines(_ result: HTTPResult, file: StaticString = #filePath, line: UInt = #line) -> [[String: Any]] {
        XCTAssertEqual(result.headers["content-type"], "application/x-ndjson", file: file, line: line)
        XCTAssertTrue(result.text.hasSuffix("\n"), "the last line ends", file: file, line: line)
        return result.text.split(separator: "\n").map { text in
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            XCTAssertNotNil(object, "not a JSON object: \(text.prefix(200))", file: file, line: line)
            return object ?? [:]
        }
    }

    /// Checks Ollama's error shape: `{"error": "message"}` with `status`.
    private func assertOllamaError(_ result: HTTPResult, _ status: Int, _ message: String? = nil,
                                   file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, status, result.text, file: file, line: line)
        XCTAssertEqual(result.headers["content-type"], "application/json", file: file, line: line)
        let error = result.json(file: file, line: line)["error"] as? String
        XCTAssertFalse((error ?? "").isEmpty, "no error message in \(result.text)", file: file, line: line)
        if let message { XCTAssertEqual(error, message, file: file, line: line) }
    }

    /// The seeds-and-tokens guarantee: `/api/generate` with options seed, temperature, top_p and
    /// num_predict tells the story `/v1/generate` tells with the same settings, token for token.
    func testGenerateTellsV1GeneratesStory() throws {
        let cases: [(prompt: String, seed: Int, temperature: Double, topP: Double, tokens: Int)] = [
            ("Once upon a time", 42, 1.0, 0.9, 40),
            ("Tom and his dog", 7, 0.8, 0.9, 250),
            ("Lily and Ben", 123_456_789_012_345, 0, 0.9, 30),
            ("The cat sat", 5, 1.25, 1.0, 508),
            ("ü日本🦙", 99, 1.0, 0.5, 64),
        ]
        for item in cases {
            let native = try post("/v1/generate", ["prompt": item.prompt, "seed": item.seed, "temperature": item.temperature,
                                                   "top_p": item.topP, "max_tokens": item.tokens]).json()
            let options: [String: Any] = ["seed": item.seed, "temperature": item.temperature, "top_p": item.topP,
                                          "num_predict": item.tokens]
            let answer = try post("/api/generate", ["model": "stories260K", "prompt": item.prompt, "stream": false,
                                                    "options": options])
            XCTAssertEqual(answer.status, 200, answer.text)
            XCTAssertEqual(answer.headers["content-type"], "application/json")
            let json = answer.json()
            let promptCount = try XCTUnwrap(native["prompt_tokens"] as? Int)
            let context = json["context"] as? [Int] ?? []
            XCTAssertEqual(Array(context.dropFirst(promptCount)), native["tokens"] as? [Int], "\(item)")
            XCTAssertEqual(context.first, 1, "the context starts with BOS")
            XCTAssertEqual(json["response"] as? String, native["text"] as? String, "\(item)")
            XCTAssertEqual(json["prompt_eval_count"] as? Int, promptCount)
            XCTAssertEqual(json["eval_count"] as? Int, native["completion_tokens"] as? Int)
            XCTAssertEqual(json["seed"] as? Int, item.seed)
            XCTAssertEqual(json["done"] as? Bool, true)
            XCTAssertEqual(json["done_reason"] as? String, native["stop_reason"] as? String == "bos" ? "stop" : "length")
            XCTAssertEqual(json["model"] as? String, "stories260K", "the name asked for, as Ollama answers")
            for key in ["total_duration", "load_duration", "prompt_eval_duration", "eval_duration"] {
                XCTAssertGreaterThanOrEqual(json[key] as? Int ?? -1, 0, key)
            }
            XCTAssertGreaterThanOrEqual(json["total_duration"] as? Int ?? 0, json["eval_duration"] as? Int ?? 1)
            let created = ISO8601DateFormatter()
            created.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            XCTAssertNotNil(created.date(from: json["created_at"] as? String ?? ""), "created_at is RFC 3339")
        }
    }

    func testStreamsAreJSONLinesEndingDone() throws {
        let body: [String: Any] = ["model": "stories260K:latest", "prompt": "Once upon a time",
                                   "options": ["seed": 3, "num_predict": 80]]
        var plain = body
        plain["stream"] = false
        let whole = try post("/api/generate", plain).json()
        let streamed = try post("/api/generate", body)   // Ollama streams unless told not to
        XCTAssertEqual(streamed.status, 200)
        let objects = lines(streamed)
        XCTAssertEqual(objects.count, 81, "80 tokens, then the final object")
        for piece in objects.dropLast() {
            XCTAssertEqual(Set(piece.keys), ["model", "created_at", "response", "done"])
            XCTAssertEqual(piece["done"] as? Bool, false)
        }
        let final = try XCTUnwrap(objects.last)
        XCTAssertEqual(final["done"] as? Bool, true)
        XCTAssertEqual(objects.compactMap { $0["response"] as? String }.joined(), whole["response"] as? String)
        XCTAssertEqual(final["context"] as? [Int], whole["context"] as? [Int])
        XCTAssertEqual(final["eval_count"] as? Int, 80)
        XCTAssertEqual(final["done_reason"] as? String, whole["done_reason"] as? String)

        let chat = try post("/api/chat", ["model": "stories260K", "options": ["seed": 3, "num_predict": 80],
                                          "messages": [["role": "user", "content": "Once upon a time"]]])
        let pieces = lines(chat)
        XCTAssertEqual(pieces.count, 81)
        let contents = pieces.map { ($0["message"] as? [String: String])?["content"] ?? "<none>" }
        XCTAssertEqual(contents.joined(), whole["response"] as? String)
        XCTAssertTrue(pieces.allSatisfy { ($0["message"] as? [String: String])?["role"] == "assistant" })
        XCTAssertEqual(pieces.last?["done"] as? Bool, true)
        XCTAssertNil(pieces.last?["context"])
    }

    /// A chat's story continues the last user message, as `/v1/generate` continues its prompt.
    func testChatContinuesTheLastUserMessage() throws {
        let native = try post("/v1/generate", ["prompt": "Lily found a dragon", "seed": 11, "max_tokens": 100]).json()
        let messages: [[String: Any]] = [
            ["role": "system", "content": "You are a kind storyteller."],
            ["role": "user", "content": "Tell me about Tom."],
            ["role": "assistant", "content": "Tom was a boy."],
            ["role": "user", "content": "Lily found a dragon"],
        ]
        let answer = try post("/api/chat", ["model": "stories260K", "messages": messages, "stream": false,
                                            "options": ["seed": 11, "num_predict": 100], "tools": [], "keep_alive": "5m"])
        XCTAssertEqual(answer.status, 200, answer.text)
        let json = answer.json()
        XCTAssertEqual(json["message"] as? [String: String], ["role": "assistant", "content": native["text"] as? String ?? "?"])
        XCTAssertEqual(json["eval_count"] as? Int, native["completion_tokens"] as? Int)
    }

    /// Ollama's num_predict -1 (no limit) and one past the context run to the context's end.
    func testUnlimitedNumPredictRunsToTheEndOfTheContext() throws {
        let native = try post("/v1/generate", ["prompt": "The dog", "seed": 21, "temperature": 0, "max_tokens": 512]).json()
        for limit in [-1, -2, 0, 100_000] {
            let answer = try post("/api/generate", ["prompt": "The dog", "stream": false,
                                                    "options": ["seed": 21, "temperature": 0, "num_predict": limit]]).json()
            XCTAssertEqual(answer["response"] as? String, native["text"] as? String, "num_predict \(limit)")
            XCTAssertEqual(answer["eval_count"] as? Int, native["completion_tokens"] as? Int, "num_predict \(limit)")
        }
    }

    func testARandomSeedIsReturnedAndReplays() throws {
        let first = try post("/api/generate", ["prompt": "Once", "stream": false, "options": ["num_predict": 40]]).json()
        let seed = try XCTUnwrap(first["seed"] as? Int)
        XCTAssertGreaterThan(seed, 0)
        let replay = try post("/api/generate", ["prompt": "Once", "stream": false,
                                                "options": ["num_predict": 40, "seed": seed]]).json()
        XCTAssertEqual(replay["context"] as? [Int], first["context"] as? [Int])
    }

    func testModelListShowAndVersion() throws {
        let tags = try Curl.request("GET", server.url("/api/tags"))
        XCTAssertEqual(tags.status, 200)
        let models = try XCTUnwrap(tags.json()["models"] as? [[String: Any]])
        XCTAssertEqual(models.map { $0["name"] as? String }, ["stories260K:latest"])
        XCTAssertEqual(models.first?["size"] as? Int, try Data(contentsOf: URL(fileURLWithPath: Repo.model)).count)
        let model = try Curl.request("GET", server.url("/v1/model")).json()
        XCTAssertEqual(models.first?["digest"] as? String, model["sha256"] as? String)

        for body in [["model": "stories260K:latest"], ["name": "stories260K"], ["model": "stories260K.bin"]] {
            let show = try post("/api/show", body)
            XCTAssertEqual(show.status, 200, "\(body)")
            XCTAssertEqual((show.json()["model_info"] as? [String: Any])?["llama.context_length"] as? Int, 512)
        }
        assertOllamaError(try post("/api/show", ["model": "llama3.2"]), 404, "model 'llama3.2' not found")
        assertOllamaError(try post("/api/show", [:]), 400, "'model' is required")

        let version = try Curl.request("GET", server.url("/api/version"))
        XCTAssertEqual(version.status, 200)
        XCTAssertEqual((version.json()["version"] as? String)?.split(separator: ".").count, 3)
        XCTAssertEqual(try Curl.request("HEAD", server.url("/api/tags")).status, 200)
    }

    func testNoPromptIsOllamasLoadAnswer() throws {
        let generate = try post("/api/generate", ["model": "stories260K"])
        XCTAssertEqual(generate.status, 200)
        XCTAssertEqual(generate.json()["done_reason"] as? String, "load")
        XCTAssertEqual(generate.json()["response"] as? String, "")
        let chat = try post("/api/chat", ["model": "stories260K", "messages": []])
        XCTAssertEqual(chat.json()["done_reason"] as? String, "load")
        assertOllamaError(try post("/api/generate", ["model": "llama3.2"]), 404, "model 'llama3.2' not found")
    }

    /// Errors on Ollama's routes are `{"error": "message"}` (what Ollama's clients show) with
    /// Ollama's status; the other routes keep theirs.
    func testErrorsInOllamasShape() throws {
        assertOllamaError(try post("/api/generate", ["model": "llama3.2:8b", "prompt": "a"]), 404,
                          "model 'llama3.2:8b' not found")
        assertOllamaError(try post("/api/chat", ["model": "gemma", "messages": [["role": "user", "content": "a"]]]), 404)
        assertOllamaError(try Curl.request("POST", server.url("/api/generate"), body: Data(#"{"prompt": "a"#.utf8)), 400)
        assertOllamaError(try post("/api/generate", ["prompt": "a", "options": ["temperature": -1]]), 400,
                          "'options.temperature' must be 0 or more")
        assertOllamaError(try post("/api/chat", ["messages": [["role": "system", "content": "a"]]]), 400)
        assertOllamaError(try post("/api/generate", ["prompt": String(repeating: "x ", count: 600)]), 400)
        let wrongMethod = try Curl.request("GET", server.url("/api/generate"))
        assertOllamaError(wrongMethod, 405)
        XCTAssertEqual(wrongMethod.headers["allow"], "POST")
        assertOllamaError(try Curl.request("POST", server.url("/api/tags")), 405)
        assertOllamaError(try Curl.request("POST", server.url("/api/chat"), body: Data(count: 70_000)), 413)
        // Not Ollama's: the service's own shape still.
        try Curl.request("POST", server.url("/v1/generate"), body: Data(count: 70_000)).assertError(413, "v1 body")
        try Curl.request("GET", server.url("/api/pull")).assertError(404, "an Ollama route not offered")
    }

    func testMetricsCountOllamaRoutes() throws {
        _ = try post("/api/generate", ["prompt": "Once", "stream": false, "options": ["num_predict": 3]])
        _ = try post("/api/chat", ["messages": [["role": "user", "content": "Once"]], "options": ["num_predict": 3]])
        _ = try Curl.request("GET", server.url("/api/tags"))
        let metrics = try Curl.request("GET", server.url("/metrics")).text
        for route in ["/api/generate", "/api/chat", "/api/tags"] {
            XCTAssertTrue(metrics.contains("babyllama_http_requests_total{route=\"\(route)\",status=\"200\"}"), route)
        }
    }

    /// With `auth.token` set, Ollama's routes want it too (401 in Ollama's shape without it), and
    /// Ollama's Python client sends it from OLLAMA_API_KEY.
    func testTheTokenGuardsOllamasRoutes() throws {
        let token = "bedtime-" + UUID().uuidString
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("ollama-auth-\(UUID().uuidString).json")
        try Curl.body(["auth": ["token": token]]).write(to: config)
        defer { try? FileManager.default.removeItem(at: config) }
        let guarded = try ServerProcess(["--config", config.path, "--model", Repo.model, "--tokenizer", Repo.tokenizer])
        defer { guarded.stop() }
        assertOllamaError(try Curl.request("GET", guarded.url("/api/tags")), 401)
        assertOllamaError(try Curl.request("POST", guarded.url("/api/generate"), body: Curl.body(["prompt": "a"])), 401)
        XCTAssertEqual(try Curl.request("GET", guarded.url("/api/tags"), headers: ["Authorization: Bearer \(token)"]).status, 200)
        let list = "import ollama, sys; print(ollama.Client(host=sys.argv[1]).list().models[0].model)"
        let withKey = try runProgram("/usr/bin/env", ["OLLAMA_API_KEY=\(token)", python, "-c", list, guarded.baseURL])
        XCTAssertEqual(String(decoding: withKey.stdout, as: UTF8.self), "stories260K:latest\n",
                       String(decoding: withKey.stderr, as: UTF8.self))
        let without = try runProgram("/usr/bin/env", ["-u", "OLLAMA_API_KEY", python, "-c", list, guarded.baseURL])
        XCTAssertNotEqual(without.status, 0)
        XCTAssertTrue(String(decoding: without.stderr, as: UTF8.self).contains("status code: 401"),
                      String(decoding: without.stderr, as: UTF8.self))
    }

    /// The interpreter with Ollama's client: the project's .venv (scripts/install-deps.sh), else python3.
    private var python: String {
        let venv = Repo.path(".venv/bin/python")
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3"
    }

    /// Ollama's official Python client (PyPI `ollama`, installed into .venv by
    /// scripts/install-deps.sh): list, show, version, generate and chat streamed and not,
    /// each story against `/v1/generate`, and the errors it raises (scripts/ollama-client-check.py).
    func testOfficialPythonClient() throws {
        let result = try runProgram("/usr/bin/env", [python, Repo.path("scripts/ollama-client-check.py"), try server.baseURL])
        let output = String(decoding: result.stdout, as: UTF8.self) + String(decoding: result.stderr, as: UTF8.self)
        XCTAssertEqual(result.status, 0, output)
        XCTAssertTrue(output.contains(", 0 did not"), output)
    }
}
