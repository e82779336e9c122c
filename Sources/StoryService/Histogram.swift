import Support

/// A Prometheus histogram: how many observations fell at or below each bound, and
/// their sum. Not thread-safe (`Metrics` holds it under its lock).
struct Histogram {
    /// Upper bounds of the buckets, ascending (the `+Inf` bucket is implied).
    let bounds: [Double]
    /// Each bound as its `le` label.
    private let labels: [String]
    private let sumDecimals: Int
    /// Observations per bucket (not cumulative), the last one beyond every bound.
    private var counts: [Int]
    private var sum = 0.0

    /// Buckets at `bounds`, labelled with `labelDecimals` decimals; the sum is written
    /// with `sumDecimals`.
    init(bounds: [Double], labelDecimals: Int, sumDecimals: Int) {
        self.bounds = bounds
        labels = bounds.map { FixedDecimal.format($0, decimals: labelDecimals) }
        self.sumDecimals = sumDecimals
        counts = [Int](repeating: 0, count: bounds.count + 1)
    }

    mutating func observe(_ value: Double) {
        counts[bounds.firstIndex(where: { value <= $0 }) ?? bounds.count] += 1
        sum += value
    }

    /// The `# HELP`, `# TYPE`, cumulative `_bucket`, `_sum` and `_count` lines.
    func render(name: String, help: String, into out: inout String) {
        out += "# HELP \(name) \(help)\n"
        out += "# TYPE \(name) histogram\n"
        var cumulative = 0
        for (index, label) in labels.enumerated() {
            cumulative += counts[index]
            out += "\(name)_bucket{le=\"\(label)\"} \(cumulative)\n"
        }
        cumulative += counts[bounds.count]
        out += "\(name)_bucket{le=\"+Inf\"} \(cumulative)\n"
        out += "\(name)_sum \(FixedDecimal.format(sum, decimals: sumDecimals))\n"
        out += "\(name)_count \(cumulative)\n"
    }
}
