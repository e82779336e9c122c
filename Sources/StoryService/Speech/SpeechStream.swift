import CMicroHTTPD
import StorySpeech

/// The answer of `GET /v1/speak`: a WAV file sent as it is synthesized, a piece (a
/// sentence, or part of a long one) at a time. libmicrohttpd asks for more bytes
/// only when the client has taken the last ones, so the next piece is synthesized
/// only then: a client that stops reading holds one piece's samples, never the
/// whole text's (with `maximumPieceSeconds`, at most `bytesHeld`).
final class SpeechStream: @unchecked Sendable {
    /// Longest text of one piece, in bytes (about 10 s of speech at the default rate).
    static let pieceBytes = 160
    /// Longest speech of one piece: past it the stream ends with an error.
    static let maximumPieceSeconds = 30

    /// The most sample bytes one stream holds at a time, at `sampleRate`.
    static func bytesHeld(sampleRate: Int) -> Int { maximumPieceSeconds * sampleRate * 2 }

    /// What the stream did, for the metrics (reported once, when it closes).
    struct Summary {
        var synthesisNanoseconds: UInt64 = 0
        var samples = 0
        var pieces = 0
        var failedPieces = 0
        /// The client left, or a piece could not be spoken, before the end.
        var cutShort = false
    }

    private let voice: SpeechEngine
    /// Pieces not yet synthesized, first one last (taken from the end).
    private var pieces: [[UInt8]]
    /// The header, then each piece's samples as they are sent.
    private var header: [UInt8]
    private var samples: [Int16] = []
    /// Bytes of `header`, then of `samples`, already sent.
    private var sentBytes = 0
    private var summary = Summary()
    private var onClose: ((Summary) -> Void)?

    /// Splits `text` into pieces and synthesizes the first, so that a text with
    /// nothing to say, or a voice espeak-ng refuses, is answered with its status
    /// before the 200 and the header go out.
    init(voice: SpeechEngine, text: [UInt8], onClose: @escaping (Summary) -> Void) throws(SpeechError) {
        self.voice = voice
        self.onClose = onClose
        let sentences = SentenceSplitter.sentences(in: String(decoding: text, as: UTF8.self),
                                                   maximumSentenceBytes: SpeechStream.pieceBytes)
        pieces = sentences.reversed().map { Array($0.utf8) }
        header = WAVEncoder.header(sampleRate: voice.sampleRate, dataBytes: WAVEncoder.streamedDataSize)
        // The first piece that has something to say: an answer with none is 422.
        while !pieces.isEmpty {
            do {
                try synthesizeNext()
                break
            } catch .emptyText {
                continue
            }
        }
        if summary.pieces == 0 { throw .emptyText }
    }

    /// Time spent synthesizing the first piece: how long the client waits for sound.
    private(set) var firstPieceNanoseconds: UInt64 = 0

    /// libmicrohttpd's content reader: copies up to `capacity` bytes; the end of the
    /// stream when every piece is sent, an error (the connection closes) if one fails.
    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        var written = 0
        /// Copies what fits of `bytes` from `offset` on; false when there was nothing left to copy.
        func send(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> Bool {
            let count = min(capacity - written, bytes.count - offset)
            if count <= 0 { return false }
            (UnsafeMutableRawPointer(buffer) + written).copyMemory(from: bytes.baseAddress! + offset, byteCount: count)
            written += count
            sentBytes += count
            return true
        }
        while written < capacity {
            if header.withUnsafeBytes({ send($0, from: sentBytes) }) { continue }
            // Samples are 16-bit little-endian in WAV, as in memory on every target this builds for.
            let offset = sentBytes - header.count
            if samples.withUnsafeBytes({ send($0, from: offset) }) { continue }
            // This piece is sent: the next one is made now (and only now), or the stream ends.
            if pieces.isEmpty { break }
            if written > 0 { break }   // hand these bytes over before the synthesizer's time is spent
            header = []
            sentBytes = 0
            do {
                try synthesizeNext()
            } catch .emptyText {
                samples = []
            } catch {
                summary.failedPieces += 1
                summary.cutShort = true
                return babyllama_mhd_end_with_error()
            }
        }
        if written == 0 {
            close()   // counted now, before the last chunk goes out: a client that reads the metrics next sees it
            return babyllama_mhd_end_of_stream()
        }
        return written
    }

    /// The response is done with (sent, or the client left): reports the summary once.
    func close() {
        if !pieces.isEmpty || sentBytes < header.count + samples.count * 2 { summary.cutShort = true }
        pieces = []
        samples = []
        let report = onClose
        onClose = nil
        report?(summary)
    }

    private func synthesizeNext() throws(SpeechError) {
        let piece = pieces.removeLast()
        let audio = try voice.synthesize(piece: piece, maximumSeconds: SpeechStream.maximumPieceSeconds)
        if summary.pieces == 0 { firstPieceNanoseconds = audio.synthesisNanoseconds }
        summary.synthesisNanoseconds += audio.synthesisNanoseconds
        summary.samples += audio.samples.count
        summary.pieces += 1
        samples = audio.samples
    }
}
