import CMicroHTTPD
import Support

/// A generation sent while it runs: one event per token, then a final event with
/// the timing (and, for OpenAI clients, `data: [DONE]`), as Server-Sent Events or,
/// for Ollama's clients, JSON lines (`framing`). libmicrohttpd pulls bytes with
/// `read`; between tokens the connection's thread sleeps in the job's `wait` (no
/// busy loop), which also notices a client that has gone.
final class EventStream: @unchecked Sendable {
    private let job: GenerationJob
    private let builder: AnswerBuilder
    private let context: RequestContext
    /// Event bytes not yet handed to libmicrohttpd.
    private var pending: [UInt8] = []
    private var sent = 0
    /// Generated tokens already turned into events.
    private var nextToken = 0
    private var done = false

    init(job: GenerationJob, builder: AnswerBuilder, context: RequestContext) {
        self.job = job
        self.builder = builder
        self.context = context
    }

    /// How the events are written (and the stream's Content-Type).
    var framing: StreamFraming { job.dialect.framing }

    /// Copies up to `capacity` bytes of events into `buffer`, waiting for the next
    /// token if none are ready; returns the count, or libmicrohttpd's end markers.
    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        while sent == pending.count {
            pending.removeAll(keepingCapacity: true)
            sent = 0
            if done { return babyllama_mhd_end_of_stream() }
            if !produce() { return babyllama_mhd_end_with_error() }
        }
        let count = min(capacity, pending.count - sent)
        pending.withUnsafeBufferPointer { source in
            UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + sent, byteCount: count)
        }
        sent += count
        return count
    }

    /// libmicrohttpd is done with the stream (sent, or the connection closed): a
    /// generation still running has lost its client and is abandoned.
    func close() {
        if !done { job.abandon() }
        context.tokens = nextToken
    }

    /// Waits for new tokens or the end and turns them into event bytes. False when
    /// the client has gone (the job is then abandoned).
    private func produce() -> Bool {
        let (count, outcome) = job.wait(past: nextToken, clientGone: { context.clientGone() })
        if count > nextToken {
            let (tokens, chunks) = job.lock.withLock {
                (Array(job.tokens[nextToken..<count]), Array(job.chunks[nextToken..<count]))
            }
            for (offset, token) in tokens.enumerated() {
                append(builder.tokenEvent(token: token, index: nextToken + offset, text: chunks[offset]))
            }
            nextToken = count
            context.tokens = nextToken
        }
        guard let outcome else { return true }
        done = true
        switch outcome {
        case .completed(let result):
            append(builder.finalEvent(result))
            if job.dialect == .openAICompletions { pending.append(contentsOf: "data: [DONE]\n\n".utf8) }
            return true
        case .failed(let error):
            // The status line (200) is long gone; the error travels as an event.
            append(error.answer(in: context.route.errorShape))
            return true
        case .cancelled:
            return false
        }
    }

    private func append(_ event: JSONValue) {
        framing.append(event, to: &pending)
    }
}
