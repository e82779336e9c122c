import Foundation
import LlamaCore
import StoryService
import Support
import XCTest

/// The real server (`babyllama serve` on a free loopback port, the bundled
/// stories260K model) spoken to over HTTP with curl.
final class ServiceAPITests: BundledServerTestCase {
    /// `babyllama run --json` for the same model; returns (prompt token count, generated ids).
    private func run(prompt: String, seed: Int, temperature: String, topP: String, steps: Int) throws -> (Int, [Int]) {
        let result = try runProgram(Repo.binary, ["run", Repo.model, "-z", Repo.tokenizer, "-i", prompt, "-s", "\(seed)",
                                                  "-t", temperature, "-p", topP, "-n", "\(steps)", "--json"])
        XCTAssertEqual(result.status, 0, String(decoding: result.stderr, as: UTF8.self))
        let object = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any] ?? [:]
        let tokens = object["tokens"] as? [Int] ?? []
        let promptCount = object["prompt_tokens"] as? Int ?? 0
        return (promptCount, Array(tokens.dropFirst(promptCount)))
    }

    /// The text the service must answer for `tokens` after `prompt`: the decoded bytes, repaired.
    private func expectedText(prompt: String, tokens: [Int]) throws -> String {
        let tokenizer = try Tokenizer(path: Repo.tokenizer, vocabSize: 512)
        var previous = tokenizer.encode(prompt, bos: true, eos: false).last!
        var bytes: [UInt8] = []
        for token in tokens {
            bytes += tokenizer.decode(previous: previous, token: token)
            previous = token
        }
        return String(decoding: UTF8Repair.repaired(bytes), as: UTF8.self)
    }

    func testHealthModelAndMetrics() throws {
        for path in ["/healthz", "/health"] {
            let health = try Curl.request("GET", server.url(path))
            XCTAssertEqual(health.status, 200)
            XCTAssertEqual(health.json()["status"] as? String, "ok")
            XCTAssertEqual(health.headers["content-type"], "application/json")
        }
        let model = try Curl.request("GET", server.url("/v1/model")).json()
        let file = try Data(contentsOf: URL(fileURLWithPath: Repo.model))
        XCTAssertEqual(model["sha256"] as? String, file.withUnsafeBytes { SHA256.hex(of: $0) })
        XCTAssertEqual(model["format"] as? String, "fp32")
        XCTAssertEqual(model["size_bytes"] as? Int, file.count)
        XCTAssertEqual(model["file"] as? String, Repo.model)
        let shape = model["shape"] as? [String: Int] ?? [:]
        XCTAssertEqual(shape["dim"], 64)
        XCTAssertEqual(shape["layers"], 5)
        XCTAssertEqual(shape["kv_heads"], 4)
        XCTAssertEqual(shape["vocab_size"], 512)
        XCTAssertEqual(shape["seq_len"], 512)

        let models = try Curl.request("GET", server.url("/v1/models")).json()
        XCTAssertEqual(models["object"] as? String, "list")
        XCTAssertEqual((models["data"] as? [[String: Any]])?.first?["id"] as? String, "stories260K.bin")

        _ = try post("/v1/generate", ["prompt": "Once", "seed": 1, "max_tokens": 5])
        let metrics = try Curl.request("GET", server.url("/metrics"))
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") ?? false)
        for name in ["babyllama_http_requests_total{route=\"/v1/generate\",status=\"200\"}",
                     "babyllama_prompt_tokens_total", "babyllama_generated_tokens_total",
                     "babyllama_generation_seconds_total", "babyllama_token_latency_seconds_bucket{le=\"+Inf\"}",
                     "babyllama_token_latency_seconds_count", "babyllama_queue_depth 0", "babyllama_busy 0",
                     "babyllama_model_loaded 1", "babyllama_queue_capacity 4",
                     "babyllama_generations_total{stop_reason=\"length\"}",
                     "babyllama_batch_capacity 4", "babyllama_batch_sequences 0", "babyllama_batch_joined_total",
                     "babyllama_batch_left_total{stop_reason=\"length\"}", "babyllama_batch_occupancy_bucket{le=\"1\"}",
                     "babyllama_batch_occupancy_bucket{le=\"4\"}", "babyllama_batch_occupancy_count",
                     "babyllama_batch_step_seconds_bucket{le=\"+Inf\"}", "babyllama_batch_step_seconds_sum"] {
            XCTAssertTrue(metrics.text.contains(name), "metrics lack \(name)")
        }
        XCTAssertGreaterThanOrEqual(try server.metric("babyllama_generated_tokens_total") ?? 0, 5)
    }

    /// The README's first request: the default configuration's model (the bundled
    /// stories260K) tells exactly the story run.c prints for the same settings
    /// (`run stories260K.bin -z tok512.bin -i "Tom and his dog" -s 7 -t 0.8 -n 256`,
    /// saved in Tests/Fixtures): 250 tokens, the default max_tokens.
    func testReadmeRequestTellsRunCsStory() throws {
        let answer = try post("/v1/generate", ["prompt": "Tom and his dog", "seed": 7, "temperature": 0.8])
        XCTAssertEqual(answer.status, 200, answer.text)
        let json = answer.json()
        let runC = try String(contentsOfFile: Repo.path("Tests/Fixtures/stories260K_tom_t08_s7.runc.txt"), encoding: .utf8)
        XCTAssertEqual("Tom and his dog" + (json["text"] as? String ?? "") + "\n", runC)
        XCTAssertEqual((json["tokens"] as? [Int])?.count, 250)
    }

    func testGenerateMatchesRun() throws {
        let cases: [(prompt: String, seed: Int, temperature: String, topP: String, maxTokens: Int)] = [
            ("Once upon a time", 42, "1.0", "0.9", 40),
            ("", 7, "0.5", "0.5", 120),
            ("Lily and Ben", 123_456_789_012_345, "0", "0.9", 30),
            ("The cat sat", 5, "1.25", "1.0", 511 - 3),
            ("ü日本🦙", 99, "1.0", "0.9", 64),
        ]
        for item in cases {
            let answer = try post("/v1/generate", [
                "prompt": item.prompt, "seed": item.seed, "temperature": Double(item.temperature)!,
                "top_p": Double(item.topP)!, "max_tokens": item.maxTokens,
            ])
            XCTAssertEqual(answer.status, 200, answer.text)
            let json = answer.json()
            // `babyllama run` over the whole context: the answer must be exactly its first max_tokens tokens.
            let (promptCount, generated) = try run(prompt: item.prompt, seed: item.seed, temperature: item.temperature,
                                                   topP: item.topP, steps: 0)
            let tokens = json["tokens"] as? [Int] ?? []
            XCTAssertEqual(tokens, Array(generated.prefix(item.maxTokens)), "\(item)")
            XCTAssertEqual(json["prompt_tokens"] as? Int, promptCount)
            XCTAssertEqual(json["completion_tokens"] as? Int, tokens.count)
            XCTAssertEqual(json["seed"] as? Int, item.seed)
            // Fewer tokens than asked for and than the context holds: the model chose to stop.
            let room = min(item.maxTokens, 512 - promptCount)
            XCTAssertEqual(json["stop_reason"] as? String, tokens.count < room ? "bos" : "length", "\(item)")
            XCTAssertEqual(json["text"] as? String, try expectedText(prompt: item.prompt, tokens: tokens))
            let timing = json["timing"] as? [String: Double] ?? [:]
            for key in ["prompt_ms", "generate_ms", "total_ms", "tokens_per_s", "queue_ms"] {
                XCTAssertGreaterThanOrEqual(timing[key] ?? -1, 0, key)
            }
        }
    }

    func testDefaultMaxTokensIsRunsDefault() throws {
        let answer = try post("/v1/generate", ["prompt": "", "seed": 11]).json()
        let (_, generated) = try run(prompt: "", seed: 11, temperature: "1.0", topP: "0.9", steps: 256)
        XCTAssertEqual(answer["tokens"] as? [Int], generated)
    }

    func testRandomSeedIsReturnedAndReplaysTheStory() throws {
        let first = try post("/v1/generate", ["prompt": "Once upon a time", "max_tokens": 50]).json()
        let second = try post("/v1/generate", ["prompt": "Once upon a time", "max_tokens": 50, "seed": 0]).json()
        let seed = try XCTUnwrap(first["seed"] as? Int)
        XCTAssertGreaterThan(seed, 0)
        XCTAssertNotEqual(seed, second["seed"] as? Int, "two random seeds should differ")
        let replay = try post("/v1/generate", ["prompt": "Once upon a time", "max_tokens": 50, "seed": seed]).json()
        XCTAssertEqual(replay["tokens"] as? [Int], first["tokens"] as? [Int])
        XCTAssertEqual(replay["text"] as? String, first["text"] as? String)
    }

    /// The `data:` payloads of a Server-Sent Events body.
    private func events(_ body: String) -> [String] {
        body.components(separatedBy: "\n\n").compactMap { block in
            block.hasPrefix("data: ") ? String(block.dropFirst(6)) : nil
        }
    }

    func testStreamingSendsEachTokenThenTheTiming() throws {
        let request: [String: Any] = ["prompt": "Once upon a time", "seed": 3, "max_tokens": 80]
        let whole = try post("/v1/generate", request).json()
        var streamed = request
        streamed["stream"] = true
        let answer = try post("/v1/generate", streamed)
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(answer.headers["content-type"], "text/event-stream; charset=utf-8")
        let payloads = events(answer.text).map {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) ?? [:]
        }
        let tokenEvents = payloads.dropLast()
        let final = try XCTUnwrap(payloads.last)
        XCTAssertEqual(tokenEvents.compactMap { $0["token"] as? Int }, whole["tokens"] as? [Int])
        XCTAssertEqual(tokenEvents.compactMap { $0["index"] as? Int }, Array(0..<tokenEvents.count))
        XCTAssertEqual(final["done"] as? Bool, true)
        XCTAssertEqual(final["tokens"] as? [Int], whole["tokens"] as? [Int])
        XCTAssertEqual(final["text"] as? String, whole["text"] as? String)
        XCTAssertEqual(final["seed"] as? Int, 3)
        XCTAssertNotNil(final["timing"] as? [String: Any])
        // Chunks join into the text (a character split over tokens arrives with the token that completes it).
        let joined = tokenEvents.compactMap { $0["text"] as? String }.joined()
        XCTAssertTrue((whole["text"] as? String ?? "").hasPrefix(joined))
    }

    func testCompletionsSpeakOpenAI() throws {
        let answer = try post("/v1/completions", ["prompt": "Once upon a time", "seed": 42, "max_tokens": 12,
                                                  "model": "anything", "temperature": 0.7, "top_p": 0.95])
        XCTAssertEqual(answer.status, 200)
        let json = answer.json()
        XCTAssertEqual(json["object"] as? String, "text_completion")
        XCTAssertTrue((json["id"] as? String ?? "").hasPrefix("cmpl-"))
        XCTAssertEqual(json["model"] as? String, "stories260K.bin")
        let choice = try XCTUnwrap((json["choices"] as? [[String: Any]])?.first)
        let usage = try XCTUnwrap(json["usage"] as? [String: Int])
        XCTAssertEqual(usage["completion_tokens"], 12)
        XCTAssertEqual(usage["total_tokens"], (usage["prompt_tokens"] ?? 0) + 12)
        XCTAssertEqual(choice["finish_reason"] as? String, "length")
        XCTAssertEqual(choice["index"] as? Int, 0)
        let native = try post("/v1/generate", ["prompt": "Once upon a time", "seed": 42, "max_tokens": 12,
                                               "temperature": 0.7, "top_p": 0.95]).json()
        XCTAssertEqual(choice["text"] as? String, native["text"] as? String)

        let stream = try post("/v1/completions", ["prompt": ["Once upon a time"], "seed": 42, "max_tokens": 12,
                                                  "stream": true, "temperature": 0.7, "top_p": 0.95])
        let payloads = events(stream.text)
        XCTAssertEqual(payloads.last, "[DONE]")
        let chunks = payloads.dropLast().map { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) ?? [:] }
        XCTAssertEqual(chunks.count, 13, "12 token chunks and the final one")
        let texts = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["text"]) as? String }
        XCTAssertEqual(texts.joined(), native["text"] as? String)
        let last = (chunks.last?["choices"] as? [[String: Any]])?.first
        XCTAssertEqual(last?["finish_reason"] as? String, "length")
        XCTAssertNotNil(chunks.last?["usage"])
    }

    func testEveryErrorStatus() throws {
        func raw(_ path: String, _ body: [UInt8], _ context: String) throws -> HTTPResult {
            try Curl.request("POST", server.url(path), body: Data(body))
        }
        try raw("/v1/generate", Array(#"{"prompt": "Once"#.utf8), "truncated").assertError(400, "truncated")
        try raw("/v1/generate", [], "empty").assertError(400, "empty")
        try raw("/v1/generate", Array(#"{"prompt": ""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8), "utf8")
            .assertError(400, "invalid UTF-8")
        try raw("/v1/completions", Array("{]".utf8), "syntax").assertError(400, "syntax")
        let unprocessable: [[String: Any]] = [
            [:], ["prompt": 1], ["prompt": "a", "temperature": -0.5], ["prompt": "a", "top_p": 0],
            ["prompt": "a", "top_p": 1.5], ["prompt": "a", "max_tokens": 0], ["prompt": "a", "max_tokens": 513],
            ["prompt": "a", "seed": -3], ["prompt": "a", "seed": "42"], ["prompt": "a", "stream": "yes"],
            ["prompt": "a", "audio": true], ["prompt": "a", "audio": "mp3"], ["prompt": "a", "speak": "yes"],
        ]
        for body in unprocessable {
            try post("/v1/generate", body).assertError(422, "\(body)")
            try post("/v1/completions", body).assertError(422, "\(body) (completions)")
        }
        try raw("/v1/generate", Array(#"{"prompt": "a", "seed": 18446744073709551616}"#.utf8), "huge")
            .assertError(422, "seed beyond 2^63-1")
        let longPrompt = String(repeating: "x ", count: 600)
        let long = try post("/v1/generate", ["prompt": longPrompt])
        long.assertError(422, "long prompt")
        let count = try Tokenizer(path: Repo.tokenizer, vocabSize: 512).encode(longPrompt, bos: true, eos: false).count
        let message = (long.json()["error"] as? [String: Any])?["message"] as? String ?? ""
        XCTAssertTrue(message.contains("is \(count) tokens long") && message.contains("context holds 512"), message)

        try Curl.request("POST", server.url("/v1/generate"), body: Data(count: 70_000)).assertError(413, "body")
        try Curl.request("POST", server.url("/v1/generate"), body: Data(count: 70_000),
                         headers: ["Transfer-Encoding: chunked"]).assertError(413, "chunked body")
        try Curl.request("GET", server.url("/v2/stories")).assertError(404, "unknown path")
        try Curl.request("POST", server.url("/")).assertError(404, "root")
        let wrongMethod = try Curl.request("GET", server.url("/v1/generate"))
        wrongMethod.assertError(405, "GET generate")
        XCTAssertEqual(wrongMethod.headers["allow"], "POST")
        let delete = try Curl.request("DELETE", server.url("/healthz"))
        delete.assertError(405, "DELETE healthz")
        XCTAssertEqual(delete.headers["allow"], "GET, HEAD")
        // The shipped configuration has speech off (ServiceSpeechTests covers it on).
        try post("/v1/generate", ["prompt": "a", "speak": true]).assertError(501, "speak")
        try Curl.request("GET", server.url("/v1/speak?text=hi")).assertError(501, "speak endpoint")
        XCTAssertEqual(try Curl.request("GET", server.url("/healthz")).status, 200)
    }

    /// Bodies a broken or hostile client might send. None may crash the server.
    static func malformedCorpus() -> [[UInt8]] {
        var corpus: [[UInt8]] = []
        let valid = Array(#"{"prompt": "Once upon a time", "seed": 7, "temperature": 0.8, "top_p": 0.9, "max_tokens": 4}"#.utf8)
        for length in 0..<valid.count { corpus.append(Array(valid[0..<length])) }           // every truncation
        for number in ["1e400", "-1e400", "1e-400", "99999999999999999999999999", "-99999999999999999999",
                       "18446744073709551615", "9223372036854775808", "0.0000000000000000000001", "1" + String(repeating: "0", count: 5000),
                       "NaN", "Infinity", "-0", "0x10", "1.", ".5", "01"] {
            for key in ["seed", "temperature", "top_p", "max_tokens"] {
                corpus.append(Array(#"{"prompt": "a", "\#(key)": \#(number), "max_tokens": 3}"#.utf8))
            }
        }
        for depth in [10, 100, 1000, 2047, 2048, 2049, 5000, 20000] {               // deep nesting
            corpus.append(Array(String(repeating: "[", count: depth).utf8))
            corpus.append(Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8))
            corpus.append(Array((#"{"prompt": "a", "x": "# + String(repeating: #"{"a": "#, count: depth)).utf8))
        }
        let invalidUTF8: [[UInt8]] = [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE6, 0x97],
                                      [0x80], [0xFE, 0xFF], [0xF0, 0x9F, 0xA6]]
        for bad in invalidUTF8 {
            corpus.append(Array(#"{"prompt": ""#.utf8) + bad + Array(#""}"#.utf8))
            corpus.append(bad + Array(#"{"prompt": "a"}"#.utf8))
            corpus.append(Array(#"{""#.utf8) + bad + Array(#"": 1, "prompt": "a", "max_tokens": 2}"#.utf8))
        }
        for text in [#"{"prompt": "\ud800"}"#, #"{"prompt": "\uZZZZ"}"#, #"{"prompt": "\u0000"}"#, "{\"prompt\": \"a\tb\"}",
                     #"{"prompt": "a", "prompt": "b", "max_tokens": 2}"#, #"{"prompt": "a",}"#, "  ", "null", "true",
                     "\u{FEFF}{\"prompt\": \"a\"}", #"{"prompt": {"text": "a"}}"#, #"{"prompt": ["a"]}"#,
                     #"{"prompt": "a", "max_tokens": 2}{"#, String(repeating: "\"", count: 1000),
                     #"{"prompt": ""# + String(repeating: "\\", count: 999) + "\"}"] {
            corpus.append(Array(text.utf8))
        }
        var state: UInt64 = 0xDEAD_BEEF
        for size in stride(from: 1, through: 4000, by: 97) {                          // random bytes
            var bytes: [UInt8] = []
            for _ in 0..<size {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                bytes.append(UInt8(truncatingIfNeeded: state >> 56))
            }
            corpus.append(bytes)
        }
        return corpus
    }

    func testMalformedCorpusNeverCrashesOrLeaks() throws {
        let corpus = ServiceAPITests.malformedCorpus()
        func sendAll(_ label: String) throws {
            for (index, body) in corpus.enumerated() {
                let path = index % 2 == 0 ? "/v1/generate" : "/v1/completions"
                let answer = try Curl.request("POST", server.url(path), body: Data(body))
                XCTAssertTrue([200, 400, 413, 422].contains(answer.status),
                              "\(label) #\(index) \(String(decoding: body.prefix(80), as: UTF8.self)): \(answer.status) \(answer.text.prefix(200))")
                if answer.status != 200 { answer.assertError(answer.status, "\(label) #\(index)") }
            }
        }
        try sendAll("warm-up")
        let afterFirstRound = try server.residentKiB
        try sendAll("second round")
        try sendAll("third round")
        let afterThirdRound = try server.residentKiB
        print("RSS after the malformed corpus rounds 1 and 3: \(afterFirstRound) KiB, \(afterThirdRound) KiB")
        XCTAssertTrue(try server.process.isRunning)
        XCTAssertEqual(try Curl.request("GET", server.url("/healthz")).status, 200)
        // Two more rounds of the corpus (~\(2 * corpus.count) requests) must not keep growing the heap.
        XCTAssertLessThan(afterThirdRound - afterFirstRound, 2_048,
                          "RSS grew from \(afterFirstRound) KiB to \(afterThirdRound) KiB over \(2 * corpus.count) requests")
    }

    func testManyRequestsDoNotGrowMemory() throws {
        func round() throws {
            for index in 0..<100 {
                switch index % 4 {
                case 0: XCTAssertEqual(try post("/v1/generate", ["prompt": "Once upon a time", "max_tokens": 20]).status, 200)
                case 1: XCTAssertEqual(try post("/v1/completions", ["prompt": "Once", "max_tokens": 20, "stream": true]).status, 200)
                case 2: XCTAssertEqual(try post("/v1/generate", ["prompt": 5]).status, 422)
                default: XCTAssertEqual(try Curl.request("GET", server.url("/metrics")).status, 200)
                }
            }
        }
        try round()
        let before = try server.residentKiB
        try round()
        try round()
        let after = try server.residentKiB
        print("RSS after rounds 1 and 3 of 100 requests: \(before) KiB, \(after) KiB")
        XCTAssertLessThan(after - before, 2_048, "RSS grew from \(before) KiB to \(after) KiB over 200 requests")
    }

    /// Every path and method in api/openapi.yaml is served, answers only statuses the document
    /// lists for it, and the server has no undocumented endpoint.
    func testServerMatchesOpenAPIDocument() throws {
        let text = try String(contentsOfFile: Repo.path("api/openapi.yaml"), encoding: .utf8)
        var documented: [String: [String: Set<Int>]] = [:]   // path -> method -> statuses
        var inPaths = false, path = "", method = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("paths:") { inPaths = true; continue }
            if inPaths && !line.isEmpty && !line.hasPrefix(" ") { inPaths = false }
            guard inPaths else { continue }
            if line.hasPrefix("  /") { path = String(line.dropFirst(2).dropLast()); documented[path] = [:] }
            else if line.hasPrefix("    ") && !line.hasPrefix("     ") && line.hasSuffix(":") {
                method = line.trimmingCharacters(in: .whitespaces).dropLast().uppercased()
                documented[path]?[method] = []
            } else if line.hasPrefix("        '"), let code = Int(line.dropFirst(9).prefix(3)) {
                documented[path]?[method]?.insert(code)
            }
        }
        XCTAssertEqual(Set(documented.keys), ["/v1/generate", "/v1/completions", "/healthz", "/health", "/v1/model",
                                              "/v1/models", "/metrics", "/v1/speak", "/v1/listen", "/api/generate", "/api/chat",
                                              "/api/tags", "/api/show", "/api/version"])
        for (path, methods) in documented {
            for (method, statuses) in methods {
                let body: Data? = method == "POST" ? Curl.body(["prompt": "Once", "max_tokens": 3]) : nil
                let answer = try Curl.request(method, server.url(path), body: body)
                XCTAssertTrue(statuses.contains(answer.status), "\(method) \(path) answered \(answer.status), documented \(statuses)")
                let other = method == "POST" ? "GET" : "POST"
                let wrong = try Curl.request(other, server.url(path), body: Curl.body(["prompt": "a"]))
                XCTAssertEqual(wrong.status, 405, "\(other) \(path)")
                XCTAssertTrue(statuses.contains(405), "\(method) \(path) does not document 405")
            }
        }
        XCTAssertEqual(try Curl.request("GET", server.url("/nowhere")).status, 404)
    }

    func testSIGINTStopsTheServerWithStatusZero() throws {
        let own = try ServerProcess()
        XCTAssertEqual(try Curl.request("GET", own.url("/healthz")).status, 200)
        XCTAssertEqual(own.stop(signal: SIGINT), 0, own.log)
        XCTAssertTrue(own.log.contains("SIGINT received"), own.log)
        XCTAssertTrue(own.log.contains("babyllama: stopped"), own.log)
    }

    func testBadStartupSettingsFailWithOneLine() throws {
        let missing = try runProgram(Repo.binary, ["serve", "--port", "0", "--model", "/nonexistent.bin"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(String(decoding: missing.stderr, as: UTF8.self).contains("babyllama: error: cannot open '/nonexistent.bin'"))
        let badPort = try runProgram(Repo.binary, ["serve", "--port", "70000"])
        XCTAssertEqual(badPort.status, 1)
        XCTAssertTrue(String(decoding: badPort.stderr, as: UTF8.self).contains("port must be between 0 and 65535"))
    }
}
