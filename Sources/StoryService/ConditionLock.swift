import CShim

/// A pthread mutex with a condition variable timed on the monotonic clock.
/// (Embedded Swift has no Foundation locks, so the service builds on pthreads.)
final class ConditionLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init() {
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

    /// Runs `body` holding the mutex.
    @inline(__always)
    func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// Waits (the mutex must be held, as inside `withLock`) until signalled or
    /// `milliseconds` pass; spurious wake-ups happen, so callers re-check their state.
    func wait(milliseconds: Int) {
        _ = shim_cond_wait_ms(condition, mutex, Int64(milliseconds))
    }

    /// Waits (the mutex must be held) until signalled.
    func wait() {
        pthread_cond_wait(condition, mutex)
    }

    /// Wakes every waiter (call with or without the mutex held).
    func broadcast() {
        pthread_cond_broadcast(condition)
    }
}
