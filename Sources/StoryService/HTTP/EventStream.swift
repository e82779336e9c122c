import CMicroHTTPD
import CShim
import StorySpeech

/// A generation sent as Server-Sent Events while it runs: one `data:` event per
/// token, then a final event with the timing (and, for OpenAI clients,
/// `data: [DONE]`). libmicrohttpd pulls bytes with `read`; between tokens the
/// connection's thread sleeps on the job's condition variable (no busy loop) and
/// checks now and then that the client is still there.
final class EventStream: @unchecked Sendable {
    private let job: GenerationJob
    private let queue: GenerationQueue
    private let builder: AnswerBuilder
    private let context: RequestContext
    private let speech: SpeechService?
    private let pollMilliseconds: Int
    /// Event bytes not yet handed to libmicrohttpd.
    private var pending: [UInt8] = []
    private var sent = 0
    /// Generated tokens already turned into events.
    private var nextToken = 0
    private var done = false

    init(job: GenerationJob, queue: GenerationQueue, builder: AnswerBuilder, context: RequestContext,
         speech: SpeechService?, pollMilliseconds: Int) {
        self.job = job
        self.queue = queue
        self.builder = builder
        self.context = context
        self.speech = speech
        self.pollMilliseconds = pollMilliseconds
    }

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
    /// generation still running has lost its client and is cancelled.
    func close() {
        if !done {
            queue.cancel(job)
            if let narration = job.narration { speech?.abandon(narration) }
        }
        context.tokens = nextToken
    }

    /// Waits for new tokens or the end and turns them into event bytes. False when
    /// the client has gone (the job is then cancelled).
    private func produce() -> Bool {
        while true {
            let (chunks, tokens, outcome): ([[UInt8]], [Int], JobOutcome?) = job.lock.withLock {
                if job.tokens.count == nextToken && job.outcome == nil {
                    job.lock.wait(milliseconds: pollMilliseconds)
                }
                let available = job.tokens.count
                return (Array(job.chunks[nextToken..<available]), Array(job.tokens[nextToken..<available]), job.outcome)
            }
            for (offset, token) in tokens.enumerated() {
                let event = job.dialect == .native
                    ? builder.nativeTokenEvent(token: token, index: nextToken + offset, text: chunks[offset])
                    : builder.completionChunk(text: chunks[offset])
                append(event)
            }
            nextToken += tokens.count
            context.tokens = nextToken
            if let outcome {
                finish(outcome)
                return outcome.isCancelled ? false : true
            }
            if !tokens.isEmpty { return true }
            if context.clientGone() {
                queue.cancel(job)
                return false
            }
        }
    }

    private func finish(_ outcome: JobOutcome) {
        done = true
        switch outcome {
        case .completed(let result):
            // With speech, the final event (timing.tts_ms, audio) waits for the last sentence's synthesis.
            let snapshot = AnswerBuilder.snapshot(of: job, result: result, speech: speech)
            if job.dialect == .native {
                append(builder.nativeFinalEvent(snapshot))
            } else {
                append(builder.completionFinalChunk(snapshot))
                pending.append(contentsOf: "data: [DONE]\n\n".utf8)
            }
        case .failed(let error):
            // The status line (200) is long gone; the error travels as an event.
            if let narration = job.narration { speech?.abandon(narration) }
            append(JSON.object().set("error", error.errorObject()))
        case .cancelled:
            if let narration = job.narration { speech?.abandon(narration) }
        }
    }

    private func append(_ event: JSON) {
        pending.append(contentsOf: "data: ".utf8)
        pending.append(contentsOf: event.serialized())
        pending.append(contentsOf: "\n\n".utf8)
    }
}

extension JobOutcome {
    var isCancelled: Bool {
        if case .cancelled = self { return true }
        return false
    }
}
