import Support

/// Turns at the audio device: stories are heard one after another, in the order
/// their requests took a ticket, never two at once (the Duo's codec has one
/// playback stream, and two stories at once would be noise anyway).
final class AudioTurns: @unchecked Sendable {
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var issued = 0
    /// The ticket whose turn it is.
    private var serving = 0
    /// Tickets given back before their turn came (their stories were cancelled).
    private var returnedEarly: [Int] = []

    /// A ticket: the next turn after every ticket taken so far.
    func take() -> Int {
        lock.withLock {
            issued += 1
            return issued - 1
        }
    }

    /// Waits until `ticket`'s turn comes (true), or until `abandoned` says the wait
    /// is no longer wanted (false). `abandoned` is checked on every `wake`.
    func wait(for ticket: Int, abandoned: () -> Bool) -> Bool {
        lock.withLock {
            while serving != ticket {
                if abandoned() { return false }
                lock.wait()
            }
            return true
        }
    }

    /// Gives `ticket` back (call once per ticket): when its turn is over, or before
    /// it comes. The next ticket still wanted gets its turn.
    func release(_ ticket: Int) {
        lock.withLock {
            if ticket == serving {
                serving += 1
            } else if ticket > serving {
                returnedEarly.append(ticket)
            }
            while let index = returnedEarly.firstIndex(of: serving) {
                returnedEarly.remove(at: index)
                serving += 1
            }
        }
        lock.broadcast()
    }

    /// Wakes every waiter to check its `abandoned` (taking the lock, so a waiter
    /// between its check and its sleep cannot miss it).
    func wake() {
        lock.withLock { lock.broadcast() }
    }
}
