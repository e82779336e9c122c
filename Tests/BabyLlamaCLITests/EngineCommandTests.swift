import Foundation
import TestSupport
import XCTest

/// The built `babyllama` binary: golden output, and one clear error line with a
/// non-zero status for bad input.
final class EngineCommandTests: XCTestCase {
    private let model = "models/stories260K.bin"
    private let tokenizer = "models/tok512.bin"

    /// An engine error: status 1, exactly one stderr line, nothing of a crash.
    private func assertEngineError(_ arguments: [String], mentions fragment: String,
                                   file: StaticString = #filePath, line: UInt = #line) throws {
        let outcome = try BabyLlamaBinary.run(arguments)
        XCTAssertTrue(outcome.exited, "killed by a signal: \(arguments)", file: file, line: line)
        XCTAssertNotEqual(outcome.status, 0, "\(arguments)", file: file, line: line)
        XCTAssertEqual(outcome.errorLines.count, 1, "stderr: \(outcome.standardError)", file: file, line: line)
        XCTAssertTrue(outcome.standardError.hasPrefix("babyllama: error: "), outcome.standardError, file: file, line: line)
        XCTAssertTrue(outcome.standardError.contains(fragment), "'\(fragment)' in \(outcome.standardError)",
                      file: file, line: line)
    }

    /// `-m chat` is run.c's chat loop: the Llama 2 template around the turn, then
    /// the model's answer. Greedy, the answer is exactly what `-m generate` continues
    /// the rendered template with (the bundled model says no end-of-sequence within
    /// 60 positions, so there is one turn). Without -y the system prompt is asked
    /// for on stdin.
    func testChatAnswersAsGenerateContinuesTheTemplate() throws {
        let rendered = "[INST] <<SYS>>\nbe brief\n<</SYS>>\n\nhi [/INST]"
        let generate = try BabyLlamaBinary.run(["run", model, "-z", tokenizer, "-t", "0", "-n", "60", "-i", rendered])
        let chat = try BabyLlamaBinary.run(["run", model, "-z", tokenizer, "-m", "chat", "-t", "0", "-n", "60",
                                          "-i", "hi", "-y", "be brief"])
        XCTAssertEqual(generate.status, 0, generate.standardError)
        XCTAssertEqual(chat.status, 0, chat.standardError)
        let label = Array("Assistant: ".utf8)
        let chatOutput = Array(chat.standardOutput), generated = Array(generate.standardOutput)
        XCTAssertEqual(Array(chatOutput.prefix(label.count)), label)
        let answer = chatOutput.dropFirst(label.count)
        XCTAssertGreaterThan(answer.count, 10, "the answer is the model's text")
        XCTAssertEqual(Array(generated.suffix(answer.count)), Array(answer))

        let asked = try BabyLlamaBinary.run(["run", model, "-z", tokenizer, "-m", "chat", "-t", "0", "-n", "60",
                                           "-i", "hi"], input: Array("be brief\n".utf8))
        XCTAssertEqual(asked.status, 0, asked.standardError)
        XCTAssertEqual(Array(asked.standardOutput), Array("Enter system prompt (optional): ".utf8) + chatOutput)
    }

    /// A header that claims 2^18 positions (its RoPE tables written out, so the file is
    /// valid): the whole context's cache would take 512 MiB, more than the process may
    /// have. `run -n 16` allocates for 16 positions and tells its story; `-n 0` (the whole
    /// context) fails with one line, not a crash.
    func testCacheIsSizedForTheRunNotTheHeader() throws {
        let shape = ModelShape(dim: 64, hiddenDim: 96, layerCount: 4, headCount: 4, kvHeadCount: 4,
                               vocabSize: 512, seqLen: 1 << 18)
        let path = TestModels.write(ModelWriter.version0(ModelWriter.randomTensors(shape, seed: 5)), name: "long-context.bin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let limit = 400 << 10   // KiB of address space: the model and runtime fit, the whole cache does not
        let short = try BabyLlamaBinary.run(["run", path, "-z", tokenizer, "-t", "0", "-n", "16", "--json"],
                                            memoryLimitKiB: limit)
        XCTAssertEqual(short.status, 0, short.standardError)
        let whole = try BabyLlamaBinary.run(["run", path, "-z", tokenizer, "-t", "0", "-n", "0"], memoryLimitKiB: limit)
        XCTAssertTrue(whole.exited)
        XCTAssertEqual(whole.status, 1)
        XCTAssertEqual(whole.errorLines, ["babyllama: error: not enough memory for a 262144-position key/value cache (512 MiB)"])
    }

    func testRunMissingCheckpoint() throws {
        try assertEngineError(["run", "models/no-such-model.bin", "-z", tokenizer], mentions: "no-such-model.bin")
    }

    func testRunGarbageCheckpoint() throws {
        let path = TestModels.write(Array(String(repeating: "garbage ", count: 100).utf8), name: "garbage.bin")
        try assertEngineError(["run", path, "-z", tokenizer], mentions: "not a valid llama2.c checkpoint")
        let truncated = TestModels.write(Array(try Repository.read(Repository.model("stories260K.bin")).prefix(5000)),
                                         name: "truncated.bin")
        try assertEngineError(["run", truncated, "-z", tokenizer], mentions: "truncated")
    }

    func testRunBadTokenizer() throws {
        try assertEngineError(["run", model, "-z", "models/tokenizer.bin"], mentions: "32000")
        try assertEngineError(["run", model, "-z", "models/no-such-tokenizer.bin"], mentions: "no-such-tokenizer.bin")
        let garbage = TestModels.write(Array(String(repeating: "not a tokenizer ", count: 50).utf8), name: "garbage-tok.bin")
        try assertEngineError(["run", model, "-z", garbage], mentions: "not a valid llama2.c tokenizer")
        let cut = TestModels.write(Array(try Repository.read(Repository.model("tok512.bin")).prefix(3001)), name: "cut-tok.bin")
        try assertEngineError(["run", model, "-z", cut], mentions: "tokenizer")
    }

    func testRunPromptLongerThanContext() throws {
        let prompt = String(repeating: "xq", count: 700)  // well over 512 tokens with tok512
        try assertEngineError(["run", model, "-z", tokenizer, "-i", prompt, "-t", "0"], mentions: "prompt is")
    }

    func testLogitsBadArguments() throws {
        let out = TestModels.temporaryPath("bad.npy")
        try assertEngineError(["logits", model, "--tokens", "1,2,9999", "--out", out], mentions: "9999")
        try assertEngineError(["logits", model, "--tokens", "1,2", "--positions", "5", "--out", out], mentions: "position 5")
        try assertEngineError(["logits", model, "--tokens", "1,x", "--out", out], mentions: "'x'")
    }

    func testTokenizeBadTokenizer() throws {
        try assertEngineError(["tokenize", "-z", tokenizer, "--vocab-size", "32000", "--", "hi"], mentions: "512")
    }

    /// Flags the argument parser rejects: its usage message, a non-zero status, no crash.
    func testBadFlags() throws {
        let cases: [[String]] = [
            ["run", model, "--threads", "0"],
            ["run", model, "--kernels", "fast"],
            ["run", model, "--bogus"],
            ["run", model, "-n", "many"],
            ["run", model, "-m", "poem"],
            ["run", "--steps"],
            ["tokenize", "--vocab-size", "0", "hi"],
            ["frobnicate"],
        ]
        for arguments in cases {
            let outcome = try BabyLlamaBinary.run(arguments)
            XCTAssertTrue(outcome.exited, "killed by a signal: \(arguments)")
            XCTAssertNotEqual(outcome.status, 0, "\(arguments)")
            XCTAssertFalse(outcome.standardError.isEmpty, "\(arguments) says why")
            XCTAssertTrue(outcome.standardOutput.isEmpty, "\(arguments) prints nothing on stdout")
        }
    }

    // MARK: golden output

    func testRunJSONMatchesGoldenGreedy() throws {
        let golden = try XCTUnwrap(try Golden.generateCases().first { $0.name == "stories260K_greedy" })
        for kernels in ["simd", "scalar"] {
            let outcome = try BabyLlamaBinary.run(["run", model, "-z", tokenizer, "-t", "0", "-n", String(golden.steps),
                                                 "--json", "--threads", "2", "--kernels", kernels])
            XCTAssertEqual(outcome.status, 0, outcome.standardError)
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: outcome.standardOutput) as? [String: Any])
            let tokens = try XCTUnwrap(object["tokens"] as? [Int])
            XCTAssertEqual(Array(tokens.prefix(golden.tokens.count)), golden.tokens, kernels)
            XCTAssertTrue((0...1).contains(tokens.count - golden.tokens.count), kernels)
            XCTAssertEqual((object["text"] as? String).map { $0 + "\n" }, golden.text, kernels)
            XCTAssertEqual(object["prompt_tokens"] as? Int, 1)
        }
    }

    /// Plain `run` prints run.c's text on stdout and the rate on stderr.
    func testRunTextMatchesGoldenSampled() throws {
        let golden = try XCTUnwrap(try Golden.generateCases().first { $0.name == "stories260K_t1_s7" })
        let outcome = try BabyLlamaBinary.run(["run", model, "-z", tokenizer, "-t", String(golden.temperature),
                                             "-p", String(golden.topp), "-s", String(golden.seed),
                                             "-n", String(golden.steps), "--kernels", "scalar"])
        XCTAssertEqual(outcome.status, 0, outcome.standardError)
        XCTAssertEqual(String(decoding: outcome.standardOutput, as: UTF8.self), golden.text)
        XCTAssertTrue(outcome.standardError.hasPrefix("achieved tok/s: "), outcome.standardError)
    }

    /// llama2.c's own test (test_all.py): `run stories260K.bin -z tok512.bin -t 0.0 -n 200`
    /// prints exactly this story. With no checkpoint argument `run` uses the bundled
    /// model, and finds tok512.bin beside it.
    func testBundledModelTellsLlama2cTestStory() throws {
        let expected = """
            Once upon a time, there was a little girl named Lily. She loved to play outside in the park. \
            One day, she saw a big, red ball. She wanted to play with it, but it was too high.
            Lily's mom said, "Lily, let's go to the park." Lily was sad and didn't know what to do. \
            She said, "I want to play with your ball, but I can't find it."
            Lily was sad and didn't know what to do. She said, "I'm sorry, Lily. I didn't know what to do."
            Lily didn't want to help her mom, so she

            """
        for arguments in [["run", model, "-z", tokenizer, "-t", "0.0", "-n", "200"], ["run", "-t", "0", "-n", "200"]] {
            let outcome = try BabyLlamaBinary.run(arguments)
            XCTAssertEqual(outcome.status, 0, outcome.standardError)
            XCTAssertEqual(String(decoding: outcome.standardOutput, as: UTF8.self), expected, "\(arguments)")
        }
    }

    func testTokenizeMatchesGoldenIDs() throws {
        let cases = try Golden.encodeCases()
        XCTAssertEqual(cases.count, 39)
        for testCase in cases {
            let outcome = try BabyLlamaBinary.run(["tokenize", "-z", "models/" + testCase.tokenizer,
                                                 "--vocab-size", String(testCase.vocab_size), "--", testCase.text])
            XCTAssertEqual(outcome.status, 0, outcome.standardError)
            let ids = try JSONSerialization.jsonObject(with: outcome.standardOutput) as? [Int]
            XCTAssertEqual(ids, testCase.ids, testCase.text.debugDescription)
        }
    }

    func testLogitsWritesGoldenNpy() throws {
        let golden = try GoldenLogits(name: "stories260K_greedy")
        let out = TestModels.temporaryPath("logits.npy")
        let outcome = try BabyLlamaBinary.run(["logits", model, "--tokens", golden.tokens.map(String.init).joined(separator: ","),
                                             "--positions", golden.positions.map(String.init).joined(separator: ","),
                                             "--out", out, "--threads", "2"])
        XCTAssertEqual(outcome.status, 0, outcome.standardError)
        let array = try NumpyArray(data: Repository.read(out))
        XCTAssertEqual(array.shape, [golden.positions.count, golden.vocabSize])
        for (index, position) in golden.positions.enumerated() {
            let row = array.values[(index * golden.vocabSize)..<((index + 1) * golden.vocabSize)]
            XCTAssertLessThanOrEqual(relativeMaxDifference(row, golden.rows[index]), 1e-4, "position \(position)")
        }
    }

    func testBinaryIsBuilt() {
        XCTAssertNotNil(BabyLlamaBinary.path, "swift test -c release builds babyllama beside the tests")
    }
}
