import Support

/// What `batch` says at the end: wall time, aggregate speed, per-story latency, and
/// with `--compare` the same set told one story at a time.
struct BatchSummary {
    let label: String
    let seconds: Double
    let tokens: Int
    /// Seconds from the start of the run to each story's end, sorted.
    let latencies: [Double]
    private var comparison = ""
    /// One more line (what a story's cache costs).
    var note = ""

    init(label: String, run: BatchRunner.Run) {
        self.label = label
        seconds = Double(run.nanoseconds) / 1e9
        tokens = run.stories.reduce(0) { $0 + $1.tokens.count }
        latencies = run.stories.map { Double($0.finishedNanoseconds) / 1e9 }.sorted()
    }

    var tokensPerSecond: Double { seconds > 0 ? Double(tokens) / seconds : 0 }

    /// The `fraction` quantile of the latencies (nearest rank).
    func latency(_ fraction: Double) -> Double {
        if latencies.isEmpty { return 0 }
        let rank = Int((fraction * Double(latencies.count)).rounded(.up)) - 1
        return latencies[max(0, min(latencies.count - 1, rank))]
    }

    var line: String {
        "\(label): \(latencies.count) stories, \(tokens) tokens in \(FixedDecimal.format(seconds, decimals: 2)) s, "
            + "\(FixedDecimal.format(tokensPerSecond, decimals: 1)) tok/s; story latency p50 "
            + "\(FixedDecimal.format(latency(0.5), decimals: 2)) s, p95 \(FixedDecimal.format(latency(0.95), decimals: 2)) s"
    }

    mutating func compare(with other: BatchSummary, sameTokens: Bool) {
        let speedup = other.seconds > 0 ? other.seconds / seconds : 0
        comparison = other.line + "\n" + "\(label) vs \(other.label): \(FixedDecimal.format(speedup, decimals: 2))x "
            + "the speed, " + (sameTokens ? "the same tokens for every story" : "DIFFERENT TOKENS") + "\n"
    }

    var text: String { line + "\n" + (note.isEmpty ? "" : note + "\n") + comparison }
}
