import Foundation

/// run.c's tokenizer written out again from run.c's source, the slow obvious way
/// (a dictionary for `str_lookup`, an O(n²) merge loop): the test's independent
/// reference for `Tokenizer`.
struct RunCTokenizer {
    let pieces: [[UInt8]]
    let scores: [Float]
    let ids: [[UInt8]: Int]

    /// Reads a tokenizer.bin: max_token_length, then (score, length, bytes) per piece.
    init(path: String, vocabSize: Int) throws {
        let bytes = [UInt8](try Repository.read(path))
        var reader = ByteReader(bytes: bytes, offset: 4)
        var pieces: [[UInt8]] = []
        var scores: [Float] = []
        for _ in 0..<vocabSize {
            scores.append(Float(bitPattern: try reader.uint32(at: reader.offset)))
            let length = try reader.int32(at: reader.offset + 4)
            reader.offset += 8
            pieces.append(Array(bytes[reader.offset..<(reader.offset + length)]))
            reader.offset += length
        }
        self.pieces = pieces
        self.scores = scores
        var ids: [[UInt8]: Int] = [:]
        for (id, piece) in pieces.enumerated() where ids[piece] == nil { ids[piece] = id }
        self.ids = ids
    }

    func lookup(_ text: [UInt8]) -> Int { ids[text] ?? -1 }

    /// run.c's `encode` over the bytes of a C string (stops at the first NUL).
    func encode(_ input: [UInt8], bos: Bool, eos: Bool) -> [Int] {
        let text = Array(input.prefix { $0 != 0 })
        var tokens: [Int] = []
        if bos { tokens.append(1) }
        if !text.isEmpty { tokens.append(lookup([0x20])) }
        var buffer: [UInt8] = []
        for (i, c) in text.enumerated() {
            if c & 0xC0 != 0x80 { buffer = [] }
            buffer.append(c)
            let next: UInt8 = i + 1 < text.count ? text[i + 1] : 0
            if next & 0xC0 == 0x80 && buffer.count < 4 { continue }
            let id = lookup(buffer)
            if id != -1 {
                tokens.append(id)
            } else {
                for byte in buffer { tokens.append(Int(byte) + 3) }
            }
            buffer = []
        }
        while true {
            var bestScore: Float = -1e10
            var bestID = -1
            var bestIndex = -1
            for i in 0..<max(0, tokens.count - 1) {
                let id = lookup(pieces[tokens[i]] + pieces[tokens[i + 1]])
                if id != -1 && scores[id] > bestScore {
                    bestScore = scores[id]
                    bestID = id
                    bestIndex = i
                }
            }
            if bestIndex == -1 { break }
            tokens[bestIndex] = bestID
            tokens.remove(at: bestIndex + 1)
        }
        if eos { tokens.append(2) }
        return tokens
    }

    /// run.c's `decode`: drop a leading space after BOS, then `<0xXX>` → that byte.
    func decode(previous: Int, token: Int) -> [UInt8] {
        var piece = pieces[token][...]
        if previous == 1 && piece.first == 0x20 { piece = piece.dropFirst() }
        if let byte = RunCTokenizer.scanByte(Array(piece)) { return [byte] }
        return Array(piece)
    }

    /// What run.c prints for `token`: `safe_printf` of the decoded C string
    /// (which ends at a NUL, so `<0x00>` prints nothing).
    func printed(previous: Int, token: Int) -> [UInt8] {
        RunCTokenizer.safePrintf(decode(previous: previous, token: token).prefix { $0 != 0 })
    }

    /// `sscanf(piece, "<0x%02hhX>", &byte) == 1` for the pieces in these vocabularies.
    static func scanByte(_ piece: [UInt8]) -> UInt8? {
        guard piece.count >= 4, Array(piece[0..<3]) == Array("<0x".utf8) else { return nil }
        let digits = piece[3...].prefix(2).prefix { isxdigit(Int32($0)) != 0 }
        guard !digits.isEmpty else { return nil }
        return UInt8(String(decoding: digits, as: UTF8.self), radix: 16)
    }

    /// run.c's `safe_printf`: nothing for an empty piece or a lone unprintable byte.
    static func safePrintf(_ piece: some Collection<UInt8>) -> [UInt8] {
        guard let first = piece.first else { return [] }
        if piece.count == 1 && !(isprint(Int32(first)) != 0 || isspace(Int32(first)) != 0) { return [] }
        return Array(piece)
    }
}
