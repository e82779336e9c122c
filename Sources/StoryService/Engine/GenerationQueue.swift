import CPosix
import LlamaCore
import Support

/// The engine's one worker thread, the batch it runs and the bounded line of
/// requests waiting for room in it. Up to `maxBatch` stories are generated at once
/// (continuous batching: a story joins at the next step and leaves when it ends, each
/// with exactly the tokens it gets alone); up to `capacity` more wait in arrival
/// order, and anything beyond is turned away (503) at once.
final class GenerationQueue: @unchecked Sendable {
    /// Requests that may wait while the batch is full.
    let capacity: Int
    /// Stories generated at once, at most.
    let maxBatch: Int
    /// The model the jobs run on.
    let engine: StoryEngine
    private let metrics: Metrics
    /// The Retry-After of a full queue's (or a refused cache's) 503.
    private let retryAfterSeconds: Int
    /// Touched only by the worker thread (`storyCacheBytes` aside, which reads the model's shape).
    private let batch: GenerationBatch
    private let lock = ConditionLock()
    // Guarded by `lock`.
    /// Jobs not yet in the batch, oldest first. Those that fit in its room join at the next step.
    private var waiting: [GenerationJob] = []
    /// Jobs in the batch (taken from `waiting` and not yet ended).
    private var running: [GenerationJob] = []
    private var stopping = false
    private var thread: JoinableThread?

    init(engine: StoryEngine, capacity: Int, maxBatch: Int, retryAfterSeconds: Int, metrics: Metrics) {
        self.engine = engine
        self.capacity = capacity
        self.maxBatch = maxBatch
        self.retryAfterSeconds = retryAfterSeconds
        self.metrics = metrics
        batch = GenerationBatch(transformer: engine.transformer, maxSequences: maxBatch)
    }

    /// Bytes of the key/value cache of a story that runs to the end of the context (the
    /// most one takes; a story asking for fewer tokens takes less).
    var storyCacheBytes: Int { batch.cacheBytes(steps: 0) }

    /// Starts the worker thread.
    func start() throws(ServiceError) {
        // The thread holds the queue until its loop ends (at shutdown).
        guard let worker = JoinableThread.start({ [self] in workerLoop() }) else {
            throw .system("cannot start the engine thread")
        }
        lock.withLock { thread = worker }
    }

    /// Puts a job in line, or throws the 503 saying why not (the queue is full, or
    /// the server is shutting down).
    func submit(_ job: GenerationJob) throws(APIError) {
        let refusal: APIError? = lock.withLock {
            if stopping { return .shuttingDown }
            // A job that finds room in the batch does not wait; `capacity` counts the ones that do.
            if running.count + waiting.count + 1 - maxBatch > capacity {
                return .unavailable("the server is busy: \(capacity) requests are already waiting; try again later",
                                    retryAfterSeconds: retryAfterSeconds)
            }
            waiting.append(job)
            return nil
        }
        if let refusal { throw refusal }
        lock.broadcast()
    }

    /// Takes a job out of the line (its client left, so its place frees at once);
    /// false if it is not waiting there (running, done, or never queued).
    func withdraw(_ job: GenerationJob) -> Bool {
        lock.withLock {
            guard let index = waiting.firstIndex(where: { $0 === job }) else { return false }
            waiting.remove(at: index)
            return true
        }
    }

    /// Requests waiting for room in the batch, and stories in it.
    var snapshot: (waiting: Int, running: Int) {
        lock.withLock { (waitingBeyondBatch, running.count) }
    }

    /// Jobs in `waiting` that the batch has no room for (read under `lock`).
    private var waitingBeyondBatch: Int { max(0, running.count + waiting.count - maxBatch) }

    /// Stops taking jobs: waiting ones are answered 503, the stories in the batch may
    /// finish within `graceMilliseconds` and are cancelled after that. Returns when the
    /// worker thread has ended.
    func shutdown(graceMilliseconds: Int) {
        let dropped: [GenerationJob] = lock.withLock {
            stopping = true
            let jobs = waiting
            waiting.removeAll()
            return jobs
        }
        lock.broadcast()
        for job in dropped { job.fail(.shuttingDown) }
        let deadline = shim_monotonic_ns() + UInt64(max(0, graceMilliseconds)) * 1_000_000
        var cancelled = false
        while true {
            let current: [GenerationJob] = lock.withLock {
                if !running.isEmpty { lock.wait(milliseconds: 50) }
                return running
            }
            if current.isEmpty { break }
            if !cancelled && shim_monotonic_ns() >= deadline {
                for job in current { job.cancel(reason: .shuttingDown) }
                cancelled = true
            }
        }
        let worker: JoinableThread? = lock.withLock {
            let worker = thread
            thread = nil
            return worker
        }
        worker?.join()
    }

    /// Admits waiting jobs while the batch has room (oldest first), then takes one step;
    /// sleeps only when there is nothing to run. Ends once stopping with nothing left.
    private func workerLoop() {
        while true {
            let admitted: [GenerationJob]? = lock.withLock {
                while waiting.isEmpty && running.isEmpty && !stopping { lock.wait() }
                if stopping && waiting.isEmpty && running.isEmpty { return nil }
                var jobs: [GenerationJob] = []
                while running.count < maxBatch && !waiting.isEmpty {
                    let job = waiting.removeFirst()
                    running.append(job)
                    jobs.append(job)
                }
                return jobs
            }
            guard let admitted else { return }
            for job in admitted { admit(job) }
            if batch.activeCount > 0 {
                let sequences = batch.activeCount, start = shim_monotonic_ns()
                batch.step()
                metrics.recordBatchStep(sequences: sequences, nanoseconds: shim_monotonic_ns() - start)
            }
        }
    }

    /// Puts a job taken from the line into the batch; one whose client left while it
    /// waited is dropped without running, and one the engine refuses fails alone.
    private func admit(_ job: GenerationJob) {
        if job.isCancelled {
            job.dropCancelled()
            ended(job)
            return
        }
        job.markStarted()
        do {
            try engine.add(job, to: batch, metrics: metrics) { [self] result in
                metrics.recordGeneration(job)
                metrics.recordBatchLeave(result.stopReason)
                ended(job)
            }
            metrics.recordBatchJoin()
        } catch {
            job.fail(refusal(error))
            metrics.recordGeneration(job)
            ended(job)
        }
    }

    /// The answer for a story the batch would not take: no memory for its cache now is
    /// worth retrying once other stories have ended (503); anything else is a fault (500).
    private func refusal(_ error: LlamaError) -> APIError {
        if case .outOfMemory = error {
            return .unavailable("\(error.message) now; try again later, or ask for fewer tokens",
                                retryAfterSeconds: retryAfterSeconds)
        }
        return .server("generation failed: \(error.message)")
    }

    /// The job has left the batch (or never joined it): its room frees.
    private func ended(_ job: GenerationJob) {
        lock.withLock { running.removeAll { $0 === job } }
        lock.broadcast()
    }
}
