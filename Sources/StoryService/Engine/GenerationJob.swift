import CShim
import LlamaCore
import StorySpeech
import Synchronization

/// How a generation ended, as its requester sees it.
enum JobOutcome {
    /// The model stopped by itself (BOS) or reached `max_tokens` / the context.
    case completed(GenerationResult)
    /// Cancelled because its client left.
    case cancelled
    /// Not run, or cut short, for a reason the client should hear (shutdown, a fault).
    case failed(APIError)
}

/// One request's generation, from the checked request to the finished story: what
/// to generate (the prompt encoded, the model's limits applied, the seed decided),
/// then the tokens and text as the engine thread makes them, which the connection
/// thread that answers reads under the same lock.
final class GenerationJob: @unchecked Sendable {
    let request: GenerationRequest
    let dialect: APIDialect
    /// BOS and the prompt's ids, as `babyllama run` encodes them.
    let promptTokens: [Int]
    /// Tokens to generate after the prompt (fewer if BOS is sampled or the context fills).
    let maxTokens: Int
    /// The seed used (the request's, or a random one).
    let seed: UInt64
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

    /// Checks `request` against `engine`'s model and starts the story's speech (before the
    /// job is queued, so it takes its turn at the audio device in arrival order).
    /// `max_tokens` defaults to what `babyllama run`'s default `-n 256` generates after this
    /// prompt (256 positions, or the context if shorter, less the prompt's), and to the rest
    /// of the context when the prompt already fills 256 positions.
    init(request: GenerationRequest, dialect: APIDialect, engine: StoryEngine, speech: SpeechService?) throws(APIError) {
        let seqLen = engine.config.seqLen
        let promptTokens = request.prompt.withUnsafeBufferPointer {
            engine.tokenizer.encode(bytes: $0, bos: true, eos: false)
        }
        if promptTokens.count > seqLen {
            throw .invalid("the prompt is \(promptTokens.count) tokens long (BOS included); the model's context holds \(seqLen)",
                           param: "prompt")
        }
        if let requested = request.maxTokens {
            if requested > seqLen {
                throw .invalid("'max_tokens' must be at most \(seqLen) (the model's context), got \(requested)",
                               param: "max_tokens")
            }
            maxTokens = requested
        } else {
            let runDefault = min(StoryEngine.defaultSteps, seqLen) - (promptTokens.count - 1)
            maxTokens = runDefault >= 1 ? runDefault : seqLen - (promptTokens.count - 1)
        }
        self.request = request
        self.dialect = dialect
        self.promptTokens = promptTokens
        self.seed = request.seed ?? GenerationJob.randomSeed()
        narration = speech?.narration(for: request)
        enqueuedAt = shim_monotonic_ns()
        tokens.reserveCapacity(maxTokens)
    }

    /// run.c's `steps`: positions to run, prompt included.
    var steps: Int { promptTokens.count - 1 + maxTokens }

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
            outcome = result.stopReason == .cancelled ? cancelledOutcome : .completed(result)
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

    /// A random seed in 1...2^63-1 (JSON integers are signed; 0 means "pick one").
    static func randomSeed() -> UInt64 {
        while true {
            var value: UInt64 = 0
            if shim_random_bytes(&value, 8) != 0 {
                // No kernel randomness: fall back to the clock (run.c's choice), still never 0.
                value = shim_monotonic_ns() ^ UInt64(bitPattern: shim_unix_time()) &* 0x9E37_79B9_7F4A_7C15
            }
            value &= GenerationRequest.maximumSeed
            if value != 0 { return value }
        }
    }
}
