import LlamaCore
import XCTest

/// Malformed tokenizers, mismatched vocabularies and prompts that do not fit.
final class BadTokenizerAndPromptTests: XCTestCase {
    private static let tok512 = [UInt8](try! Repository.read(Repository.model("tok512.bin")))

    func testMissingAndDirectory() {
        let path = TestModels.temporaryPath("missing-tokenizer.bin")
        assertThrows(.cannotOpen(path: path, reason: "No such file or directory")) { () throws(LlamaError) in
            try Tokenizer(path: path, vocabSize: 512)
        }
        assertThrows(.cannotOpen(path: TestModels.directory, reason: "not a regular file")) { () throws(LlamaError) in
            try Tokenizer(path: TestModels.directory, vocabSize: 512)
        }
    }

    func testEmpty() {
        let path = TestModels.write([], name: "empty-tokenizer.bin")
        assertThrows(.cannotOpen(path: path, reason: "the file is empty")) { () throws(LlamaError) in
            try Tokenizer(path: path, vocabSize: 512)
        }
    }

    func testTruncated() {
        for length in [1, 3] {
            let path = TestModels.write(Array(Self.tok512.prefix(length)), name: "short-tokenizer.bin")
            assertThrows(.truncated(path: path, expectedBytes: 4, actualBytes: length)) { () throws(LlamaError) in
                try Tokenizer(path: path, vocabSize: 512)
            }
        }
        // Cut inside an entry: its score/length or its bytes are missing.
        for length in [6, 4 + 8 + 2, Self.tok512.count / 2 + 1, Self.tok512.count - 1] {
            let bytes = Array(Self.tok512.prefix(length))
            let path = TestModels.write(bytes, name: "cut-tokenizer.bin")
            assertThrows({ () throws(LlamaError) in try Tokenizer(path: path, vocabSize: 512) }) { error in
                switch error {
                case .invalidTokenizer(path, _): break
                default: XCTFail("length \(length): \(error)")
                }
            }
        }
        // Cut between entries: a well-formed file with too few pieces.
        let path = TestModels.write(Array(Self.tok512.prefix(4)), name: "no-entries.bin")
        assertThrows(.vocabularyMismatch(tokenizerSize: 0, modelSize: 512)) { () throws(LlamaError) in
            try Tokenizer(path: path, vocabSize: 512)
        }
    }

    func testGarbage() {
        let text = Array(String(repeating: "not a tokenizer at all\n", count: 50).utf8)
        var random = SeededRandom(seed: 23)
        var lengthOnly = ByteWriter()
        lengthOnly.int32(16)
        lengthOnly.uint32(Float(1).bitPattern)
        lengthOnly.int32(-5)  // a negative piece length
        var tooLong = ByteWriter()
        tooLong.int32(4)
        tooLong.uint32(0)
        tooLong.int32(5)  // longer than max_token_length
        tooLong.bytes += Array("hello".utf8)
        let garbage: [[UInt8]] = [
            text, lengthOnly.bytes, tooLong.bytes,
            [0, 0, 0, 0] + text,  // max_token_length 0
            (0..<5000).map { _ in UInt8.random(in: 0...255, using: &random) },
        ]
        for bytes in garbage {
            let path = TestModels.write(bytes, name: "garbage-tokenizer.bin")
            assertThrows({ () throws(LlamaError) in try Tokenizer(path: path, vocabSize: 512) }) { error in
                guard case .invalidTokenizer(path, _) = error else { return XCTFail("\(error)") }
            }
        }
    }

    func testVocabularyMismatch() {
        assertThrows(.vocabularyMismatch(tokenizerSize: 32000, modelSize: 512)) { () throws(LlamaError) in
            try Tokenizer(path: Repository.model("tokenizer.bin"), vocabSize: 512)
        }
        assertThrows(.vocabularyMismatch(tokenizerSize: 512, modelSize: 32000)) { () throws(LlamaError) in
            try Tokenizer(path: Repository.model("tok512.bin"), vocabSize: 32000)
        }
        assertThrows({ () throws(LlamaError) in try Tokenizer(path: Repository.model("tok512.bin"), vocabSize: 0) }) { error in
            guard case .invalidArgument = error else { return XCTFail("\(error)") }
        }
    }

    /// Found by scripts/fuzz.sh (tokenizer_load): with fewer than 3 pieces, encode's BOS
    /// and EOS ids were outside the vocabulary and its merge loop read past the pieces.
    func testTooFewPiecesForBOSAndEOS() {
        for count in 1...2 {
            var writer = ByteWriter()
            writer.int32(5)
            for piece in ["<unk>", "<s>"].prefix(count) {
                writer.uint32(Float(0).bitPattern)
                writer.int32(piece.utf8.count)
                writer.bytes += Array(piece.utf8)
            }
            let path = TestModels.write(writer.bytes, name: "few-pieces-tokenizer.bin")
            assertThrows({ () throws(LlamaError) in try Tokenizer(path: path, vocabSize: count) }) { error in
                guard case .invalidTokenizer(path, let reason) = error, reason.contains("of the 3 pieces") else {
                    return XCTFail("\(count) pieces: \(error)")
                }
            }
        }
    }

    // MARK: prompts

    private func generate(_ prompt: [Int], steps: Int = 0) throws(LlamaError) -> GenerationResult {
        let transformer = try EngineHarness.transformerOrFail(TestModels.tinyUnshared.path)
        var sampler = Sampler(vocabSize: 512, temperature: 0, topP: 0.9, seed: 1)
        return try Generator(transformer: transformer).generate(promptTokens: prompt, steps: steps, sampler: &sampler) { _ in true }
    }

    func testPromptLongerThanContext() throws {
        let seqLen = try Checkpoint(path: TestModels.tinyUnshared.path).config.seqLen
        XCTAssertEqual(seqLen, 128)
        let tooLong = [1] + Array(repeating: 300, count: seqLen)
        assertThrows(.promptTooLong(tokens: seqLen + 1, limit: seqLen)) { () throws(LlamaError) in try generate(tooLong) }
        // Exactly the context fits: every position is a prompt position.
        let fits = try generate([1] + Array(repeating: 300, count: seqLen - 1))
        XCTAssertEqual(Array(fits.tokens.prefix(seqLen)), [1] + Array(repeating: 300, count: seqLen - 1))
    }

    func testPromptLongerThanContextFromText() throws {
        let tokenizer = try Tokenizer(path: Repository.model("tok512.bin"), vocabSize: 512)
        let prompt = tokenizer.encode(String(repeating: "xq", count: 200), bos: true, eos: false)
        XCTAssertGreaterThan(prompt.count, 128)
        assertThrows(.promptTooLong(tokens: prompt.count, limit: 128)) { () throws(LlamaError) in try generate(prompt) }
    }

    func testBadPromptTokens() {
        for prompt in [[], [1, -1], [1, 512], [1, 5, Int.max]] {
            assertThrows({ () throws(LlamaError) in try generate(prompt) }) { error in
                guard case .invalidArgument = error else { return XCTFail("\(prompt): \(error)") }
            }
        }
    }
}
