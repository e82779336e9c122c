/// llama2.c's byte-level BPE tokenizer (`tokenizer.bin`): the same ids as
/// run.c's `encode` and the same bytes as its `decode`, on UTF-8 bytes throughout.
public struct Tokenizer {
    public let vocabSize: Int
    /// Longest piece in bytes, as stored in the file header.
    public let maxTokenLength: Int
    /// All pieces back to back; piece `i` is `pieceBytes[pieceStart[i]..<pieceStart[i + 1]]`.
    private let pieceBytes: [UInt8]
    private let pieceStart: [Int]
    private let scores: [Float]
    /// Token ids ordered by their piece's bytes (strcmp order), for binary search.
    private let sortedIDs: [Int32]
    /// For pieces spelled `<0xXX>`, the byte they stand for; -1 otherwise.
    private let rawByte: [Int16]
    private let allBytes: [UInt8] = (0...255).map { UInt8($0) }

    /// Beginning-of-sequence and end-of-sequence ids of the LLaMA vocabulary.
    public static let bos = 1
    public static let eos = 2

    /// Reads a tokenizer file; it must hold exactly `vocabSize` pieces.
    public init(path: String, vocabSize: Int) throws(LlamaError) {
        let file = try MappedFile(path: path)
        try self.init(bytes: file.bytes, vocabSize: vocabSize, path: path)
    }

    /// Parses tokenizer bytes (`path` only names the source in errors).
    public init(bytes: UnsafeRawBufferPointer, vocabSize: Int, path: String = "tokenizer") throws(LlamaError) {
        if vocabSize <= 0 { throw .invalidArgument("vocabulary size must be positive, got \(vocabSize)") }
        if bytes.count < 4 { throw .truncated(path: path, expectedBytes: 4, actualBytes: bytes.count) }
        let maxLength = Int(Int32(littleEndian: bytes.loadUnaligned(as: Int32.self)))
        if maxLength <= 0 || maxLength > 1 << 16 {
            throw .invalidTokenizer(path: path, reason: "max_token_length \(maxLength) is out of range")
        }
        var pieces: [UInt8] = []
        var starts: [Int] = [0]
        var scores: [Float] = []
        var offset = 4
        // Parse every entry the file holds so a mismatch can say how many there are.
        while offset < bytes.count {
            if bytes.count - offset < 8 {
                throw .invalidTokenizer(path: path, reason: "entry \(scores.count) is cut short")
            }
            let score = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            let length = Int(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: Int32.self)))
            offset += 8
            if length < 0 || length > maxLength || length > bytes.count - offset {
                throw .invalidTokenizer(path: path, reason: "entry \(scores.count) has an invalid length \(length)")
            }
            pieces.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]))
            starts.append(pieces.count)
            scores.append(score)
            offset += length
        }
        if scores.count != vocabSize {
            throw .vocabularyMismatch(tokenizerSize: scores.count, modelSize: vocabSize)
        }
        // encode writes BOS (1) and EOS (2) whatever the file holds: they must be pieces.
        if vocabSize <= Tokenizer.eos {
            throw .invalidTokenizer(path: path, reason: "it holds only \(vocabSize) of the 3 pieces every llama2.c "
                                    + "vocabulary starts with (<unk>, <s>, </s>)")
        }
        self.vocabSize = vocabSize
        self.maxTokenLength = maxLength
        self.pieceBytes = pieces
        self.pieceStart = starts
        self.scores = scores

        var raw = [Int16](repeating: -1, count: vocabSize)
        for id in 0..<vocabSize {
            raw[id] = Tokenizer.parseRawByte(pieces[starts[id]..<starts[id + 1]])
        }
        self.rawByte = raw
        // Ties (duplicate pieces) keep id order, as glibc's merge-sort qsort does in run.c.
        var order = (0..<vocabSize).map { Int32($0) }
        order.sort { a, b in
            let order = Tokenizer.compare(pieces[starts[Int(a)]..<starts[Int(a) + 1]],
                                          pieces[starts[Int(b)]..<starts[Int(b) + 1]])
            return order != 0 ? order < 0 : a < b
        }
        self.sortedIDs = order
    }

    /// The bytes of piece `token` as stored in the vocabulary.
    public func piece(_ token: Int) -> ArraySlice<UInt8> {
        pieceBytes[pieceStart[token]..<pieceStart[token + 1]]
    }

    /// The merge score of piece `token`.
    public func score(_ token: Int) -> Float { scores[token] }

    /// run.c's `decode`: the bytes `token` stands for when it follows `previous`
    /// (a leading space is dropped after BOS; `<0xXX>` pieces are raw bytes).
    public func decode(previous: Int, token: Int) -> ArraySlice<UInt8> {
        let byte = rawByte[token]
        if byte >= 0 { return allBytes[Int(byte)...Int(byte)] }
        var bytes = piece(token)
        if previous == Tokenizer.bos && bytes.first == 0x20 { bytes = bytes.dropFirst() }
        return bytes
    }

    /// What run.c prints for `token` (its `safe_printf`): the decoded bytes, or nothing
    /// when they are a single byte that is neither printable ASCII nor white space.
    public func printable(previous: Int, token: Int) -> ArraySlice<UInt8> {
        let bytes = decode(previous: previous, token: token)
        if bytes.count == 1 {
            let byte = bytes[bytes.startIndex]
            let isPrint = byte >= 0x20 && byte <= 0x7E
            let isSpace = byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
            if !(isPrint || isSpace) { return allBytes[0..<0] }
        }
        // A piece holding a NUL prints only up to it, as a C string does.
        if let nul = bytes.firstIndex(of: 0) { return bytes[bytes.startIndex..<nul] }
        return bytes
    }

    /// Encodes UTF-8 text as run.c's `encode` does.
    public func encode(_ text: String, bos: Bool, eos: Bool) -> [Int] {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { encode(bytes: UnsafeBufferPointer($0), bos: bos, eos: eos) }
    }

    /// Encodes UTF-8 bytes (up to the first NUL, as run.c reads a C string).
    public func encode(bytes: UnsafeBufferPointer<UInt8>, bos: Bool, eos: Bool) -> [Int] {
        let length = bytes.firstIndex(of: 0) ?? bytes.count
        var tokens: [Int] = []
        tokens.reserveCapacity(length + 3)
        if bos { tokens.append(Tokenizer.bos) }
        if length > 0 {
            // sentencepiece's add_dummy_prefix: the text is encoded as if it began with a space.
            let dummy = [UInt8(0x20)].withUnsafeBufferPointer { lookup($0) }
            if dummy >= 0 { tokens.append(dummy) }
        }
        // Each UTF-8 code point (at most 4 bytes) is a piece, or its bytes are.
        var unit: [UInt8] = []
        unit.reserveCapacity(4)
        for i in 0..<length {
            let byte = bytes[i]
            if byte & 0xC0 != 0x80 { unit.removeAll(keepingCapacity: true) }
            unit.append(byte)
            let next: UInt8 = i + 1 < length ? bytes[i + 1] : 0
            if next & 0xC0 == 0x80 && unit.count < 4 { continue }
            let id = unit.withUnsafeBufferPointer { lookup($0) }
            if id >= 0 {
                tokens.append(id)
            } else {
                // Byte fallback: the first three ids are <unk>, <s>, </s>.
                for byte in unit {
                    let byteID = Int(byte) + 3
                    tokens.append(byteID < vocabSize ? byteID : 0)
                }
            }
            unit.removeAll(keepingCapacity: true)
        }
        mergePairs(&tokens)
        if eos { tokens.append(Tokenizer.eos) }
        return tokens
    }

    /// Repeatedly merges the adjacent pair whose concatenation is the
    /// best-scoring piece, leftmost first on ties: run.c's loop, in O(n log n)
    /// with a heap of candidate pairs over a linked list instead of rescanning.
    private func mergePairs(_ tokens: inout [Int]) {
        // run.c also considers pairs with BOS; so does this.
        let n = tokens.count
        if n < 2 { return }
        var next = (0..<n).map { $0 + 1 }
        var previous = (0..<n).map { $0 - 1 }
        var alive = [Bool](repeating: true, count: n)
        var heap = PairHeap()
        var scratch: [UInt8] = []
        scratch.reserveCapacity(2 * maxTokenLength)

        func candidate(_ left: Int) {
            let right = next[left]
            if right >= n { return }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: piece(tokens[left]))
            scratch.append(contentsOf: piece(tokens[right]))
            let id = scratch.withUnsafeBufferPointer { lookup($0) }
            // run.c's best score starts at -1e10: lower (or NaN) scores never merge.
            if id >= 0 && scores[id] > -1e10 {
                heap.push(PairCandidate(score: scores[id], left: left, right: right,
                                        leftToken: tokens[left], rightToken: tokens[right], merged: id))
            }
        }
        for i in 0..<(n - 1) { candidate(i) }
        while let best = heap.pop() {
            let left = best.left
            let right = best.right
            // Skip pairs made stale by an earlier merge.
            if !alive[left] || next[left] != right || tokens[left] != best.leftToken
                || tokens[right] != best.rightToken {
                continue
            }
            tokens[left] = best.merged
            alive[right] = false
            next[left] = next[right]
            if next[right] < n { previous[next[right]] = left }
            if previous[left] >= 0 { candidate(previous[left]) }
            candidate(left)
        }
        var merged: [Int] = []
        merged.reserveCapacity(n)
        var i = 0
        while i < n {
            merged.append(tokens[i])
            i = next[i]
        }
        tokens = merged
    }

    /// The id of the piece spelled `bytes`, or -1: glibc's `bsearch` over the
    /// sorted vocabulary, so duplicate pieces resolve as in run.c.
    func lookup(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var low = 0
        var high = sortedIDs.count
        while low < high {
            let middle = (low + high) / 2
            let id = Int(sortedIDs[middle])
            let order = Tokenizer.compare(bytes, pieceBytes[pieceStart[id]..<pieceStart[id + 1]])
            if order < 0 {
                high = middle
            } else if order > 0 {
                low = middle + 1
            } else {
                return id
            }
        }
        return -1
    }

    /// strcmp's order on byte strings: unsigned bytes, a prefix before its extensions.
    static func compare<A: Collection, B: Collection>(_ a: A, _ b: B) -> Int
    where A.Element == UInt8, B.Element == UInt8 {
        var i = a.startIndex
        var j = b.startIndex
        while i != a.endIndex && j != b.endIndex {
            let x = a[i], y = b[j]
            if x != y { return x < y ? -1 : 1 }
            i = a.index(after: i)
            j = b.index(after: j)
        }
        if i == a.endIndex { return j == b.endIndex ? 0 : -1 }
        return 1
    }

    /// The byte a `<0xXX>` piece stands for (what run.c's `sscanf("<0x%02hhX>")` accepts), or -1.
    static func parseRawByte(_ piece: ArraySlice<UInt8>) -> Int16 {
        let bytes = Array(piece)
        guard bytes.count >= 4, bytes[0] == 0x3C, bytes[1] == 0x30, bytes[2] == 0x78 else { return -1 }
        var value: Int16 = 0
        var digits = 0
        for byte in bytes[3...] {
            guard digits < 2, let digit = hexValue(byte) else { break }
            value = value * 16 + digit
            digits += 1
        }
        return digits > 0 ? value : -1
    }

    private static func hexValue(_ byte: UInt8) -> Int16? {
        switch byte {
        case 0x30...0x39: return Int16(byte - 0x30)
        case 0x41...0x46: return Int16(byte - 0x41 + 10)
        case 0x61...0x66: return Int16(byte - 0x61 + 10)
        default: return nil
        }
    }
}

/// A pair of adjacent tokens that could merge into `merged`.
struct PairCandidate {
    var score: Float
    /// Index of the left token in the original sequence; order along the list.
    var left: Int
    var right: Int
    var leftToken: Int
    var rightToken: Int
    var merged: Int

    /// Higher score first; on equal scores the leftmost pair, as run.c's scan finds it.
    func outranks(_ other: PairCandidate) -> Bool {
        score != other.score ? score > other.score : left < other.left
    }
}

/// A binary max-heap of merge candidates.
struct PairHeap {
    private var items: [PairCandidate] = []

    mutating func push(_ item: PairCandidate) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if !items[child].outranks(items[parent]) { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> PairCandidate? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if items.isEmpty { return top }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            if left >= items.count { break }
            var best = left
            if left + 1 < items.count && items[left + 1].outranks(items[left]) { best = left + 1 }
            if !items[best].outranks(items[parent]) { break }
            items.swapAt(best, parent)
            parent = best
        }
        return top
    }
}
