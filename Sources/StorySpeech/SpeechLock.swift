import CShim

/// A pthread mutex with one condition variable: the speech code's only
/// synchronization (Embedded Swift has neither Dispatch nor Foundation locks).
final class SpeechLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }

    func unlock() { pthread_mutex_unlock(mutex) }

    /// Sleeps until `broadcast` (the lock must be held; it is held again on return).
    func wait() { pthread_cond_wait(condition, mutex) }

    /// Wakes every thread in `wait`.
    func broadcast() { pthread_cond_broadcast(condition) }

    /// Runs `body` with the lock held.
    func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        lock()
        defer { unlock() }
        return try body()
    }
}
