import Foundation
import TestSupport
import XCTest

/// `babyllama batch`: a prompt set in, every story out with exactly the tokens
/// `babyllama run` gives it alone; bad lines reported, the rest told.
final class BatchCommandTests: XCTestCase {
    private func write(_ lines: [String]) -> String {
        TestModels.write(Array((lines.joined(separator: "\n") + "\n").utf8), name: "prompts.jsonl")
    }

    private func results(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func testStoriesAreRunsStoriesAndBadLinesAreReported() throws {
        let prompts = write([
            #"{"id": 1, "prompt": "Once upon a time", "seed": 42, "temperature": 0.8, "max_tokens": 60}"#,
            #"{"id": "two", "prompt": "Tom and his dog", "seed": 7, "temperature": 0.8}"#,
            #"{"prompt": "Lily found a", "temperature": 0, "max_tokens": 40}"#,
            "not json",
            #"{"id": 5, "prompt": 3}"#,
            "",
            #"{"id": [6], "prompt": "The cat sat", "seed": 5, "top_p": 0.5, "max_tokens": 600}"#,
            #"{"id": 7, "prompt": "The cat sat", "seed": 5, "top_p": 0.5, "max_tokens": 80}"#,
        ])
        let out = TestModels.temporaryPath("results.jsonl")
        let outcome = try BabyLlamaBinary.run(["batch", prompts, "--max-batch", "3", "--out", out, "--threads", "2"])
        XCTAssertEqual(outcome.status, 2, "bad lines make the status 2: \(outcome.standardError)")
        let lines = try results(out)
        XCTAssertEqual(lines.count, 7, "every line but the blank one has an answer")
        let byLine = Dictionary(uniqueKeysWithValues: lines.map { ($0["line"] as? Int ?? 0, $0) })
        XCTAssertEqual((byLine[4]?["error"] as? [String: Any])?["code"] as? Int, 400)
        XCTAssertEqual((byLine[5]?["error"] as? [String: Any])?["code"] as? Int, 422)
        XCTAssertEqual(byLine[5]?["id"] as? Int, 5, "the id of a bad line that had one")
        XCTAssertEqual((byLine[7]?["error"] as? [String: Any])?["code"] as? Int, 422, "max_tokens beyond the context")

        // Each story is exactly what `run` tells alone with the same settings.
        for (line, settings) in [(1, ["-i", "Once upon a time", "-s", "42", "-t", "0.8"]),
                                 (2, ["-i", "Tom and his dog", "-s", "7", "-t", "0.8"]),
                                 (3, ["-i", "Lily found a", "-t", "0"]),
                                 (8, ["-i", "The cat sat", "-s", "5", "-p", "0.5"])] {
            let story = try XCTUnwrap(byLine[line], "line \(line)")
            let promptTokens = try XCTUnwrap(story["prompt_tokens"] as? Int)
            let tokens = try XCTUnwrap(story["tokens"] as? [Int])
            let steps = promptTokens - 1 + (story["stop_reason"] as? String == "length" ? tokens.count : 256)
            var arguments = ["run", "-n", String(min(steps, 512)), "--json"] + settings
            if line == 3 { arguments += ["-s", String(try XCTUnwrap(story["seed"] as? Int))] }
            let run = try BabyLlamaBinary.run(arguments)
            XCTAssertEqual(run.status, 0, run.standardError)
            let solo = try XCTUnwrap(try JSONSerialization.jsonObject(with: run.standardOutput) as? [String: Any])
            XCTAssertEqual(Array((solo["tokens"] as? [Int] ?? []).dropFirst(promptTokens)), tokens, "line \(line)")
            XCTAssertGreaterThan((story["text"] as? String ?? "").count, 20, "line \(line) tells a story")
        }
        XCTAssertEqual(byLine[2]?["id"] as? String, "two")
        XCTAssertEqual(byLine[8]?["stop_reason"] as? String, "length")
        XCTAssertEqual((byLine[8]?["tokens"] as? [Int])?.count, 80)
        // Not a terminal: a plain line per story, then the summary.
        XCTAssertEqual(outcome.errorLines.filter { $0.hasPrefix("batch: ") }.count, 4, outcome.standardError)
        XCTAssertTrue(outcome.errorLines.contains { $0.hasPrefix("batch of 3: 4 stories") }, outcome.standardError)
        XCTAssertTrue(outcome.errorLines.contains { $0.hasPrefix("a story's key/value cache: at most ") }, outcome.standardError)
    }

    func testCompareTellsTheSetOneByOneWithTheSameTokens() throws {
        let prompts = write((0..<5).map { #"{"id": \#($0), "prompt": "Once upon a time", "seed": \#($0 + 1), "max_tokens": 30}"# })
        let outcome = try BabyLlamaBinary.run(["batch", prompts, "--max-batch", "4", "--compare"])
        XCTAssertEqual(outcome.status, 0, outcome.standardError)
        XCTAssertEqual(outcome.output.split(separator: "\n").count, 5)
        XCTAssertTrue(outcome.standardError.contains("one at a time: 5 stories"), outcome.standardError)
        XCTAssertTrue(outcome.standardError.contains("the same tokens for every story"), outcome.standardError)
    }

    func testBadInputIsOneErrorLine() throws {
        let empty = TestModels.write(Array("\n\n".utf8), name: "empty.jsonl")
        for (arguments, fragment) in [(["batch", "/nonexistent/prompts.jsonl"], "/nonexistent/prompts.jsonl"),
                                      (["batch", empty], "holds no prompts")] {
            let outcome = try BabyLlamaBinary.run(arguments)
            XCTAssertEqual(outcome.status, 1, "\(arguments)")
            XCTAssertEqual(outcome.errorLines.count, 1, outcome.standardError)
            XCTAssertTrue(outcome.standardError.contains(fragment), outcome.standardError)
        }
        let usage = try BabyLlamaBinary.run(["batch"])
        XCTAssertEqual(usage.status, 1)
        XCTAssertTrue(usage.standardError.hasPrefix("babyllama: error: missing PROMPTS.jsonl"), usage.standardError)
        let badBatch = try BabyLlamaBinary.run(["batch", empty, "--max-batch", "0"])
        XCTAssertEqual(badBatch.status, 1)
        XCTAssertTrue(badBatch.standardError.contains("--max-batch must be between 1 and 256"), badBatch.standardError)
    }
}
