/// What a spoken request asked for, and the story opening it becomes.
///
/// "tell me a story about a red dragon and a cat in the forest who likes to dance" is
/// understood as the characters "a red dragon" and "a cat", the place "forest" and the
/// action "dance", and opens the story "Once upon a time, there was a red dragon and a
/// cat who lived near the forest and loved to dance." — a first sentence in the
/// TinyStories style the models were trained on, which they continue.
public struct StoryRequest: Equatable, Sendable {
    /// A character as the request named it: a name ("lily") or a kind ("dragon"), with
    /// the colour said just before it, if any.
    public struct Character: Equatable, Sendable {
        public let word: String
        public let category: StoryGrammar.Category
        public let colour: String?

        /// How the opening names it: "Lily", "a red dragon", "an owl".
        public var phrase: String {
            if category == .name { return capitalized(word) }
            let described = colour.map { $0 + " " + word } ?? word
            return article(for: described) + " " + described
        }
    }

    /// The characters in the order they were said.
    public let characters: [Character]
    /// The place, if one was said.
    public let place: String?
    /// What the characters like to do, if it was said.
    public let action: String?

    /// The opening when nothing was understood: the story starts anyway.
    public static let genericOpening = "Once upon a time,"

    /// True when the request named at least one character: a story about it can start.
    public var isUnderstood: Bool { !characters.isEmpty }

    /// Reads a hypothesis ("tell me a story about a dragon and a cat") with the grammar's
    /// categories. Words no category holds are the request's carrier words and are skipped.
    public init(heard text: String, grammar: StoryGrammar) {
        let words = text.split(separator: " ").map { String($0) }
        var characters: [Character] = []
        var place: String?
        var action: String?
        var colour: String?
        var index = 0
        while index < words.count {
            guard let phrase = grammar.phrase(in: words, at: index) else {
                // Articles may stand between a colour and its character ("a red and a..." does not).
                if words[index] != "a" && words[index] != "an" && words[index] != "the" { colour = nil }
                index += 1
                continue
            }
            let joined = phrase.words.joined(separator: " ")
            switch phrase.category {
            case .colour: colour = joined
            case .name, .animal, .person:
                characters.append(Character(word: joined, category: phrase.category, colour: colour))
                colour = nil
            case .place: place = place ?? joined
            case .action: action = action ?? joined
            }
            if phrase.category != .colour { colour = nil }
            index += phrase.words.count
        }
        self.characters = characters
        self.place = place
        self.action = action
    }

    public init(characters: [Character], place: String?, action: String?) {
        self.characters = characters
        self.place = place
        self.action = action
    }

    /// The story's first sentence (`genericOpening` when no character was understood).
    public var opening: String {
        guard !characters.isEmpty else { return StoryRequest.genericOpening }
        var names = ""
        for (index, character) in characters.enumerated() {
            if index > 0 { names += index == characters.count - 1 ? " and " : ", " }
            names += character.phrase
        }
        // "there was a dragon and a cat": the verb agrees with the first, as stories say it.
        var text = "Once upon a time, there was " + names
        switch (place, action) {
        case let (place?, action?): text += " who lived near the \(place) and loved to \(action)"
        case let (place?, nil): text += " who lived near the \(place)"
        case let (nil, action?): text += " who loved to \(action)"
        case (nil, nil): break
        }
        return text + "."
    }
}

/// "a" or "an" before a word (by its first letter: good enough for the grammar's words).
func article(for word: String) -> String {
    guard let first = word.utf8.first else { return "a" }
    return "aeiou".utf8.contains(first) ? "an" : "a"
}

/// The word with its first letter upper-case (ASCII).
func capitalized(_ word: String) -> String {
    var bytes = Array(word.utf8)
    if let first = bytes.first, first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z") { bytes[0] = first - 32 }
    return String(decoding: bytes, as: UTF8.self)
}
