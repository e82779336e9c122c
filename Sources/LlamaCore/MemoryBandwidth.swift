import CShim

/// How fast this host streams memory it only reads: the yardstick for decode, which
/// reads every weight once per token (fp32: 61 MB a token for the stories15M shape).
///
/// Memory streams: each thread reads one contiguous slice of a buffer several times
/// the size of the last-level cache, front to back, with 32-byte loads into four
/// independent accumulators (so the adds never limit it): one long sequential stream
/// per thread, the best case for any hardware prefetcher. The figure is what the
/// matvec kernels, which make the same streams, can at most reach.
public enum MemoryBandwidth {
    /// The buffer `streamingRead` reads by default, in MiB (8× a 32 MiB L3).
    public static let defaultMiB = 256

    /// Reads `byteCount` bytes (rounded down to 128) on `pool`'s threads `passes` times
    /// after one untimed pass, and returns the median pass's rate in bytes per second.
    public static func streamingRead(pool: WorkerPool, byteCount: Int = defaultMiB << 20, passes: Int = 5) -> Double {
        let count = max(32, byteCount / 128 * 32)  // floats, a multiple of 32
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { buffer.deallocate() }
        // Touch every page (and make the values ordinary numbers) before timing.
        buffer.initialize(repeating: 1, count: count)
        let blocks = count / 32
        var rates: [Double] = []
        var sink: Float = 0
        for pass in 0...max(1, passes) {
            let start = shim_monotonic_ns()
            pool.parallelFor(blocks, alignment: 64) { range in
                let total = read(buffer + range.lowerBound * 32, count: range.count * 32)
                if total == -1 { print("", terminator: "") }  // never true; keeps the reads
            }
            let elapsed = shim_monotonic_ns() - start
            sink += buffer[pass]
            if pass > 0 { rates.append(Double(count * 4) / (Double(elapsed) / 1e9)) }
        }
        if sink == -1 { print("", terminator: "") }
        rates.sort()
        return rates[rates.count / 2]
    }

    /// The sum of `count` floats (a multiple of 32), read front to back.
    @inline(never)
    static func read(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var j = 0
        while j < count {
            a0 += Kernels.load8(p + j)
            a1 += Kernels.load8(p + j + 8)
            a2 += Kernels.load8(p + j + 16)
            a3 += Kernels.load8(p + j + 24)
            j += 32
        }
        return Kernels.sum((a0 + a1) + (a2 + a3))
    }
}
