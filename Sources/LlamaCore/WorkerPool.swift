import CPosix
import Support
import Synchronization

/// A fixed set of threads that share one job at a time with the caller. A
/// layer's matmul takes microseconds, so hand-offs go through atomics that idle
/// workers spin on briefly before sleeping on a condition variable.
///
/// A job is a number of chunks that the caller and the workers claim one by one,
/// so a worker the OS has descheduled (a busy machine) delays nothing: the
/// caller does its share. Only workers that joined a job before the caller
/// closed it are waited for.
///
/// With `threadCount == 1` no thread is started and jobs run inline (the Duo).
public final class WorkerPool: @unchecked Sendable {
    /// Threads taking part in a job, the caller included.
    public let threadCount: Int
    private let shared: PoolState
    private var threads: [JoinableThread] = []

    /// Starts `threadCount - 1` worker threads (at least 1 thread in all).
    public init(threadCount: Int) {
        shared = PoolState()
        for _ in 1..<max(1, threadCount) {
            // A pool short of threads still works: the caller does the rest.
            guard let thread = JoinableThread.start({ [shared] in shared.workerLoop() }) else { break }
            threads.append(thread)
        }
        self.threadCount = threads.count + 1
    }

    deinit {
        shared.stop()
        for thread in threads { thread.join() }
    }

    /// Runs `body(chunk)` for every chunk in `0..<chunks`, spread over the threads,
    /// and returns when all have finished.
    public func run(chunks: Int, _ body: (Int) -> Void) {
        if threads.isEmpty || chunks <= 1 {
            for chunk in 0..<chunks { body(chunk) }
            return
        }
        shared.run(chunks: chunks, body)
    }

    /// Splits `0..<count` into contiguous ranges starting on multiples of
    /// `alignment` (two per thread) and runs `body` on them in parallel.
    public func parallelFor(_ count: Int, alignment: Int = 1, _ body: (Range<Int>) -> Void) {
        let blocks = (count + alignment - 1) / alignment
        let chunks = min(blocks, 2 * threadCount)
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        run(chunks: chunks) { chunk in
            let start = blocks * chunk / chunks * alignment
            let end = min(count, blocks * (chunk + 1) / chunks * alignment)
            if start < end { body(start..<end) }
        }
    }
}

/// The state workers and the pool share; it outlives the pool until every
/// worker has let go of it.
///
/// `ticket` packs the job's generation (high 32 bits), a closed flag (bit 31)
/// and the number of workers inside the job (low 31 bits): a worker joins with
/// a compare-and-swap that fails once the caller has closed the job, so no
/// worker can touch a job (or its closure) after `run` returns.
private final class PoolState: @unchecked Sendable {
    let ticket = Atomic<UInt64>(0)
    let nextChunk = Atomic<Int>(0)
    let sleepers = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    /// The current job; written before the ticket opens it, read only by joined workers.
    var job: ((Int) -> Void)?
    var chunkCount = 0
    let mutex: UnsafeMutablePointer<pthread_mutex_t>
    let wakeup: UnsafeMutablePointer<pthread_cond_t>

    static let closedBit: UInt64 = 1 << 31
    static let activeMask: UInt64 = (1 << 31) - 1
    /// Spin iterations (each a CPU pause) before an idle worker sleeps: ~50-100 µs.
    static let spinLimit = 20_000

    init() {
        mutex = .allocate(capacity: 1)
        wakeup = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wakeup, nil)
        ticket.store(PoolState.closedBit, ordering: .sequentiallyConsistent)
    }

    deinit {
        pthread_cond_destroy(wakeup)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        wakeup.deallocate()
    }

    func run(chunks: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escapable in
            job = escapable
            chunkCount = chunks
            nextChunk.store(0, ordering: .sequentiallyConsistent)
            let generation = (ticket.load(ordering: .sequentiallyConsistent) >> 32) &+ 1
            ticket.store(generation << 32, ordering: .sequentiallyConsistent)
            wakeSleepers()
            work(escapable)
            // Close the job to late joiners, then wait for those inside to finish.
            var current = ticket.load(ordering: .sequentiallyConsistent)
            while true {
                let (exchanged, original) = ticket.compareExchange(
                    expected: current, desired: current | PoolState.closedBit, ordering: .sequentiallyConsistent)
                if exchanged { break }
                current = original
            }
            var spins = 0
            while ticket.load(ordering: .acquiring) & PoolState.activeMask != 0 {
                spins += 1
                // A joined worker was descheduled mid-chunk: let it have this CPU.
                if spins > 1000 { shim_yield() } else { shim_cpu_relax() }
            }
            job = nil
        }
    }

    /// Claims and runs chunks until none are left.
    private func work(_ body: (Int) -> Void) {
        while true {
            let chunk = nextChunk.add(1, ordering: .relaxed).oldValue
            if chunk >= chunkCount { return }
            body(chunk)
        }
    }

    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        // A new, closed generation wakes everyone without offering work.
        let generation = (ticket.load(ordering: .sequentiallyConsistent) >> 32) &+ 1
        ticket.store(generation << 32 | PoolState.closedBit, ordering: .sequentiallyConsistent)
        wakeSleepers()
    }

    private func wakeSleepers() {
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(wakeup)
            pthread_mutex_unlock(mutex)
        }
    }

    func workerLoop() {
        // Generation 0 is the pool's start, before any job or stop: a thread that starts
        // late must still notice those (reading the current generation here would not).
        var seen: UInt64 = 0
        while true {
            var spins = 0
            var current = ticket.load(ordering: .acquiring)
            while current >> 32 == seen {
                if spins < PoolState.spinLimit {
                    spins += 1
                    shim_cpu_relax()
                } else {
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    pthread_mutex_lock(mutex)
                    while ticket.load(ordering: .sequentiallyConsistent) >> 32 == seen {
                        pthread_cond_wait(wakeup, mutex)
                    }
                    pthread_mutex_unlock(mutex)
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                }
                current = ticket.load(ordering: .acquiring)
            }
            seen = current >> 32
            if stopping.load(ordering: .acquiring) { return }
            // Join unless the caller has already closed this generation.
            while current >> 32 == seen && current & PoolState.closedBit == 0 {
                let (exchanged, original) = ticket.compareExchange(
                    expected: current, desired: current + 1, ordering: .sequentiallyConsistent)
                if exchanged {
                    if let job { work(job) }
                    ticket.subtract(1, ordering: .sequentiallyConsistent)
                    break
                }
                current = original
            }
        }
    }
}
