import CShim
import LlamaCore
import StorySpeech
import Synchronization

/// How a generation ended, as its requester sees it.
enum JobOutcome {
    /// The model stopped by itself (BOS) or reached `max_tokens` / the context.
    case completed(GenerationSummary)
    /// Cancelled because its client left.
    case cancelled
    /// Not run, or cut short, for a reason the client should hear (shutdown, a fault).
    case failed(APIError)
}

/// The numbers of a finished generation.
struct GenerationSummary {
    var stopReason: StopReason
    var promptTokenCount: Int
    var promptNanoseconds: UInt64
    var generateNanoseconds: UInt64
}

/// One request's generation, shared by the connection thread that waits for it
/// and the engine thread that runs it. The engine appends tokens and their text
/// as they are made; the waiter reads them under the same lock.
final class GenerationJob: @unchecked Sendable {
    let prepared: PreparedGeneration
    let dialect: APIDialect
    /// The story's speech, fed each piece of text as it is generated (speak / audio requests).
    let narration: StoryNarration?
    /// Monotonic time the job entered the queue.
    let enqueuedAt: UInt64
    private let cancelled = Atomic<Bool>(false)
    let lock = ConditionLock()

    // Guarded by `lock`.
    private(set) var startedAt: UInt64 = 0
    private(set) var finishedAt: UInt64 = 0
    /// Generated ids, in order.
    private(set) var tokens: [Int] = []
    /// For each generated token, the text it completed (empty while a character is incomplete).
    private(set) var chunks: [[UInt8]] = []
    /// All text so far (valid UTF-8).
    private(set) var text: [UInt8] = []
    /// Text released only when the generation ended (an unfinished character, as U+FFFD).
    private(set) var tail: [UInt8] = []
    private(set) var outcome: JobOutcome?
    private var repair = UTF8Repair()

    init(prepared: PreparedGeneration, dialect: APIDialect, narration: StoryNarration? = nil) {
        self.prepared = prepared
        self.dialect = dialect
        self.narration = narration
        self.enqueuedAt = shim_monotonic_ns()
        tokens.reserveCapacity(prepared.maxTokens)
    }

    /// True once `cancel` was called; the engine stops at the next token.
    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// Asks the engine to stop this job (or the queue to drop it). With a `reason`
    /// the waiter is answered that error (the server is stopping); without one the
    /// client is taken to have left.
    func cancel(reason: APIError? = nil) {
        if let reason { lock.withLock { if failureOnCancel == nil { failureOnCancel = reason } } }
        cancelled.store(true, ordering: .relaxed)
    }

    /// Engine: the job starts running.
    func markStarted() {
        lock.withLock { startedAt = shim_monotonic_ns() }
    }

    /// Engine: one more generated token and its raw bytes. The text also goes to the
    /// story's speech, which never makes generation wait.
    func deliver(token: Int, bytes: ArraySlice<UInt8>) {
        let chunk: [UInt8] = lock.withLock {
            var chunk: [UInt8] = []
            repair.append(bytes, into: &chunk)
            text.append(contentsOf: chunk)
            tokens.append(token)
            chunks.append(chunk)
            return chunk
        }
        lock.broadcast()
        narration?.append(chunk)
    }

    /// Engine: the generation returned.
    func finish(_ result: GenerationResult) {
        // The speech gets the last text before the outcome is known: a waiter that sees
        // the outcome ends the story's text at once.
        let held: [UInt8] = lock.withLock {
            repair.finish(into: &tail)
            return tail
        }
        narration?.append(held)
        lock.withLock {
            text.append(contentsOf: tail)
            finishedAt = shim_monotonic_ns()
            if result.stopReason == .cancelled {
                outcome = cancelledOutcome
            } else {
                outcome = .completed(GenerationSummary(
                    stopReason: result.stopReason, promptTokenCount: result.promptTokenCount,
                    promptNanoseconds: result.promptNanoseconds, generateNanoseconds: result.generateNanoseconds))
            }
        }
        lock.broadcast()
    }

    /// Why a cancelled job stopped: its client left, unless the server stopped it (guarded by `lock`).
    private var failureOnCancel: APIError?

    private var cancelledOutcome: JobOutcome {
        if let failureOnCancel { return .failed(failureOnCancel) }
        return .cancelled
    }

    /// Queue or engine: the job ends without a generation (or its generation is discarded).
    func fail(_ error: APIError) {
        lock.withLock {
            if outcome == nil {
                finishedAt = shim_monotonic_ns()
                outcome = .failed(error)
            }
        }
        lock.broadcast()
    }

    /// Queue: the job left the queue because its client did.
    func dropCancelled() {
        lock.withLock {
            if outcome == nil {
                finishedAt = shim_monotonic_ns()
                outcome = cancelledOutcome
            }
        }
        lock.broadcast()
    }

    /// Waits for the outcome, checking every `pollMilliseconds` whether the client is
    /// still there (`clientGone`); a client that left cancels the job.
    func waitForOutcome(pollMilliseconds: Int, clientGone: () -> Bool, cancel: (GenerationJob) -> Void) -> JobOutcome {
        while true {
            let current: JobOutcome? = lock.withLock {
                if outcome == nil { lock.wait(milliseconds: pollMilliseconds) }
                return outcome
            }
            if let current { return current }
            if !isCancelled && clientGone() { cancel(self) }
        }
    }

    /// Nanoseconds spent waiting in the queue (to now, while still queued); read under `lock`.
    var queueNanoseconds: UInt64 {
        let start = startedAt != 0 ? startedAt : (finishedAt != 0 ? finishedAt : shim_monotonic_ns())
        return start > enqueuedAt ? start - enqueuedAt : 0
    }
}
