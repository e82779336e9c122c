import CPosix
import LlamaCore
import StorySpeech
import Support
import Synchronization

/// One request's generation, from the checked request to the finished story: what
/// to generate (the prompt encoded, the model's limits applied, the seed decided),
/// the tokens and text as the engine thread makes them, and the story's speech.
/// The connection thread that answers waits for it in `wait`, under the same lock.
final class GenerationJob: @unchecked Sendable {
    let request: GenerationRequest
    let dialect: APIDialect
    /// The prompt's tokens, the tokens to generate, the seed (`GenerationPlan`).
    let plan: GenerationPlan
    /// The story's speech, fed each piece of text as it is generated (speak / audio requests).
    let narration: StoryNarration?
    /// Monotonic time the job entered the queue.
    let enqueuedAt: UInt64
    /// How often a waiting connection checks that its client is still there.
    static let clientPollMilliseconds = 100
    private let queue: GenerationQueue
    private let speech: SpeechService?
    private let cancelled = Atomic<Bool>(false)
    let lock = ConditionLock()

    // Guarded by `lock`; final once `outcome` is set (speech aside, which the answering thread sets).
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
    /// The story's speech once synthesized to the end (a completed story with speak / audio),
    /// and when that was (the answer's `total_ms` runs until then).
    private(set) var speechSummary: SpeechSummary?
    private(set) var speechFinishedAt: UInt64 = 0
    private var repair = UTF8Repair()
    private var speechEnded = false
    /// Why a cancelled job stopped: its client left, unless the server stopped it.
    private var failureOnCancel: APIError?

    /// Checks `request` against `queue`'s model (`GenerationPlan`) and starts the story's
    /// speech (before the job is queued, so it takes its turn at the audio device in
    /// arrival order).
    init(request: GenerationRequest, dialect: APIDialect, queue: GenerationQueue, speech: SpeechService?) throws(APIError) {
        let engine = queue.engine
        let plan = try GenerationPlan(request: request, tokenizer: engine.tokenizer, config: engine.config)
        self.request = request
        self.dialect = dialect
        self.plan = plan
        self.queue = queue
        self.speech = speech
        narration = speech?.narration(for: request)
        enqueuedAt = shim_monotonic_ns()
        tokens.reserveCapacity(plan.maxTokens)
    }

    /// BOS and the prompt's ids, as `babyllama run` encodes them.
    var promptTokens: [Int] { plan.promptTokens }
    /// Tokens to generate after the prompt (fewer if BOS is sampled or the context fills).
    var maxTokens: Int { plan.maxTokens }
    /// The seed used (the request's, or a random one).
    var seed: UInt64 { plan.seed }

    /// run.c's `steps`: positions to run, prompt included.
    var steps: Int { plan.steps }

    /// True once the job was cancelled; the engine stops at the next token.
    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    // MARK: The answering connection's thread

    /// The one wait of both answers: returns the tokens generated so far and the outcome
    /// once the job has ended, or, for a streaming request, as soon as there are more than
    /// `seen` tokens. A plain request's waiter is not woken per token (on the Duo's one
    /// core that would be a context switch each); every `clientPollMilliseconds` without
    /// news it checks `clientGone`, and a client gone abandons the job (`.cancelled`).
    /// An ended story's speech is settled here: synthesized to the end if it completed
    /// (`speechSummary`), silenced otherwise.
    func wait(past seen: Int, clientGone: () -> Bool) -> (tokenCount: Int, outcome: JobOutcome?) {
        while true {
            let (count, ended): (Int, JobOutcome?) = lock.withLock {
                if outcome == nil && !(request.stream && tokens.count > seen) {
                    lock.wait(milliseconds: GenerationJob.clientPollMilliseconds)
                }
                return (tokens.count, outcome)
            }
            if let ended {
                if case .completed = ended { completeSpeech() } else { silenceSpeech() }
                return (count, ended)
            }
            if request.stream && count > seen { return (count, nil) }
            if clientGone() {
                abandon()
                return (count, .cancelled)
            }
        }
    }

    /// Nobody will take this job's answer (its client left, or the queue refused it):
    /// the engine stops at its next token, a job still in line leaves it (its place
    /// frees), and its speech falls silent.
    func abandon() {
        cancelled.store(true, ordering: .relaxed)
        if queue.withdraw(self) { dropCancelled() }
        silenceSpeech()
    }

    /// A completed story's speech: waits until it has been synthesized (the answer
    /// carries its timing and audio); playback goes on.
    private func completeSpeech() {
        guard let narration, let speech, endSpeech() else { return }
        let summary = speech.complete(narration)
        lock.withLock {
            speechSummary = summary
            speechFinishedAt = shim_monotonic_ns()
        }
    }

    private func silenceSpeech() {
        guard let narration, let speech, endSpeech() else { return }
        speech.abandon(narration)
    }

    /// True the first time: a story's speech ends once.
    private func endSpeech() -> Bool {
        lock.withLock {
            if speechEnded { return false }
            speechEnded = true
            return true
        }
    }

    // MARK: The engine's and the queue's threads

    /// Stops the job for the server (shutdown): its waiter is answered `reason`.
    func cancel(reason: APIError) {
        lock.withLock { if failureOnCancel == nil { failureOnCancel = reason } }
        cancelled.store(true, ordering: .relaxed)
    }

    /// Engine: the job starts running.
    func markStarted() {
        lock.withLock { startedAt = shim_monotonic_ns() }
    }

    /// Engine: one more generated token and its raw bytes. Only a streaming waiter is
    /// woken. The text also goes to the story's speech, which never makes generation wait.
    func deliver(token: Int, bytes: ArraySlice<UInt8>) {
        let chunk: [UInt8] = lock.withLock {
            var chunk: [UInt8] = []
            repair.append(bytes, into: &chunk)
            text.append(contentsOf: chunk)
            tokens.append(token)
            chunks.append(chunk)
            return chunk
        }
        if request.stream { lock.broadcast() }
        narration?.append(chunk)
    }

    /// Engine: the story ended (it left the batch).
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

    /// Queue or engine: the job ends without a generation (or its generation is discarded).
    func fail(_ error: APIError) {
        endIfRunning { .failed(error) }
    }

    /// Queue: the job left the line cancelled.
    func dropCancelled() {
        endIfRunning { cancelledOutcome }
    }

    /// Sets the outcome unless there is one, and wakes the waiter.
    private func endIfRunning(_ ending: () -> JobOutcome) {
        lock.withLock {
            if outcome == nil {
                finishedAt = shim_monotonic_ns()
                outcome = ending()
            }
        }
        lock.broadcast()
    }

    /// Read under `lock`.
    private var cancelledOutcome: JobOutcome {
        if let failureOnCancel { return .failed(failureOnCancel) }
        return .cancelled
    }

    /// Nanoseconds spent waiting in the queue (to now, while still queued); read under `lock`.
    var queueNanoseconds: UInt64 {
        let start = startedAt != 0 ? startedAt : (finishedAt != 0 ? finishedAt : shim_monotonic_ns())
        return start > enqueuedAt ? start - enqueuedAt : 0
    }
}
