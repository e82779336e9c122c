import Foundation
import XCTest

/// Continuous batching in the real server: requests that arrive while stories are being
/// generated join the running batch, and each answer's tokens are exactly the ones the
/// same request gets alone. On the slow model (milliseconds a token) so that requests
/// overlap; nothing asserts on speed (scripts/batch-speed.py measures it).
final class ServiceBatchTests: XCTestCase {
    override class func tearDown() {
        SlowModel.remove()
        super.tearDown()
    }

    /// Mixed prompts (one long enough to be fed over several steps beside the others'
    /// decoding), seeds, temperatures, top_p and lengths, through both APIs.
    nonisolated(unsafe) private static let requests: [(path: String, body: [String: Any])] = [
        ("/v1/generate", ["prompt": "Lily and Ben", "seed": 1, "temperature": 1.0, "max_tokens": 40]),
        ("/v1/generate", ["prompt": "", "seed": 2, "temperature": 0, "max_tokens": 70]),
        ("/v1/completions", ["prompt": "The cat sat on the mat and", "seed": 3, "temperature": 0.7, "top_p": 0.95,
                             "max_tokens": 25]),
        ("/v1/generate", ["prompt": "Once upon a time there was a little girl named Lily who loved to play in the park "
                             + "with her dog and her friends every day after school, until one day it rained.",
                          "seed": 4, "temperature": 1.2, "max_tokens": 55]),
        ("/v1/generate", ["prompt": "ü日本🦙", "seed": 6, "temperature": 0.5, "top_p": 0.5, "max_tokens": 30]),
        ("/v1/completions", ["prompt": "Tom", "seed": 7, "max_tokens": 60]),
    ]

    /// The long streaming story the others join.
    nonisolated(unsafe) private static let streamed: [String: Any] = ["prompt": "Once upon a time", "seed": 5, "temperature": 0.9,
                                                  "max_tokens": 400]

    /// What an answer generated: the token ids (/v1/generate) or the text (/v1/completions,
    /// whose answers carry no ids), and the count.
    private func story(_ answer: HTTPResult, path: String) -> String {
        let json = answer.json()
        if path == "/v1/generate" { return "\(json["tokens"] as? [Int] ?? [])" }
        let choice = (json["choices"] as? [[String: Any]])?.first
        return "\((json["usage"] as? [String: Int])?["completion_tokens"] ?? -1): \(choice?["text"] as? String ?? "?")"
    }

    func testConcurrentStoriesGetTheirSoloTokens() throws {
        let server = try ServerProcess(["--model", SlowModel.path, "--tokenizer", Repo.tokenizer, "--threads", "1",
                                        "--max-batch", "4", "--queue-size", "8"])
        XCTAssertTrue(server.log.contains("batch: up to 4 stories at once"), server.log)
        // A streaming story first, so the others join a batch that is running; six more
        // with room for three beside it, so some wait and join as others leave.
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("babyllama-batch-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        var streamBody = Self.streamed
        streamBody["stream"] = true
        let client = Process()
        client.executableURL = URL(fileURLWithPath: Curl.executable)
        client.arguments = ["-s", "-N", "-X", "POST", "-H", "Content-Type: application/json",
                            "--data-binary", String(decoding: Curl.body(streamBody), as: UTF8.self),
                            "-o", output.path, server.url("/v1/generate")]
        client.standardOutput = FileHandle.nullDevice
        client.standardError = FileHandle.nullDevice
        try client.run()
        XCTAssertTrue(waitFor(seconds: 30) {
            ((try? String(contentsOf: output, encoding: .utf8)) ?? "").contains("data: {\"token\"")
        })

        final class Answers: @unchecked Sendable {
            let lock = NSLock()
            var byIndex: [Int: HTTPResult] = [:]
        }
        let answers = Answers()
        let done = DispatchSemaphore(value: 0)
        for (index, request) in Self.requests.enumerated() {
            let url = server.url(request.path), body = Curl.body(request.body)
            Thread {
                if let answer = try? Curl.request("POST", url, body: body) {
                    answers.lock.lock(); answers.byIndex[index] = answer; answers.lock.unlock()
                }
                done.signal()
            }.start()
        }
        for _ in Self.requests { done.wait() }
        client.waitUntilExit()

        // The stream's tokens, one event each, then the whole answer.
        let events = try String(contentsOf: output, encoding: .utf8).components(separatedBy: "\n\n").compactMap { block in
            block.hasPrefix("data: ") ? (try? JSONSerialization.jsonObject(with: Data(block.dropFirst(6).utf8))) as? [String: Any] : nil
        }
        let final = try XCTUnwrap(events.last)
        XCTAssertEqual(final["done"] as? Bool, true)
        let streamedTokens = try XCTUnwrap(final["tokens"] as? [Int])
        XCTAssertEqual(events.dropLast().compactMap { $0["token"] as? Int }, streamedTokens)

        // They ran together: steps with more than one story, seven joined and left.
        let steps = try XCTUnwrap(try server.metric("babyllama_batch_occupancy_count"))
        let alone = try XCTUnwrap(try server.metric("babyllama_batch_occupancy_bucket{le=\"1\"}"))
        XCTAssertGreaterThan(steps, alone, "no step ran more than one story")
        XCTAssertEqual(try server.metric("babyllama_batch_joined_total"), 7)
        let left = try ["bos", "length", "cancelled"].map {
            try server.metric("babyllama_batch_left_total{stop_reason=\"\($0)\"}") ?? 0
        }
        XCTAssertEqual(left.reduce(0, +), 7)
        XCTAssertEqual(left[2], 0, "none cancelled")
        XCTAssertEqual(try server.metric("babyllama_batch_sequences"), 0)
        XCTAssertEqual(try server.metric("babyllama_queue_depth"), 0)
        XCTAssertEqual(try server.metric("babyllama_busy"), 0)

        // Each alone, one after another on the same server: the same tokens.
        let soloStream = try Curl.request("POST", server.url("/v1/generate"), body: Curl.body(Self.streamed))
        XCTAssertEqual(soloStream.json()["tokens"] as? [Int], streamedTokens, "the streamed story")
        for (index, request) in Self.requests.enumerated() {
            let together = try XCTUnwrap(answers.byIndex[index], "request \(index) got no answer")
            XCTAssertEqual(together.status, 200, together.text)
            let solo = try Curl.request("POST", server.url(request.path), body: Curl.body(request.body))
            XCTAssertEqual(story(together, path: request.path), story(solo, path: request.path), "request \(index)")
        }
        // And `babyllama run`'s, for the long prompt fed beside the others.
        let long = Self.requests[3].body
        let run = try runProgram(Repo.binary, ["run", SlowModel.path, "-z", Repo.tokenizer, "-i", long["prompt"] as! String,
                                               "-s", "4", "-t", "1.2", "-n", "200", "--json"])
        XCTAssertEqual(run.status, 0, String(decoding: run.stderr, as: UTF8.self))
        let runJSON = try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any] ?? [:]
        let runTokens = Array((runJSON["tokens"] as? [Int] ?? []).dropFirst(runJSON["prompt_tokens"] as? Int ?? 0))
        XCTAssertEqual(answers.byIndex[3]?.json()["tokens"] as? [Int], Array(runTokens.prefix(55)))
        XCTAssertEqual(server.stop(), 0)
    }
}
