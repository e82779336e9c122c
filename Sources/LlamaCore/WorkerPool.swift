import CShim
import Synchronization

/// A fixed set of threads that split one job at a time between them and the
/// caller. A layer's matmul takes microseconds, so hand-offs go through an
/// atomic generation counter that idle workers spin on briefly before sleeping
/// on a condition variable; waking a sleeping pool costs a few microseconds once.
///
/// With `threadCount == 1` no thread is started and jobs run inline (the Duo).
public final class WorkerPool: @unchecked Sendable {
    /// Threads taking part in a job, the caller included.
    public let threadCount: Int
    private let shared: PoolState
    private var threads: [UnsafeMutableRawPointer] = []

    /// Starts `threadCount - 1` worker threads (at least 1 thread in all).
    public init(threadCount: Int) {
        shared = PoolState()
        for worker in 1..<max(1, threadCount) {
            let context = Unmanaged.passRetained(WorkerContext(state: shared, part: worker)).toOpaque()
            let body: shim_thread_body = { raw in
                let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
                context.state.workerLoop(part: context.part)
                return nil
            }
            if let thread = shim_thread_start(body, context) {
                threads.append(thread)
            } else {
                Unmanaged<WorkerContext>.fromOpaque(context).release()
                break
            }
        }
        self.threadCount = threads.count + 1
    }

    deinit {
        shared.stop()
        for thread in threads { shim_thread_join(thread) }
    }

    /// Runs `body(part)` for every part in `0..<threadCount` at once (the caller
    /// runs part 0) and returns when all have finished.
    public func run(_ body: (Int) -> Void) {
        if threads.isEmpty {
            body(0)
            return
        }
        shared.run(workers: threads.count, body)
    }

    /// Splits `0..<count` into one contiguous range per thread, each starting on a
    /// multiple of `alignment`, and runs `body` on each range in parallel.
    public func parallelFor(_ count: Int, alignment: Int = 1, _ body: (Range<Int>) -> Void) {
        let parts = threadCount
        if parts == 1 || count <= alignment {
            body(0..<count)
            return
        }
        let blocks = (count + alignment - 1) / alignment
        run { part in
            let start = min(count, blocks * part / parts * alignment)
            let end = part == parts - 1 ? count : min(count, blocks * (part + 1) / parts * alignment)
            if start < end { body(start..<end) }
        }
    }
}

/// The state workers and the pool share; it outlives the pool until every
/// worker has let go of it.
private final class PoolState: @unchecked Sendable {
    let generation = Atomic<Int>(0)
    let pending = Atomic<Int>(0)
    let sleepers = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    /// The current job; written before `generation` is bumped, read after it is seen.
    var job: ((Int) -> Void)?
    let mutex: UnsafeMutablePointer<pthread_mutex_t>
    let wakeup: UnsafeMutablePointer<pthread_cond_t>

    /// Spin iterations (each a CPU pause) before an idle worker sleeps: ~50-100 µs.
    static let spinLimit = 20_000

    init() {
        mutex = .allocate(capacity: 1)
        wakeup = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wakeup, nil)
    }

    deinit {
        pthread_cond_destroy(wakeup)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        wakeup.deallocate()
    }

    func run(workers: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escapable in
            job = escapable
            pending.store(workers, ordering: .sequentiallyConsistent)
            publish()
            escapable(0)
            while pending.load(ordering: .acquiring) > 0 { shim_cpu_relax() }
            job = nil
        }
    }

    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        publish()
    }

    /// Bumps the generation and wakes sleeping workers.
    private func publish() {
        generation.add(1, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(wakeup)
            pthread_mutex_unlock(mutex)
        }
    }

    func workerLoop(part: Int) {
        var seen = 0
        while true {
            var spins = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen {
                if spins < PoolState.spinLimit {
                    spins += 1
                    shim_cpu_relax()
                } else {
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    pthread_mutex_lock(mutex)
                    while generation.load(ordering: .sequentiallyConsistent) == seen {
                        pthread_cond_wait(wakeup, mutex)
                    }
                    pthread_mutex_unlock(mutex)
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                }
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            if stopping.load(ordering: .acquiring) { return }
            job?(part)
            pending.subtract(1, ordering: .releasing)
        }
    }
}

/// What a worker thread needs at start: the shared state and its part number.
private final class WorkerContext {
    let state: PoolState
    let part: Int
    init(state: PoolState, part: Int) {
        self.state = state
        self.part = part
    }
}
