import Foundation

/// One line of encode.jsonl: run.c's `encode()` output.
public struct EncodeCase: Decodable, Sendable {
    public var tokenizer: String
    public var vocab_size: Int
    public var text: String
    public var bos: Bool
    public var eos: Bool
    public var ids: [Int]
}

/// One line of generate.jsonl: run.c's (runq.c's) generation loop.
public struct GenerateCase: Decodable, Sendable {
    public var name: String
    public var model: String
    public var tokenizer: String
    public var prompt: String
    public var temperature: Float
    public var topp: Float
    public var seed: UInt64
    public var steps: Int
    public var quant: Bool?
    public var prompt_ids: [Int]
    /// `tokens[i]` is the token fed at position i.
    public var tokens: [Int]
    /// What run.c printed, with its final newline.
    public var text: String

    public var isGreedy: Bool { temperature == 0 }
}

/// The golden files.
public enum Golden {
    public static func encodeCases() throws -> [EncodeCase] { try jsonLines("encode.jsonl") }
    public static func generateCases() throws -> [GenerateCase] { try jsonLines("generate.jsonl") }

    private static func jsonLines<T: Decodable>(_ name: String) throws -> [T] {
        let data = try Repository.read(Repository.fixture(name))
        return try data.split(separator: UInt8(ascii: "\n")).map { line in
            try JSONDecoder().decode(T.self, from: Data(line))
        }
    }
}
