import CPosix
import Support

/// `batch`'s progress on standard error: a bar redrawn in place on a terminal, a
/// plain line per finished story otherwise (logs, pipes).
final class BatchProgress {
    private let total: Int
    private let terminal = isatty(2) != 0
    private let start = shim_monotonic_ns()
    private var done = 0
    private var tokens = 0

    init(total: Int) { self.total = total }

    func finished(_ story: BatchStory) {
        done += 1
        tokens += story.tokens.count
        let seconds = Double(shim_monotonic_ns() - start) / 1e9
        let rate = FixedDecimal.format(seconds > 0 ? Double(tokens) / seconds : 0, decimals: 0)
        if terminal {
            let width = 30, filled = total > 0 ? width * done / total : width
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            StandardError.write("\r[\(bar)] \(done)/\(total) stories, \(rate) tok/s")
        } else {
            StandardError.write("batch: \(done)/\(total) stories (line \(story.line): \(story.stopReason)), \(rate) tok/s\n")
        }
    }

    /// Ends the bar's line.
    func end() {
        if terminal && done > 0 { StandardError.write("\n") }
    }
}
