import LlamaCore

/// What one configuration measured.
struct BenchResult {
    var setup: BenchSetup
    var decode: RateSummary
    var prefill: RateSummary
    var weightBytesPerToken: Int
    var residentKiB: Int
    var peakResidentKiB: Int
}
