import Foundation
import StoryService
import XCTest

/// Queueing, disconnects and shutdown, on a model slow enough (a few milliseconds a
/// token, hundreds of tokens) that requests overlap. Waits poll the server's
/// /metrics with generous safety bounds; nothing asserts on speed.
final class ServiceConcurrencyTests: XCTestCase {
    override class func tearDown() {
        SlowModel.remove()
        super.tearDown()
    }

    private func startSlowServer(queueSize: Int = 4, maxBatch: Int = 4) throws -> ServerProcess {
        try ServerProcess(["--model", SlowModel.path, "--tokenizer", Repo.tokenizer, "--threads", "1",
                           "--queue-size", "\(queueSize)", "--max-batch", "\(maxBatch)",
                           "--max-connections-per-ip", "0"])
    }

    /// A greedy story of `tokens` tokens (BOS never wins on this model, so it runs to the end).
    private func story(_ tokens: Int, stream: Bool = false) -> Data {
        Curl.body(["prompt": "", "max_tokens": tokens, "temperature": 0, "stream": stream])
    }

    /// curl running in the background, killable to simulate a client that leaves.
    private func startClient(_ server: ServerProcess, _ body: Data, output: URL) throws -> Process {
        let request = output.appendingPathExtension("request")
        try body.write(to: request)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Curl.executable)
        process.arguments = ["-s", "-N", "-X", "POST", "-H", "Content-Type: application/json",
                             "--data-binary", "@" + request.path, "-o", output.path, server.url("/v1/generate")]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    private func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("babyllama-\(name)-\(UUID().uuidString)")
    }

    func testSixteenClientsWithAQueueOfFour() throws {
        let server = try startSlowServer(queueSize: 4)
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var answers: [HTTPResult] = []
            var failures: [String] = []
        }
        let results = Results()
        let done = DispatchSemaphore(value: 0)
        let url = server.url("/v1/generate")
        let body = story(40)
        for _ in 0..<16 {
            Thread {
                do {
                    let answer = try Curl.request("POST", url, body: body)
                    results.lock.lock(); results.answers.append(answer); results.lock.unlock()
                } catch {
                    results.lock.lock(); results.failures.append("\(error)"); results.lock.unlock()
                }
                done.signal()
            }.start()
        }
        for _ in 0..<16 { done.wait() }
        XCTAssertEqual(results.failures, [])
        XCTAssertEqual(results.answers.count, 16)
        var ok = 0, busy = 0
        for answer in results.answers {
            switch answer.status {
            case 200:
                ok += 1
                XCTAssertEqual(answer.json()["completion_tokens"] as? Int, 40)
            case 503:
                busy += 1
                answer.assertError(503, "busy")
                XCTAssertEqual(answer.headers["retry-after"], "1")
                XCTAssertEqual((answer.json()["error"] as? [String: Any])?["type"] as? String, "unavailable_error")
            default:
                XCTFail("status \(answer.status): \(answer.text.prefix(200))")
            }
        }
        print("16 clients, queue of 4: \(ok) answered 200, \(busy) answered 503")
        XCTAssertGreaterThanOrEqual(ok, 1)
        // Healthy afterwards: idle, nothing queued, and it still generates.
        XCTAssertEqual(try Curl.request("GET", server.url("/healthz")).status, 200)
        XCTAssertTrue(try waitFor(seconds: 30) { try server.metric("babyllama_busy") == 0 })
        XCTAssertEqual(try server.metric("babyllama_queue_depth"), 0)
        XCTAssertEqual(try server.metric("babyllama_http_requests_total{route=\"/v1/generate\",status=\"200\"}"), Double(ok))
        XCTAssertEqual(try Curl.request("POST", url, body: story(3)).status, 200)
        XCTAssertEqual(server.stop(), 0)
    }

    /// A batch of one: one story at a time, as on the Duo.
    func testClientsThatLeaveFreeTheirPlace() throws {
        let server = try startSlowServer(queueSize: 1, maxBatch: 1)
        XCTAssertTrue(server.log.contains("batch: up to 1 story at once; a story's key/value cache takes at most 16.0 MiB (512 positions)"),
                      server.log)
        XCTAssertEqual(try server.metric("babyllama_batch_capacity"), 1)
        let running = try startClient(server, story(511), output: temporaryFile("running"))
        XCTAssertTrue(try waitFor(seconds: 30) { try server.metric("babyllama_busy") == 1 })
        let waiting = try startClient(server, story(10), output: temporaryFile("waiting"))
        XCTAssertTrue(try waitFor(seconds: 30) { try server.metric("babyllama_queue_depth") == 1 })
        // The queue (of one) is full now.
        XCTAssertEqual(try Curl.request("POST", server.url("/v1/generate"), body: story(5)).status, 503)

        // The waiting client hangs up: its place frees while the first story still runs.
        waiting.terminate()
        waiting.waitUntilExit()
        XCTAssertTrue(try waitFor(seconds: 30) { try server.metric("babyllama_queue_depth") == 0 })
        XCTAssertEqual(try server.metric("babyllama_busy"), 1)

        // The running client hangs up: its generation is cancelled before its 511 tokens.
        running.terminate()
        running.waitUntilExit()
        XCTAssertTrue(try waitFor(seconds: 30) {
            try server.metric("babyllama_generations_total{stop_reason=\"cancelled\"}") == 1
        })
        XCTAssertEqual(try server.metric("babyllama_busy"), 0)
        XCTAssertLessThan(try server.metric("babyllama_generated_tokens_total") ?? 511, 511)
        XCTAssertEqual(try server.metric("babyllama_generations_total{stop_reason=\"length\"}"), 0)
        XCTAssertEqual(try Curl.request("POST", server.url("/v1/generate"), body: story(3)).status, 200)
        // Never more than one story in a step.
        let steps = try server.metric("babyllama_batch_occupancy_count")
        XCTAssertGreaterThan(steps ?? 0, 0)
        XCTAssertEqual(try server.metric("babyllama_batch_occupancy_bucket{le=\"1\"}"), steps)
        XCTAssertEqual(server.stop(), 0)
    }

    /// `queue_size` counts the requests waiting beyond the batch: two stories run, one
    /// waits, the next is turned away.
    func testAFullBatchAndAFullQueueAnswer503() throws {
        let server = try startSlowServer(queueSize: 1, maxBatch: 2)
        let first = try startClient(server, story(511), output: temporaryFile("first"))
        let second = try startClient(server, story(511), output: temporaryFile("second"))
        XCTAssertTrue(try waitFor(seconds: 30) { try server.metric("babyllama_batch_sequences") == 2 })
        XCTAssertEqual(try server.metric("babyllama_queue_depth"), 0)
        let third = try startClient(server, story(10), output: temporaryFile("third"))
        XCTAssertTrue(try waitFor(seconds: 30) { try server.metric("babyllama_queue_depth") == 1 })
        let refused = try Curl.request("POST", server.url("/v1/generate"), body: story(5))
        refused.assertError(503, "queue full")
        XCTAssertEqual(refused.headers["retry-after"], "1")
        for client in [first, second, third] {
            client.terminate()
            client.waitUntilExit()
        }
        XCTAssertTrue(try waitFor(seconds: 30) { try server.metric("babyllama_batch_sequences") == 0 })
        XCTAssertEqual(try server.metric("babyllama_queue_depth"), 0)
        XCTAssertEqual(try Curl.request("POST", server.url("/v1/generate"), body: story(3)).status, 200)
        XCTAssertEqual(server.stop(), 0)
    }

    func testStreamingClientThatLeavesCancelsItsGeneration() throws {
        let server = try startSlowServer()
        let output = temporaryFile("stream")
        let client = try startClient(server, story(511, stream: true), output: output)
        // Wait for the first token event, then hang up.
        XCTAssertTrue(waitFor(seconds: 30) {
            ((try? String(contentsOf: output, encoding: .utf8)) ?? "").contains("data: {\"token\"")
        })
        client.terminate()
        client.waitUntilExit()
        XCTAssertTrue(try waitFor(seconds: 30) {
            try server.metric("babyllama_generations_total{stop_reason=\"cancelled\"}") == 1
        })
        XCTAssertLessThan(try server.metric("babyllama_generated_tokens_total") ?? 511, 511)
        XCTAssertTrue(server.log.contains("POST /v1/generate 200"), server.log)
        XCTAssertEqual(server.stop(), 0)
    }

    func testSIGTERMFinishesTheRunningStoriesRefusesTheQueueAndExitsZero() throws {
        let server = try startSlowServer(maxBatch: 2)
        let outputs = [temporaryFile("sigterm-1"), temporaryFile("sigterm-2")]
        let streaming = try outputs.map { try startClient(server, story(200, stream: true), output: $0) }
        XCTAssertTrue(waitFor(seconds: 30) {
            outputs.allSatisfy { ((try? String(contentsOf: $0, encoding: .utf8)) ?? "").contains("data: {\"token\"") }
        })
        let queuedOutput = temporaryFile("queued")
        let queued = try startClient(server, story(10), output: queuedOutput)
        XCTAssertTrue(try waitFor(seconds: 30) { try server.metric("babyllama_queue_depth") == 1 })

        XCTAssertEqual(server.stop(signal: SIGTERM), 0, server.log)
        for client in streaming { client.waitUntilExit() }
        queued.waitUntilExit()
        for output in outputs {
            let streamed = try String(contentsOf: output, encoding: .utf8)
            XCTAssertTrue(streamed.contains("\"done\":true"), "a running story was cut: \(streamed.suffix(300))")
            XCTAssertTrue(streamed.contains("\"completion_tokens\":200"))
        }
        let refused = try Data(contentsOf: queuedOutput)
        let error = (try JSONSerialization.jsonObject(with: refused) as? [String: Any])?["error"] as? [String: Any]
        XCTAssertEqual(error?["code"] as? Int, 503)
        XCTAssertTrue(server.log.contains("SIGTERM received"))
        // Nothing listens any more.
        XCTAssertNotEqual(try Curl.request("GET", server.url("/healthz"), timeoutSeconds: 5).status, 200)
    }

    func testHealthIsUnavailableUntilTheModelIsLoaded() throws {
        let server = try ServerProcess(["--model", SlowModel.path, "--tokenizer", Repo.tokenizer, "--threads", "1"],
                                       waitForModel: false)
        let early = try Curl.request("GET", server.url("/healthz"))
        let loadedBefore = server.log.contains(") loaded in ")
        if early.status == 503 {
            XCTAssertEqual(early.json()["status"] as? String, "loading")
            XCTAssertEqual(early.headers["retry-after"], "1")
            XCTAssertEqual(try Curl.request("POST", server.url("/v1/generate"), body: story(2)).status == 200, server.log.contains(") loaded in "))
        } else {
            XCTAssertEqual(early.status, 200)
            XCTAssertTrue(loadedBefore || server.log.contains(") loaded in "), "200 before the model loaded")
        }
        XCTAssertTrue(waitFor(seconds: 60) { server.log.contains(") loaded in ") })
        XCTAssertEqual(try Curl.request("GET", server.url("/healthz")).status, 200)
        XCTAssertEqual(server.stop(), 0)
    }
}
