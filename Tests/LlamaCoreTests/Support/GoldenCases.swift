import Foundation

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
