import LlamaCore
import XCTest

/// `Tokenizer` against a plain rewrite of run.c's encode/decode/safe_printf
/// (Support/RunCTokenizer.swift), for both bundled vocabularies.
final class TokenizerTests: XCTestCase {
    private static let vocabularies = [("tokenizer.bin", 32000), ("tok512.bin", 512)]

    private func load(_ name: String, _ vocabSize: Int) throws -> (Tokenizer, RunCTokenizer) {
        let path = Repository.model(name)
        return (try Tokenizer(path: path, vocabSize: vocabSize), try RunCTokenizer(path: path, vocabSize: vocabSize))
    }

    func testDecodeAndPrintableMatchRunCForEveryToken() throws {
        for (name, vocabSize) in Self.vocabularies {
            let (tokenizer, reference) = try load(name, vocabSize)
            for token in 0..<vocabSize {
                for previous in [1, 2, 13, 450] where previous < vocabSize {
                    XCTAssertEqual(Array(tokenizer.decode(previous: previous, token: token)),
                                   reference.decode(previous: previous, token: token), "\(name) decode \(previous) → \(token)")
                    XCTAssertEqual(Array(tokenizer.printable(previous: previous, token: token)),
                                   reference.printed(previous: previous, token: token), "\(name) printable \(previous) → \(token)")
                }
            }
        }
    }

    func testDecodeByHand() throws {
        let (tokenizer, _) = try load("tokenizer.bin", 32000)
        // 9038 is " Once": the space goes after BOS only.
        XCTAssertEqual(Array(tokenizer.piece(9038)), Array(" Once".utf8))
        XCTAssertEqual(Array(tokenizer.decode(previous: 1, token: 9038)), Array("Once".utf8))
        XCTAssertEqual(Array(tokenizer.decode(previous: 450, token: 9038)), Array(" Once".utf8))
        // <0x41> is token 0x41 + 3 and stands for the byte 'A'; <0x0A> for a newline.
        XCTAssertEqual(Array(tokenizer.piece(0x41 + 3)), Array("<0x41>".utf8))
        XCTAssertEqual(Array(tokenizer.decode(previous: 5, token: 0x41 + 3)), [0x41])
        XCTAssertEqual(Array(tokenizer.decode(previous: 1, token: 0x0A + 3)), [0x0A])
        XCTAssertEqual(Array(tokenizer.decode(previous: 5, token: 0xE4 + 3)), [0xE4])
    }

    /// safe_printf: a lone byte that is neither printable nor white space prints nothing.
    func testPrintableDropsLoneUnprintableBytes() throws {
        let (tokenizer, _) = try load("tokenizer.bin", 32000)
        XCTAssertEqual(Array(tokenizer.printable(previous: 5, token: 0x41 + 3)), [0x41])
        XCTAssertEqual(Array(tokenizer.printable(previous: 5, token: 0x0A + 3)), [0x0A], "newline is white space")
        XCTAssertEqual(Array(tokenizer.printable(previous: 5, token: 0x09 + 3)), [0x09], "tab is white space")
        XCTAssertTrue(tokenizer.printable(previous: 5, token: 0x01 + 3).isEmpty, "control byte")
        XCTAssertTrue(tokenizer.printable(previous: 5, token: 0x7F + 3).isEmpty, "DEL")
        XCTAssertTrue(tokenizer.printable(previous: 5, token: 0xE4 + 3).isEmpty, "a lone UTF-8 lead byte")
        XCTAssertTrue(tokenizer.printable(previous: 5, token: 0x00 + 3).isEmpty, "NUL")
        XCTAssertEqual(Array(tokenizer.printable(previous: 5, token: 1)), Array("\n<s>\n".utf8), "multi-byte pieces print as is")
    }

    func testEOSAndBOSFlags() throws {
        for (name, vocabSize) in Self.vocabularies {
            let (tokenizer, reference) = try load(name, vocabSize)
            for (bos, eos) in [(false, false), (true, false), (false, true), (true, true)] {
                for text in ["", "a", "Once upon a time"] {
                    let ids = tokenizer.encode(text, bos: bos, eos: eos)
                    XCTAssertEqual(ids, reference.encode(Array(text.utf8), bos: bos, eos: eos), "\(name) \(text) \(bos) \(eos)")
                    XCTAssertEqual(ids.first == Tokenizer.bos, bos)
                    XCTAssertEqual(ids.last == Tokenizer.eos, eos)
                }
            }
            XCTAssertEqual(tokenizer.encode("", bos: false, eos: true), [2])
            XCTAssertEqual(tokenizer.encode("", bos: false, eos: false), [])
        }
    }

    /// Random strings of every kind: ASCII, multi-byte UTF-8, invalid UTF-8, long runs.
    private func randomTexts(count: Int, random: inout SeededRandom) -> [[UInt8]] {
        let words = ["Once", " upon", " a", " time", "Lily", " the", " dog", "ing", "ed", ",", ".", "!", "\n", " ",
                     "  ", "é", "日本", "🦙", "Привет", "<0x41>", "<s>", "\t"]
        var texts: [[UInt8]] = []
        for index in 0..<count {
            var bytes: [UInt8] = []
            let length = Int.random(in: 0...40, using: &random)
            switch index % 6 {
            case 0:  // printable ASCII
                bytes = (0..<length).map { _ in UInt8.random(in: 0x20...0x7E, using: &random) }
            case 1:  // words and pieces
                for _ in 0..<(length / 3) { bytes += Array(words.randomElement(using: &random)!.utf8) }
            case 2:  // valid multi-byte UTF-8 from several planes
                var scalars = String.UnicodeScalarView()
                for _ in 0..<(length / 2) {
                    let ranges: [ClosedRange<UInt32>] = [0x20...0x7E, 0xA0...0x24F, 0x400...0x4FF, 0x3040...0x30FF,
                                                         0x4E00...0x9FFF, 0x1F300...0x1F6FF]
                    let value = UInt32.random(in: ranges.randomElement(using: &random)!, using: &random)
                    if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
                }
                bytes = Array(String(scalars).utf8)
            case 3:  // arbitrary bytes: stray continuation bytes, cut sequences, overlong runs
                bytes = (0..<length).map { _ in UInt8.random(in: 1...255, using: &random) }
            case 4:  // long repeated runs
                let unit = Array(["a", " ", "ab", "zz", "\u{00E9}", "\u{1F999}", "\n\n", "-"]
                    .randomElement(using: &random)!.utf8)
                for _ in 0..<Int.random(in: 1...120, using: &random) { bytes += unit }
            default:  // continuation bytes after a lead byte, longer than 4
                bytes = Array("x".utf8) + [0xE6] + [UInt8](repeating: 0x80 | UInt8(index % 64), count: length % 9)
                    + Array(" y".utf8)
            }
            texts.append(bytes)
        }
        return texts
    }

    func testEncodeMatchesRunCsMergeLoopOnRandomText() throws {
        var random = SeededRandom(seed: 12)
        let texts = randomTexts(count: 600, random: &random)
        for (name, vocabSize) in Self.vocabularies {
            let (tokenizer, reference) = try load(name, vocabSize)
            for text in texts {
                let ours = text.withUnsafeBufferPointer { tokenizer.encode(bytes: $0, bos: true, eos: false) }
                XCTAssertEqual(ours, reference.encode(text, bos: true, eos: false), "\(name): \(text)")
            }
        }
    }

    /// run.c reads the text as a C string: it ends at the first NUL.
    func testEncodeStopsAtNUL() throws {
        let (tokenizer, reference) = try load("tokenizer.bin", 32000)
        let text = Array("Hello".utf8) + [0] + Array(" world".utf8)
        let ours = text.withUnsafeBufferPointer { tokenizer.encode(bytes: $0, bos: true, eos: false) }
        XCTAssertEqual(ours, reference.encode(text, bos: true, eos: false))
        XCTAssertEqual(ours, tokenizer.encode("Hello", bos: true, eos: false))
    }

    func testLongTextEncodesLikeRunC() throws {
        let (tokenizer, reference) = try load("tokenizer.bin", 32000)
        let text = Array(String(repeating: "Once upon a time, there was a little girl named Lily. ", count: 40).utf8)
        let ours = text.withUnsafeBufferPointer { tokenizer.encode(bytes: $0, bos: true, eos: true) }
        XCTAssertEqual(ours, reference.encode(text, bos: true, eos: true))
    }
}
