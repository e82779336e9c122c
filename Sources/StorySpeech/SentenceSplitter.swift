/// Splits UTF-8 text into sentences while it streams in, so each sentence can be
/// spoken as soon as it is complete.
///
/// A sentence ends at `.`, `!`, `?` or `…` (runs like `...` or `?!` count as one),
/// followed by any closing quotes or brackets, then whitespace and a next word that
/// does not start with a lowercase letter (`"Help!" she cried.` stays whole). A
/// newline always ends a sentence. A single `.` after a title such as `Mr.` or `Dr.`,
/// or after an initial such as `J.`, does not; neither does one inside a word or
/// number (`3.5`, `e.g.`). Text that runs past `maximumSentenceBytes` without an end
/// is cut at the last comma, semicolon or colon, else at the last space.
///
/// Pieces may split a multi-byte character anywhere: the splitter works on bytes and
/// only cuts at ASCII bytes, so every sentence it returns is whole UTF-8. Sentences
/// come back trimmed, and pieces with nothing to pronounce (`"..."` alone) are dropped.
public struct SentenceSplitter: Sendable {
    /// The longest sentence returned before it is cut at a comma or a space.
    public let maximumSentenceBytes: Int
    private var buffer: [UInt8] = []
    /// Where scanning resumes in `buffer`: everything before it holds no sentence
    /// end, or it is a possible end that needs more text to decide.
    private var scanIndex = 0

    /// Titles whose `.` does not end a sentence (compared lowercased).
    private static let abbreviations: [[UInt8]] = [
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "capt", "col", "gen",
        "lt", "sgt", "rev", "gov", "vs", "e.g", "i.e", "fig",
    ].map { Array($0.utf8) }

    /// A splitter that cuts sentences longer than `maximumSentenceBytes` (at least 16).
    public init(maximumSentenceBytes: Int = 400) {
        self.maximumSentenceBytes = max(16, maximumSentenceBytes)
    }

    /// Bytes received but not yet returned in a sentence.
    public var pendingByteCount: Int { buffer.count }

    /// Adds a piece of streamed text and returns the sentences it completed.
    public mutating func append<Bytes: Sequence<UInt8>>(_ piece: Bytes) -> [String] {
        buffer.append(contentsOf: piece)
        return extract(final: false)
    }

    /// Adds a piece of streamed text and returns the sentences it completed.
    public mutating func append(_ piece: String) -> [String] {
        append(piece.utf8)
    }

    /// Ends the text: returns the sentences still held, the last one unfinished.
    public mutating func finish() -> [String] {
        var sentences = extract(final: true)
        emit(buffer[...], into: &sentences)
        buffer.removeAll(keepingCapacity: true)
        scanIndex = 0
        return sentences
    }

    /// Splits a whole text at once.
    public static func sentences(in text: String, maximumSentenceBytes: Int = 400) -> [String] {
        var splitter = SentenceSplitter(maximumSentenceBytes: maximumSentenceBytes)
        var sentences = splitter.append(text)
        sentences.append(contentsOf: splitter.finish())
        return sentences
    }

    // MARK: - Scanning

    /// What a possible sentence end turned out to be.
    private enum Candidate {
        /// Not an end; carry on scanning at `resume`.
        case notAnEnd(resume: Int)
        /// An end: the sentence stops before `sentenceEnd`, the next starts at `nextStart`.
        case end(sentenceEnd: Int, nextStart: Int)
        /// Cannot tell until more text arrives.
        case needMoreText
    }

    /// Returns the sentences complete in `buffer` and drops their bytes.
    private mutating func extract(final: Bool) -> [String] {
        var sentences: [String] = []
        var start = 0
        var index = scanIndex
        var waitingAt: Int? = nil
        scanning: while index < buffer.count {
            let byte = buffer[index]
            if byte == SpeechText.newline {
                emit(buffer[start..<index], into: &sentences)
                index += 1
                start = index
                continue
            }
            if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "?") || byte == 0xE2 {
                switch classify(at: index, sentenceStart: start, final: final) {
                case .notAnEnd(let resume):
                    index = max(resume, index + 1)
                case .end(let sentenceEnd, let nextStart):
                    emit(buffer[start..<sentenceEnd], into: &sentences)
                    start = nextStart
                    index = nextStart
                case .needMoreText:
                    waitingAt = index
                    break scanning
                }
                continue
            }
            index += 1
        }
        buffer.removeFirst(start)
        scanIndex = (waitingAt ?? buffer.count + start) - start
        cutOverlongText(into: &sentences)
        return sentences
    }

    /// Decides whether the terminator starting at `index` ends a sentence.
    private func classify(at index: Int, sentenceStart: Int, final: Bool) -> Candidate {
        // The run of terminators: `.`, `!`, `?` and `…` in any mix.
        var end = index
        while end < buffer.count {
            let byte = buffer[end]
            if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "?") {
                end += 1
                continue
            }
            switch matchSequence([0xE2, 0x80, 0xA6], at: end) {
            case .matched: end += 3; continue
            case .partial: if !final { return .needMoreText }
            case .different: break
            }
            break
        }
        if end == index { return .notAnEnd(resume: index + 1) }   // an 0xE2 that is not `…`
        let terminatorEnd = end
        // Closing quotes and brackets that belong to the sentence.
        closing: while end < buffer.count {
            let byte = buffer[end]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: ")")
                || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                end += 1
                continue
            }
            for closer in SentenceSplitter.closingSequences {
                switch matchSequence(closer, at: end) {
                case .matched: end += closer.count; continue closing
                case .partial: if !final { return .needMoreText }
                case .different: break
                }
            }
            break
        }
        if end == buffer.count {
            return final ? .end(sentenceEnd: end, nextStart: end) : .needMoreText
        }
        if !SpeechText.isWhitespace(buffer[end]) { return .notAnEnd(resume: end) }   // `3.5`, `e.g.`, `Hi!Bob`
        if terminatorEnd - index == 1 && buffer[index] == UInt8(ascii: ".") && end == terminatorEnd
            && isAbbreviation(before: index, sentenceStart: sentenceStart) {
            return .notAnEnd(resume: end)
        }
        var next = end
        var sawNewline = false
        while next < buffer.count && SpeechText.isWhitespace(buffer[next]) {
            if buffer[next] == SpeechText.newline { sawNewline = true }
            next += 1
        }
        if sawNewline { return .end(sentenceEnd: end, nextStart: next) }
        if next == buffer.count {
            return final ? .end(sentenceEnd: end, nextStart: next) : .needMoreText
        }
        // "Well... maybe" and `"Help!" she cried` go on after the terminator.
        if SpeechText.isLowercaseLetter(buffer[next]) { return .notAnEnd(resume: next) }
        return .end(sentenceEnd: end, nextStart: next)
    }

    /// Closing typographic quotes and guillemets: ” ’ ».
    private static let closingSequences: [[UInt8]] = [[0xE2, 0x80, 0x9D], [0xE2, 0x80, 0x99], [0xC2, 0xBB]]

    private enum SequenceMatch { case matched, partial, different }

    /// Whether `sequence` starts at `index`; `.partial` if the buffer ends inside it.
    private func matchSequence(_ sequence: [UInt8], at index: Int) -> SequenceMatch {
        var offset = 0
        while offset < sequence.count {
            if index + offset == buffer.count { return offset == 0 ? .different : .partial }
            if buffer[index + offset] != sequence[offset] { return .different }
            offset += 1
        }
        return .matched
    }

    /// True if the word just before the `.` at `dot` is a title or an initial.
    private func isAbbreviation(before dot: Int, sentenceStart: Int) -> Bool {
        var start = dot
        while start > sentenceStart && (SpeechText.isLetter(buffer[start - 1]) || buffer[start - 1] == UInt8(ascii: ".")) {
            start -= 1
        }
        let length = dot - start
        if length == 0 { return false }
        // A single capital (`J. K. Rowling`), but not the pronoun ("so did I.").
        if length == 1 && SpeechText.isUppercaseLetter(buffer[start]) && buffer[start] != UInt8(ascii: "I") {
            return true
        }
        for abbreviation in SentenceSplitter.abbreviations where abbreviation.count == length {
            var same = true
            for offset in 0..<length where lowercased(buffer[start + offset]) != abbreviation[offset] {
                same = false
                break
            }
            if same { return true }
        }
        return false
    }

    private func lowercased(_ byte: UInt8) -> UInt8 {
        SpeechText.isUppercaseLetter(byte) ? byte + 32 : byte
    }

    /// Cuts the held text while it is longer than `maximumSentenceBytes`, so a text
    /// without sentence ends is still spoken in bounded pieces.
    private mutating func cutOverlongText(into sentences: inout [String]) {
        while buffer.count > maximumSentenceBytes {
            let cut = cutPoint()
            emit(buffer[0..<cut], into: &sentences)
            var next = cut
            while next < buffer.count && SpeechText.isWhitespace(buffer[next]) { next += 1 }
            buffer.removeFirst(next)
            scanIndex = max(0, scanIndex - next)
        }
    }

    /// Where to cut an overlong text: after the last `,` `;` `:` followed by a space,
    /// else at the last space, else at the last character boundary within the limit.
    private func cutPoint() -> Int {
        let limit = maximumSentenceBytes
        var lastSpace = 0
        var index = limit
        while index > 0 {
            if SpeechText.isWhitespace(buffer[index]) {
                let before = buffer[index - 1]
                if before == UInt8(ascii: ",") || before == UInt8(ascii: ";") || before == UInt8(ascii: ":") {
                    return index
                }
                if lastSpace == 0 { lastSpace = index }
            }
            index -= 1
        }
        if lastSpace > 0 { return lastSpace }
        var boundary = limit
        while boundary > 1 && SpeechText.isContinuation(buffer[boundary]) { boundary -= 1 }
        return boundary
    }

    /// Appends the trimmed text as a sentence if it has anything to pronounce.
    private func emit(_ text: ArraySlice<UInt8>, into sentences: inout [String]) {
        let sentence = SpeechText.trimmed(text)
        if SpeechText.isSpeakable(sentence) {
            sentences.append(String(decoding: sentence, as: UTF8.self))
        }
    }
}
