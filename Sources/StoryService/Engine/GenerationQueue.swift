import CPosix
import LlamaCore
import Support

/// The engine's one worker thread and the bounded line of requests waiting for
/// it. The model runs one generation at a time; up to `capacity` more wait in
/// arrival order, and anything beyond is turned away (503) at once.
final class GenerationQueue: @unchecked Sendable {
    /// Requests that may wait while one runs.
    let capacity: Int
    /// The model the jobs run on.
    let engine: StoryEngine
    private let metrics: Metrics
    /// The Retry-After of a full queue's 503.
    private let retryAfterSeconds: Int
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var waiting: [GenerationJob] = []
    private var running: GenerationJob?
    private var stopping = false
    private var thread: JoinableThread?

    init(engine: StoryEngine, capacity: Int, retryAfterSeconds: Int, metrics: Metrics) {
        self.engine = engine
        self.capacity = capacity
        self.retryAfterSeconds = retryAfterSeconds
        self.metrics = metrics
    }

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
            // The first job of an idle engine does not wait; `capacity` counts the ones that do.
            let waitingAfterThis = running == nil ? waiting.count : waiting.count + 1
            if waitingAfterThis > capacity {
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

    /// Requests waiting, and whether one is running.
    var snapshot: (waiting: Int, busy: Bool) {
        lock.withLock { (waiting.count, running != nil) }
    }

    /// Stops taking jobs: waiting ones are answered 503, the running one may finish
    /// within `graceMilliseconds` and is cancelled after that. Returns when the
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
            let current: GenerationJob? = lock.withLock {
                if running != nil { lock.wait(milliseconds: 50) }
                return running
            }
            guard let current else { break }
            if !cancelled && shim_monotonic_ns() >= deadline {
                current.cancel(reason: .shuttingDown)
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

    private func workerLoop() {
        while true {
            let next: GenerationJob? = lock.withLock {
                while waiting.isEmpty && !stopping { lock.wait() }
                if waiting.isEmpty { return nil }
                let job = waiting.removeFirst()
                running = job
                return job
            }
            guard let job = next else { return }
            if job.isCancelled {
                job.dropCancelled()
            } else {
                job.markStarted()
                engine.run(job, metrics: metrics)
                metrics.recordGeneration(job)
            }
            lock.withLock { running = nil }
            lock.broadcast()
        }
    }
}
