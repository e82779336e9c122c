import CPosix

/// A pthread mutex with one condition variable, timed on the monotonic clock: the
/// only synchronization of the speech and service code (Embedded Swift has neither
/// Dispatch nor Foundation locks).
public final class ConditionLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    public init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        _ = shim_cond_init_monotonic(condition)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Takes the lock, waiting for it if another thread holds it.
    public func lock() { pthread_mutex_lock(mutex) }

    /// Releases the lock (the calling thread must hold it).
    public func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` with the lock held.
    public func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Sleeps until `broadcast` (the lock must be held; it is held again on return).
    /// Spurious wake-ups happen, so callers re-check their state.
    public func wait() { pthread_cond_wait(condition, mutex) }

    /// Like `wait()`, but gives up after `milliseconds`.
    public func wait(milliseconds: Int) {
        _ = shim_cond_wait_ms(condition, mutex, Int64(milliseconds))
    }

    /// Wakes every thread in `wait` (call with or without the lock held).
    public func broadcast() { pthread_cond_broadcast(condition) }
}
