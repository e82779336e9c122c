import Foundation
import LlamaCore
import StoryService
import Support
import XCTest

/// The shapes of Ollama's answers, its model description, and its timestamps.
final class OllamaAnswerTests: XCTestCase {
    private func object(_ value: JSONValue, file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        let parsed = try? JSONSerialization.jsonObject(with: Data(value.serialized())) as? [String: Any]
        XCTAssertNotNil(parsed, "not a JSON object", file: file, line: line)
        return parsed ?? [:]
    }

    private let statistics = OllamaStatistics(doneReason: "length", totalNanoseconds: 9_000_000_000_123, loadNanoseconds: 5,
                                              promptEvalCount: 4, promptEvalNanoseconds: 1_500, evalCount: 3,
                                              evalNanoseconds: 2_000_000)

    func testGenerateChunkAndFinal() throws {
        let chunk = object(OllamaAnswer.chunk(.generate, model: "m:latest", createdAt: "T", text: Array(" there".utf8)))
        XCTAssertEqual(Set(chunk.keys), ["model", "created_at", "response", "done"])
        XCTAssertEqual(chunk["model"] as? String, "m:latest")
        XCTAssertEqual(chunk["created_at"] as? String, "T")
        XCTAssertEqual(chunk["response"] as? String, " there")
        XCTAssertEqual(chunk["done"] as? Bool, false)

        let final = object(OllamaAnswer.final(.generate, model: "m", createdAt: "T", text: [0x61, 0xE2],
                                              statistics: statistics, context: [1, 403, 9], seed: 77))
        XCTAssertEqual(Set(final.keys), ["model", "created_at", "response", "done", "done_reason", "context",
                                         "total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration",
                                         "eval_count", "eval_duration", "seed"])
        XCTAssertEqual(final["response"] as? String, "a\u{FFFD}", "an unfinished character is repaired")
        XCTAssertEqual(final["done"] as? Bool, true)
        XCTAssertEqual(final["done_reason"] as? String, "length")
        XCTAssertEqual(final["context"] as? [Int], [1, 403, 9])
        // Durations are integers of nanoseconds, as Ollama's clients read them.
        XCTAssertEqual(final["total_duration"] as? Int, 9_000_000_000_123)
        XCTAssertEqual(final["load_duration"] as? Int, 5)
        XCTAssertEqual(final["prompt_eval_count"] as? Int, 4)
        XCTAssertEqual(final["prompt_eval_duration"] as? Int, 1_500)
        XCTAssertEqual(final["eval_count"] as? Int, 3)
        XCTAssertEqual(final["eval_duration"] as? Int, 2_000_000)
        XCTAssertEqual(final["seed"] as? Int, 77)
    }

    func testChatAnswersCarryAnAssistantMessage() throws {
        let chunk = object(OllamaAnswer.chunk(.chat, model: "m", createdAt: "T", text: Array("Lily".utf8)))
        XCTAssertEqual(Set(chunk.keys), ["model", "created_at", "message", "done"])
        XCTAssertEqual(chunk["message"] as? [String: String], ["role": "assistant", "content": "Lily"])
        let final = object(OllamaAnswer.final(.chat, model: "m", createdAt: "T", text: [], statistics: statistics,
                                              context: [1, 2], seed: 1))
        XCTAssertEqual(final["message"] as? [String: String], ["role": "assistant", "content": ""])
        XCTAssertNil(final["context"], "chat answers carry no context")
        XCTAssertNil(final["response"])
        XCTAssertEqual(final["eval_count"] as? Int, 3)
    }

    func testLoadAnswer() throws {
        let generate = object(OllamaAnswer.loaded(.generate, model: "m", createdAt: "T"))
        XCTAssertEqual(generate["response"] as? String, "")
        XCTAssertEqual(generate["done"] as? Bool, true)
        XCTAssertEqual(generate["done_reason"] as? String, "load")
        let chat = object(OllamaAnswer.loaded(.chat, model: "m", createdAt: "T"))
        XCTAssertEqual(chat["message"] as? [String: String], ["role": "assistant", "content": ""])
        XCTAssertEqual(chat["done_reason"] as? String, "load")
    }

    func testTimestampsAreRFC3339InUTC() throws {
        XCTAssertEqual(UTCTimestamp.rfc3339(unixNanoseconds: 0), "1970-01-01T00:00:00.000000Z")
        XCTAssertEqual(UTCTimestamp.rfc3339(unixNanoseconds: -1), "1969-12-31T23:59:59.999999Z")
        XCTAssertEqual(UTCTimestamp.rfc3339(unixNanoseconds: 951_782_400_000_000_000), "2000-02-29T00:00:00.000000Z")
        XCTAssertEqual(UTCTimestamp.rfc3339(unixNanoseconds: 1_714_591_365_499_127_999), "2024-05-01T19:22:45.499127Z")
        // Against Foundation's calendar, over 1900...2400 (leap years and centuries included).
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        var state: UInt64 = 0x1234_5678
        for _ in 0..<3_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let seconds = Int64(state >> 33) % 15_778_800_000 - 2_208_988_800   // 1900-01-01 to ~2400
            let micros = Int64(state % 1_000_000)
            let text = UTCTimestamp.rfc3339(unixNanoseconds: seconds * 1_000_000_000 + micros * 1_000 + 999)
            let expected = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
                + String(format: ".%06dZ", micros)
            XCTAssertEqual(text, expected)
        }
    }

    func testTheBundledModelAsOllamaDescribesIt() throws {
        let checkpoint = try Checkpoint(path: Repo.model)
        let file = try Data(contentsOf: URL(fileURLWithPath: Repo.model))
        let sha = file.withUnsafeBytes { SHA256.hex(of: $0) }
        let model = OllamaModel(checkpoint: checkpoint, sha256: sha)
        XCTAssertEqual(model.name, "stories260K:latest")
        XCTAssertEqual(model.fileName, "stories260K.bin")
        // A v0 fp32 file with a shared classifier: a 28-byte header, the weights, then RoPE's
        // freq_cis tables (seq_len x head_size floats), which are not parameters.
        let config = checkpoint.config
        XCTAssertEqual(model.parameterCount, (file.count - 28) / 4 - config.seqLen * config.headSize)
        XCTAssertEqual(model.parameterSize, "260K")

        for name in ["", "stories260K", "stories260K:latest", "stories260K.bin", "stories260K.bin:latest"] {
            XCTAssertTrue(model.matches(name), name)
        }
        for name in ["llama3.2", "stories260K:7b", "stories260", "stories260K:latest:latest", ":latest", "models/stories260K.bin"] {
            XCTAssertFalse(model.matches(name), name)
        }
        let notFound = OllamaModel.notFound("llama3.2")
        XCTAssertEqual(notFound.status(in: .ollama), 404)
        XCTAssertEqual(String(decoding: notFound.answer(in: .ollama).serialized(), as: UTF8.self),
                       #"{"error":"model 'llama3.2' not found"}"#)

        let tags = object(model.tags)
        let entries = try XCTUnwrap(tags["models"] as? [[String: Any]])
        XCTAssertEqual(entries.count, 1)
        let entry = entries[0]
        XCTAssertEqual(entry["name"] as? String, "stories260K:latest")
        XCTAssertEqual(entry["model"] as? String, "stories260K:latest")
        XCTAssertEqual(entry["size"] as? Int, file.count)
        XCTAssertEqual(entry["digest"] as? String, sha)
        let details = try XCTUnwrap(entry["details"] as? [String: Any])
        XCTAssertEqual(details["family"] as? String, "llama")
        XCTAssertEqual(details["families"] as? [String], ["llama"])
        XCTAssertEqual(details["parameter_size"] as? String, "260K")
        XCTAssertEqual(details["quantization_level"] as? String, "F32")
        // modified_at is the file's modification time.
        let modified = try FileManager.default.attributesOfItem(atPath: Repo.model)[.modificationDate] as? Date
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let stated = try XCTUnwrap(parser.date(from: entry["modified_at"] as? String ?? ""))
        XCTAssertEqual(stated.timeIntervalSince1970, try XCTUnwrap(modified).timeIntervalSince1970, accuracy: 0.001)

        let show = object(model.show)
        XCTAssertEqual(show["template"] as? String, "{{ .Prompt }}")
        XCTAssertEqual(show["capabilities"] as? [String], ["completion"])
        XCTAssertEqual(show["modified_at"] as? String, entry["modified_at"] as? String)
        XCTAssertNotNil(show["details"] as? [String: Any])
        let info = try XCTUnwrap(show["model_info"] as? [String: Any])
        XCTAssertEqual(info["general.architecture"] as? String, "llama")
        XCTAssertEqual(info["general.parameter_count"] as? Int, model.parameterCount)
        XCTAssertEqual(info["llama.context_length"] as? Int, config.seqLen)
        XCTAssertEqual(info["llama.embedding_length"] as? Int, 64)
        XCTAssertEqual(info["llama.block_count"] as? Int, 5)
        XCTAssertEqual(info["llama.attention.head_count_kv"] as? Int, 4)
        XCTAssertTrue((show["modelfile"] as? String ?? "").contains("FROM \(Repo.model)"))
    }

    func testParameterSizesAsOllamaWritesThem() {
        XCTAssertEqual(OllamaModel.parameterSize(count: 999), "999")
        XCTAssertEqual(OllamaModel.parameterSize(count: 260_032), "260K")
        XCTAssertEqual(OllamaModel.parameterSize(count: 15_191_712), "15.19M")
        XCTAssertEqual(OllamaModel.parameterSize(count: 110_000_000), "110M")
        XCTAssertEqual(OllamaModel.parameterSize(count: 7_000_000_000), "7B")
        XCTAssertEqual(OllamaModel.parameterSize(count: 1_100_048_384), "1.1B")
    }
}
