import Foundation
import Support
import Synchronization
import XCTest

final class JoinableThreadTests: XCTestCase {
    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    func testJoinWaitsForTheClosure() throws {
        let done = Counter()
        let threads = try (0..<4).map { _ in
            try XCTUnwrap(JoinableThread.start {
                usleep(20_000)
                done.value.add(1, ordering: .relaxed)
            })
        }
        for thread in threads { thread.join() }
        XCTAssertEqual(done.value.load(ordering: .relaxed), 4)
        threads[0].join()   // a second join returns at once
    }

    /// An owner that drops its thread has it ended (WorkerPool's deinit relies on it).
    func testReleaseJoins() throws {
        let done = Counter()
        var thread = JoinableThread.start {
            usleep(20_000)
            done.value.store(1, ordering: .relaxed)
        }
        XCTAssertNotNil(thread)
        thread = nil
        XCTAssertEqual(done.value.load(ordering: .relaxed), 1)
    }
}
