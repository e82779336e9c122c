import StoryListening
import XCTest

/// Understanding a hypothesis with the grammar's categories, and the story opening it makes.
final class StoryRequestTests: XCTestCase {
    static let grammarText = """
        #JSGF V1.0;
        grammar story;
        /* The carrier words are in other rules. */
        public <request> = tell me a story about <subject> [and <subject>] [<where>] [who likes to <action>];
        <subject> = (a | an) [<colour>] (<animal> | <person>) | <name>;
        <where> = (in | near) the <place>;
        <name> = lily | Tom;   // upper case is read as lower case
        <animal> = dragon | /2.0/ cat | owl | teddy bear | bear;
        <person> = princess | king;
        <colour> = red | blue;
        <place> = forest | castle;
        <action> = dance | play ball;
        """

    private func grammar() throws -> StoryGrammar { try StoryGrammar(jsgf: Array(Self.grammarText.utf8)) }

    func testTheGrammarsCategoriesAreRead() throws {
        let phrases = try grammar().phrases
        XCTAssertEqual(phrases.count, 15)
        XCTAssertEqual(phrases.first?.words, ["teddy", "bear"], "the longest phrase is tried first")
        XCTAssertTrue(phrases.contains(StoryGrammar.Phrase(words: ["tom"], category: .name)))
        XCTAssertTrue(phrases.contains(StoryGrammar.Phrase(words: ["cat"], category: .animal)), "the weight is skipped")
        XCTAssertTrue(phrases.contains(StoryGrammar.Phrase(words: ["play", "ball"], category: .action)))
        XCTAssertFalse(phrases.contains { $0.words == ["about"] }, "carrier words belong to no category")
    }

    func testCharactersPlaceColourAndActionAreUnderstood() throws {
        let request = StoryRequest(heard: "tell me a story about a red dragon and a teddy bear in the forest who likes to play ball",
                                   grammar: try grammar())
        XCTAssertEqual(request.characters.map(\.word), ["dragon", "teddy bear"])
        XCTAssertEqual(request.characters.map(\.colour), ["red", nil])
        XCTAssertEqual(request.place, "forest")
        XCTAssertEqual(request.action, "play ball")
        XCTAssertTrue(request.isUnderstood)
        XCTAssertEqual(request.opening,
                       "Once upon a time, there was a red dragon and a teddy bear who lived near the forest and loved to play ball.")
    }

    func testOpeningsNameCharactersAsAStoryWould() throws {
        let grammar = try grammar()
        let cases: [(String, String)] = [
            ("tell me a story about a dragon and a cat", "Once upon a time, there was a dragon and a cat."),
            ("tell me a story about lily", "Once upon a time, there was Lily."),
            ("tell me a story about an owl near the castle", "Once upon a time, there was an owl who lived near the castle."),
            ("tell me a story about tom and a blue owl who likes to dance",
             "Once upon a time, there was Tom and a blue owl who loved to dance."),
            ("tell me a story about a king and a princess and a cat",
             "Once upon a time, there was a king, a princess and a cat."),
        ]
        for (heard, opening) in cases {
            XCTAssertEqual(StoryRequest(heard: heard, grammar: grammar).opening, opening, heard)
        }
    }

    func testWordsOutsideTheGrammarFallBackToTheGenericOpening() throws {
        let grammar = try grammar()
        for heard in ["", "tell me a story", "what is the weather like", "red and blue"] {
            let request = StoryRequest(heard: heard, grammar: grammar)
            XCTAssertFalse(request.isUnderstood, heard)
            XCTAssertEqual(request.opening, StoryRequest.genericOpening, heard)
        }
    }

    func testAColourDoesNotCarryOverToALaterCharacter() throws {
        let request = StoryRequest(heard: "a red and a cat", grammar: try grammar())
        XCTAssertEqual(request.characters.map(\.colour), [nil])
    }

    func testGrammarsThatCannotUnderstandAreRefused() {
        let cases: [(String, String)] = [
            ("#JSGF V1.0; grammar g; public <r> = hello;", "no <name>, <animal> or <person>"),
            ("#JSGF V1.0; grammar g; public <r> = <animal>; <animal> = (cat | dog);", "plain words"),
            ("#JSGF V1.0; grammar g; public <r> = <animal>; <animal> = cat | | dog;", "empty alternative"),
        ]
        for (text, phrase) in cases {
            XCTAssertThrowsError(try StoryGrammar(jsgf: Array(text.utf8)), text) { error in
                let message = (error as! ListenError).message
                XCTAssertTrue(message.contains(phrase), message)
                XCTAssertEqual((error as! ListenError).httpStatus, 501)
            }
        }
        XCTAssertThrowsError(try StoryGrammar(path: "/nonexistent/story.gram")) { error in
            XCTAssertTrue((error as! ListenError).message.contains("/nonexistent/story.gram"))
        }
    }
}
