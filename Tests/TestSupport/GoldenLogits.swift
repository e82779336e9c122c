import Foundation

/// NAME.json + NAME.logits.f32: float64-reference logits, teacher-forced over `tokens`.
public struct GoldenLogits: Sendable {
    public var model: String
    public var tokens: [Int]
    public var positions: [Int]
    public var vocabSize: Int
    public var argmax: [Int]
    /// One row of `vocabSize` logits per position.
    public var rows: [[Float]]

    private struct Header: Decodable {
        var model: String
        var tokens: [Int]
        var positions: [Int]
        var vocab_size: Int
        var argmax: [Int]
    }

    public init(name: String) throws {
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
