import Foundation
import LlamaCore
import XCTest

final class WorkerPoolTests: XCTestCase {
    /// The ranges `parallelFor` hands out, collected under a lock.
    private final class RangeLog: @unchecked Sendable {
        private let lock = NSLock()
        private var ranges: [Range<Int>] = []

        func record(_ range: Range<Int>) {
            lock.lock()
            ranges.append(range)
            lock.unlock()
        }

        func take() -> [Range<Int>] {
            lock.lock()
            defer { lock.unlock() }
            let taken = ranges
            ranges = []
            return taken
        }
    }

    func testParallelForCoversEveryIndexExactlyOnce() {
        let log = RangeLog()
        for threads in 1...5 {
            let pool = WorkerPool(threadCount: threads)
            XCTAssertEqual(pool.threadCount, threads)
            for alignment in [1, 3, 4, 8, 16] {
                for count in Array(0...40) + [63, 64, 65, 100, 288, 768, 1001, 4097, 32000] {
                    pool.parallelFor(count, alignment: alignment) { log.record($0) }
                    let ranges = log.take().filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound }
                    let label = "\(threads) threads, alignment \(alignment), count \(count)"
                    var covered = 0
                    for range in ranges {
                        XCTAssertEqual(range.lowerBound, covered, "gap or overlap: \(label), ranges \(ranges)")
                        XCTAssertEqual(range.lowerBound % alignment, 0, "unaligned start: \(label)")
                        covered = range.upperBound
                    }
                    XCTAssertEqual(covered, count, "not covered: \(label)")
                    XCTAssertLessThanOrEqual(ranges.count, 2 * threads, label)
                }
            }
        }
    }

    func testRunGivesEveryChunkOnce() {
        for threads in 1...6 {
            let pool = WorkerPool(threadCount: threads)
            let log = RangeLog()
            for chunks in [0, 1, 2, 3, 7, 16, 100] {
                pool.run(chunks: chunks) { chunk in log.record(chunk..<(chunk + 1)) }
                XCTAssertEqual(log.take().map(\.lowerBound).sorted(), Array(0..<chunks), "\(threads) threads, \(chunks) chunks")
            }
        }
    }

    /// Many back-to-back jobs, each writing its own indices: every write lands and
    /// each job sees the previous one finished.
    func testManyConsecutiveJobs() {
        let pool = WorkerPool(threadCount: 2)
        let count = 1000
        let values = UnsafeMutablePointer<Int>.allocate(capacity: count)
        defer { values.deallocate() }
        values.initialize(repeating: 0, count: count)
        for round in 1...1000 {
            pool.parallelFor(count, alignment: 8) { range in
                for i in range { values[i] += 1 }
            }
            if values[0] != round || values[count - 1] != round {
                XCTFail("round \(round): \(values[0]), \(values[count - 1])")
                break
            }
        }
        XCTAssertTrue((0..<count).allSatisfy { values[$0] == 1000 })
    }

    /// Pools torn down in every state: never used, busy a moment ago, workers asleep.
    /// A pool dropped before its threads have even started (an error right after
    /// loading a model) must still shut down. This once hung: a late thread took the
    /// stop signal for its starting point. The loop runs on another thread so a
    /// hang fails the test instead of stalling the suite.
    func testImmediateTeardownNeverHangs() {
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread {
            for round in 0..<3000 {
                _ = WorkerPool(threadCount: 2 + round % 3)
            }
            finished.signal()
        }
        thread.start()
        XCTAssertEqual(finished.wait(timeout: .now() + 300), .success, "creating and dropping pools hung")
    }

    func testTeardown() {
        for threads in [0, 1, 2, 4] {
            for _ in 0..<20 {
                let unused = WorkerPool(threadCount: threads)
                XCTAssertEqual(unused.threadCount, max(1, threads))
            }
            for _ in 0..<20 {
                let pool = WorkerPool(threadCount: threads)
                let log = RangeLog()
                pool.parallelFor(100) { log.record($0) }
                XCTAssertEqual(log.take().map(\.count).reduce(0, +), 100)
            }
        }
        // Idle workers spin briefly, then sleep; a job must wake them and so must teardown.
        let pool = WorkerPool(threadCount: 3)
        let log = RangeLog()
        for _ in 0..<3 {
            usleep(20_000)
            pool.parallelFor(90, alignment: 1) { log.record($0) }
            XCTAssertEqual(log.take().map(\.count).reduce(0, +), 90)
        }
        usleep(20_000)
    }
}
