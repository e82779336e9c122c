import Support

/// The words a story request is understood by, read from the JSGF grammar the
/// recognizer decodes with (`Config/listen/story.gram`): its category rules `<name>`,
/// `<animal>`, `<person>`, `<place>`, `<colour>` and `<action>`, each a list of
/// alternatives (`dragon | cat | teddy bear`). A parent who adds a word to a rule there
/// is understood at once; words the grammar has but no category names (the carrier
/// words: "tell me a story about") only shape what can be heard.
public struct StoryGrammar: Equatable, Sendable {
    /// What a phrase of the grammar means in a request.
    public enum Category: Equatable, Sendable {
        case name, animal, person, place, colour, action

        /// The rule's name in the grammar, and the kind the API reports.
        public var label: String {
            switch self {
            case .name: return "name"
            case .animal: return "animal"
            case .person: return "person"
            case .place: return "place"
            case .colour: return "colour"
            case .action: return "action"
            }
        }
    }

    /// One alternative of a category rule: its words and what they mean.
    public struct Phrase: Equatable, Sendable {
        public let words: [String]
        public let category: Category

        public init(words: [String], category: Category) {
            self.words = words
            self.category = category
        }
    }

    /// Every category phrase; longest first, so that "teddy bear" is found before "bear".
    public let phrases: [Phrase]

    static let categories: [Category] = [.name, .animal, .person, .place, .colour, .action]

    /// Reads the category rules of a JSGF grammar's text. A grammar without any
    /// character rule (`<name>`, `<animal>`, `<person>`) could understand nothing and is
    /// an error, as is a category rule that is not a plain list of words.
    public init(jsgf text: [UInt8]) throws(ListenError) {
        var phrases: [Phrase] = []
        for statement in StoryGrammar.statements(StoryGrammar.withoutComments(text)) {
            guard let (rule, body) = StoryGrammar.ruleDefinition(statement) else { continue }
            guard let category = StoryGrammar.categories.first(where: { $0.label == rule }) else { continue }
            for alternative in body.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false) {
                var words: [String] = []
                for word in alternative.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
                    // A weight, "/2.5/", may stand before an alternative.
                    if word.count >= 2 && word.first == UInt8(ascii: "/") && word.last == UInt8(ascii: "/") { continue }
                    if word.contains(where: { !StoryGrammar.isWordByte($0) }) {
                        throw .unavailable("grammar rule <\(rule)> must list plain words separated by '|', "
                                           + "found '\(String(decoding: word, as: UTF8.self))'")
                    }
                    words.append(String(decoding: word.map { StoryGrammar.lowercased($0) }, as: UTF8.self))
                }
                if words.isEmpty { throw .unavailable("grammar rule <\(rule)> has an empty alternative") }
                phrases.append(Phrase(words: words, category: category))
            }
        }
        if !phrases.contains(where: { $0.category == .name || $0.category == .animal || $0.category == .person }) {
            throw .unavailable("the grammar has no <name>, <animal> or <person> rule: it could understand no story request")
        }
        // Stable: longest first, the grammar's order within a length.
        self.phrases = phrases.enumerated().sorted {
            $0.element.words.count != $1.element.words.count ? $0.element.words.count > $1.element.words.count
                                                               : $0.offset < $1.offset
        }.map { $0.element }
    }

    /// Reads a grammar file.
    public init(path: String) throws(ListenError) {
        let text: [UInt8]
        do {
            text = try FileContents.read(path, limit: 1 << 20)
        } catch {
            throw .unavailable("the grammar \(error.message)")
        }
        try self.init(jsgf: text)
    }

    /// The phrase of `words` starting at `index` that the grammar knows (the longest), or nil.
    func phrase(in words: [String], at index: Int) -> Phrase? {
        for phrase in phrases where index + phrase.words.count <= words.count {
            if words[index..<index + phrase.words.count].elementsEqual(phrase.words) { return phrase }
        }
        return nil
    }

    // MARK: Reading JSGF

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "'")
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }

    /// The text with `// ...` and `/* ... */` comments blanked out.
    static func withoutComments(_ text: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            if text[index] == UInt8(ascii: "/") && index + 1 < text.count {
                if text[index + 1] == UInt8(ascii: "/") {
                    while index < text.count && text[index] != 0x0A { index += 1 }
                    continue
                }
                if text[index + 1] == UInt8(ascii: "*") {
                    index += 2
                    while index + 1 < text.count && !(text[index] == UInt8(ascii: "*") && text[index + 1] == UInt8(ascii: "/")) {
                        index += 1
                    }
                    index += 2
                    output.append(0x20)
                    continue
                }
            }
            output.append(text[index])
            index += 1
        }
        return output
    }

    /// The `;`-terminated statements.
    static func statements(_ text: [UInt8]) -> [ArraySlice<UInt8>] {
        text.split(separator: UInt8(ascii: ";"))
    }

    /// `[public] <rule> = body` → (rule, body); nil for other statements (the header, imports).
    static func ruleDefinition(_ statement: ArraySlice<UInt8>) -> (String, ArraySlice<UInt8>)? {
        guard let open = statement.firstIndex(of: UInt8(ascii: "<")),
              let close = statement[open...].firstIndex(of: UInt8(ascii: ">")),
              let equals = statement[close...].firstIndex(of: UInt8(ascii: "=")) else { return nil }
        let before = statement[statement.startIndex..<open].filter { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        guard before.isEmpty || before.elementsEqual("public".utf8) else { return nil }
        let name = String(decoding: statement[statement.index(after: open)..<close], as: UTF8.self)
        return (name, statement[statement.index(after: equals)...])
    }
}
