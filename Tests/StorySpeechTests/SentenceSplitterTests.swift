import StorySpeech
import XCTest

final class SentenceSplitterTests: XCTestCase {
    /// Texts and the sentences they split into.
    static let cases: [(String, [String])] = [
        ("Once upon a time, there was a girl. She liked to play! Did she? Yes.",
         ["Once upon a time, there was a girl.", "She liked to play!", "Did she?", "Yes."]),
        ("Mr. Smith met Dr. Brown at St. Mary's. They talked.",
         ["Mr. Smith met Dr. Brown at St. Mary's.", "They talked."]),
        ("MRS. Jones and Prof. Oak came. Ms. Lee did not.", ["MRS. Jones and Prof. Oak came.", "Ms. Lee did not."]),
        ("J. K. Rowling wrote books. We read them.", ["J. K. Rowling wrote books.", "We read them."]),
        ("So did I. Then we left.", ["So did I.", "Then we left."]),
        ("It cost 3.50 dollars. Cheap. Version 1.2.3 is out.", ["It cost 3.50 dollars.", "Cheap.", "Version 1.2.3 is out."]),
        ("He said, \"Go home.\" Then he left.", ["He said, \"Go home.\"", "Then he left."]),
        ("\"Help!\" she cried. \"Run!\" Tom ran.", ["\"Help!\" she cried.", "\"Run!\"", "Tom ran."]),
        ("'Stop.' It stopped.", ["'Stop.'", "It stopped."]),
        ("“Hello.” She smiled. “Bye!” he said.", ["“Hello.”", "She smiled.", "“Bye!” he said."]),
        ("Well... maybe. I do not know...", ["Well... maybe.", "I do not know..."]),
        ("Wait... Then it happened.", ["Wait...", "Then it happened."]),
        ("Wait… Then it happened… and ended.", ["Wait…", "Then it happened… and ended."]),
        ("What?! No way!!! Yes.", ["What?!", "No way!!!", "Yes."]),
        ("The end\nA new story begins", ["The end", "A new story begins"]),
        ("Line one.\n\nLine two.\n", ["Line one.", "Line two."]),
        ("(It was late.) She slept. [Really.] Yes.", ["(It was late.)", "She slept.", "[Really.]", "Yes."]),
        ("once upon a time", ["once upon a time"]),
        ("  Hello.   ", ["Hello."]),
        ("I met him at 5 p.m. and left. Fruits, e.g. apples, are good.",
         ["I met him at 5 p.m. and left.", "Fruits, e.g. apples, are good."]),
        ("Hi!Bob is here.", ["Hi!Bob is here."]),
        ("Lily smiled. 3 cats came.", ["Lily smiled.", "3 cats came."]),
        ("Él llegó. Ça va? Ja.", ["Él llegó.", "Ça va?", "Ja."]),
        ("...", []),
        ("\n\n  \n", []),
        ("“…” Hello.", ["Hello."]),
        ("", []),
    ]

    func testWholeTexts() {
        for (text, expected) in SentenceSplitterTests.cases {
            XCTAssertEqual(SentenceSplitter.sentences(in: text), expected, "splitting \(text.debugDescription)")
        }
    }

    func testByteByBytePiecesGiveTheSameSentences() {
        for (text, expected) in SentenceSplitterTests.cases {
            var splitter = SentenceSplitter()
            var sentences: [String] = []
            for byte in text.utf8 { sentences += splitter.append([byte]) }
            sentences += splitter.finish()
            XCTAssertEqual(sentences, expected, "byte by byte: \(text.debugDescription)")
        }
    }

    func testEveryTwoPieceSplitGivesTheSameSentences() {
        for (text, expected) in SentenceSplitterTests.cases {
            let bytes = Array(text.utf8)
            for cut in 0...bytes.count {
                var splitter = SentenceSplitter()
                var sentences = splitter.append(bytes[..<cut])
                sentences += splitter.append(bytes[cut...])
                sentences += splitter.finish()
                XCTAssertEqual(sentences, expected, "cut at \(cut): \(text.debugDescription)")
            }
        }
    }

    func testTokenLikePiecesReleaseEachSentenceOnceItIsDecided() {
        var splitter = SentenceSplitter()
        XCTAssertEqual(splitter.append("Once upon a time"), [])
        XCTAssertEqual(splitter.append(" there was a cat."), [], "the next word could still be lowercase")
        XCTAssertEqual(splitter.append(" "), [])
        XCTAssertEqual(splitter.append("The"), ["Once upon a time there was a cat."])
        XCTAssertEqual(splitter.append(" cat ran away!\n"), ["The cat ran away!"], "a newline decides at once")
        XCTAssertEqual(splitter.append("It was sad"), [])
        XCTAssertEqual(splitter.pendingByteCount, 10)
        XCTAssertEqual(splitter.finish(), ["It was sad"])
        XCTAssertEqual(splitter.pendingByteCount, 0)
        XCTAssertEqual(splitter.finish(), [], "finish leaves the splitter empty")
        XCTAssertEqual(splitter.append("Again. Yes"), ["Again."], "a finished splitter can be reused")
    }

    func testAbbreviationAtTheEndOfAPieceWaitsForTheNextWord() {
        var splitter = SentenceSplitter()
        XCTAssertEqual(splitter.append("We saw Mr."), [])
        XCTAssertEqual(splitter.append(" Smith."), [])
        XCTAssertEqual(splitter.append(" He waved."), ["We saw Mr. Smith."])
    }

    func testEllipsisSplitAcrossPieces() {
        let bytes = Array("Wait… Then".utf8)   // … is E2 80 A6
        var splitter = SentenceSplitter()
        XCTAssertEqual(splitter.append(bytes[..<5]), [])
        XCTAssertEqual(splitter.append(bytes[5..<6]), [])
        XCTAssertEqual(splitter.append(bytes[6...]), ["Wait…"])
    }

    func testOverlongTextIsCutAtCommasThenSpaces() {
        let clause = "and the little dog ran around the garden, "
        let text = String(repeating: clause, count: 40)
        let sentences = SentenceSplitter.sentences(in: text, maximumSentenceBytes: 200)
        XCTAssertGreaterThan(sentences.count, 5)
        for sentence in sentences {
            XCTAssertLessThanOrEqual(sentence.utf8.count, 200)
        }
        for sentence in sentences.dropLast() {
            XCTAssertTrue(sentence.hasSuffix(","), "cut after a comma: \(sentence)")
        }
        XCTAssertEqual(sentences.joined(separator: " ") + " ", text, "nothing lost or reordered")

        let words = String(repeating: "word ", count: 200)
        let wordPieces = SentenceSplitter.sentences(in: words, maximumSentenceBytes: 64)
        XCTAssertTrue(wordPieces.allSatisfy { $0.utf8.count <= 64 && !$0.hasSuffix(" ") && !$0.hasPrefix(" ") })
        XCTAssertEqual(wordPieces.joined(separator: " ") + " ", words)
    }

    func testOverlongTextWithoutSpacesIsCutOnCharacterBoundaries() {
        let text = String(repeating: "é", count: 300)   // two bytes each, no spaces
        var splitter = SentenceSplitter(maximumSentenceBytes: 101)
        var pieces: [String] = []
        for byte in text.utf8 { pieces += splitter.append([byte]) }
        pieces += splitter.finish()
        XCTAssertGreaterThan(pieces.count, 5)
        XCTAssertEqual(pieces.joined(), text, "every piece is whole UTF-8 and nothing is lost")
        XCTAssertTrue(pieces.allSatisfy { $0.utf8.count <= 101 })
    }

    func testMinimumSentenceLimit() {
        XCTAssertEqual(SentenceSplitter(maximumSentenceBytes: 0).maximumSentenceBytes, 16)
        XCTAssertEqual(SentenceSplitter().maximumSentenceBytes, 400)
    }
}
