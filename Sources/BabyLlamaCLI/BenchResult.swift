import LlamaCore

/// What one configuration measured.
struct BenchResult {
    var setup: BenchSetup
    var decode: RateSummary
    var prefill: RateSummary
    var weightBytesPerToken: Int
    /// The host's streaming-read bandwidth on this many threads, bytes per second:
    /// decode reads every weight once a token, so this is its ceiling.
    var streamReadBytesPerSecond: Double
    var residentKiB: Int
    var peakResidentKiB: Int
}
