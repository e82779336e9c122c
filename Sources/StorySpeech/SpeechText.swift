/// Byte-level facts about UTF-8 text that splitting and synthesis need
/// (Embedded Swift has no Character-level Unicode, and none is needed here).
enum SpeechText {
    static let newline = UInt8(ascii: "\n")

    /// ASCII whitespace: space, tab, newline, carriage return, vertical tab, form feed.
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    static func isLowercaseLetter(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")
    }

    static func isUppercaseLetter(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        isLowercaseLetter(byte) || isUppercaseLetter(byte)
    }

    /// True for the bytes after the first of a multi-byte UTF-8 sequence.
    static func isContinuation(_ byte: UInt8) -> Bool {
        byte & 0xC0 == 0x80
    }

    /// Length of the UTF-8 sequence a lead byte starts (1 for ASCII and stray bytes).
    static func sequenceLength(_ lead: UInt8) -> Int {
        if lead >= 0xF0 { return 4 }
        if lead >= 0xE0 { return 3 }
        if lead >= 0xC0 { return 2 }
        return 1
    }

    /// Non-ASCII characters that carry no sound of their own: typographic quotes,
    /// dashes, the ellipsis, guillemets and the no-break space.
    static let silentSequences: [[UInt8]] = [
        [0xE2, 0x80, 0x9C], [0xE2, 0x80, 0x9D], [0xE2, 0x80, 0x98], [0xE2, 0x80, 0x99],  // “ ” ‘ ’
        [0xE2, 0x80, 0x93], [0xE2, 0x80, 0x94], [0xE2, 0x80, 0xA6],                      // – — …
        [0xC2, 0xAB], [0xC2, 0xBB], [0xC2, 0xA0],                                        // « » no-break space
    ]

    /// ASCII punctuation espeak-ng passes over in silence (it reads symbols such as
    /// `%`, `&`, `$`, `@` or `+` as words).
    static func isSilentASCII(_ byte: UInt8) -> Bool {
        if byte < 0x21 || byte == 0x7F { return true }   // whitespace and control characters
        switch byte {
        case UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "!"),
             UInt8(ascii: "?"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`"), UInt8(ascii: "("),
             UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "|"), UInt8(ascii: "<"), UInt8(ascii: ">"),
             UInt8(ascii: "^"):
            return true
        default:
            return false
        }
    }

    /// True if the text holds something to pronounce: a letter, digit or spoken
    /// symbol, or any non-ASCII character other than quotes, dashes and the like.
    static func isSpeakable(_ text: ArraySlice<UInt8>) -> Bool {
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            if byte < 0x80 {
                if !isSilentASCII(byte) { return true }
                index += 1
                continue
            }
            let length = min(sequenceLength(byte), text.endIndex - index)
            let sequence = text[index..<(index + length)]
            var silent = false
            for candidate in silentSequences where candidate.elementsEqual(sequence) {
                silent = true
                break
            }
            if !silent && !isContinuation(byte) { return true }
            index += max(1, length)
        }
        return false
    }

    /// `text` without leading and trailing ASCII whitespace.
    static func trimmed(_ text: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var start = text.startIndex
        var end = text.endIndex
        while start < end && isWhitespace(text[start]) { start += 1 }
        while end > start && isWhitespace(text[end - 1]) { end -= 1 }
        return text[start..<end]
    }
}
