import Foundation
import XCTest

/// Where the repository's files are, found from this source file's path so the
/// tests run from any working directory.
enum Repository {
    /// The package root (this file is Tests/LlamaCoreTests/Support/Fixtures.swift).
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// A file of Tests/Fixtures.
    static func fixture(_ name: String) -> String { path("Tests/Fixtures/" + name) }

    /// A bundled file of models/.
    static func model(_ name: String) -> String { path("models/" + name) }

    static func read(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }
}

/// One line of encode.jsonl: run.c's `encode()` output.
struct EncodeCase: Decodable, Sendable {
    var tokenizer: String
    var vocab_size: Int
    var text: String
    var bos: Bool
    var eos: Bool
    var ids: [Int]
}

/// One line of generate.jsonl: run.c's (runq.c's) generation loop.
struct GenerateCase: Decodable, Sendable {
    var name: String
    var model: String
    var tokenizer: String
    var prompt: String
    var temperature: Float
    var topp: Float
    var seed: UInt64
    var steps: Int
    var quant: Bool?
    var prompt_ids: [Int]
    /// `tokens[i]` is the token fed at position i.
    var tokens: [Int]
    /// What run.c printed, with its final newline.
    var text: String

    var isGreedy: Bool { temperature == 0 }
}

/// NAME.json + NAME.logits.f32: float64-reference logits, teacher-forced over `tokens`.
struct GoldenLogits: Sendable {
    var model: String
    var tokens: [Int]
    var positions: [Int]
    var vocabSize: Int
    var argmax: [Int]
    /// One row of `vocabSize` logits per position.
    var rows: [[Float]]

    private struct Header: Decodable {
        var model: String
        var tokens: [Int]
        var positions: [Int]
        var vocab_size: Int
        var argmax: [Int]
    }

    init(name: String) throws {
        let header = try JSONDecoder().decode(Header.self, from: Repository.read(Repository.fixture(name + ".json")))
        model = header.model
        tokens = header.tokens
        positions = header.positions
        vocabSize = header.vocab_size
        argmax = header.argmax
        let data = try Repository.read(Repository.fixture(name + ".logits.f32"))
        let values = LittleEndian.floats(data)
        let width = header.vocab_size
        guard values.count == header.positions.count * width else {
            throw FixtureError("\(name).logits.f32 holds \(values.count) floats, expected \(header.positions.count * width)")
        }
        rows = header.positions.indices.map { Array(values[($0 * width)..<(($0 + 1) * width)]) }
    }
}

/// The golden files.
enum Golden {
    static func encodeCases() throws -> [EncodeCase] { try jsonLines("encode.jsonl") }
    static func generateCases() throws -> [GenerateCase] { try jsonLines("generate.jsonl") }

    private static func jsonLines<T: Decodable>(_ name: String) throws -> [T] {
        let data = try Repository.read(Repository.fixture(name))
        return try data.split(separator: UInt8(ascii: "\n")).map { line in
            try JSONDecoder().decode(T.self, from: Data(line))
        }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum LittleEndian {
    static func floats(_ data: Data) -> [Float] {
        data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
    }
}
