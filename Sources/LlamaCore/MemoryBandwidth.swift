import CPosix

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
        for pass in 0...max(1, passes) {
            let start = shim_monotonic_ns()
            pool.parallelFor(blocks, alignment: 64) { range in
                // Each slice's sum is stored back into it, so the reads cannot be left out.
                let slice = buffer + range.lowerBound * 32
                slice[0] = read(slice, count: range.count * 32) / Float(range.count * 32)
            }
            let elapsed = shim_monotonic_ns() - start
            if pass > 0 { rates.append(Double(count * 4) / (Double(elapsed) / 1e9)) }
        }
        rates.sort()
        return rates[rates.count / 2]
    }

    /// The sum of `count` floats (a multiple of 32), read front to back.
    @inline(never)
    static func read(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
        }
        var j = 0
        while j < count {
            a0 += load8(p + j)
            a1 += load8(p + j + 8)
            a2 += load8(p + j + 16)
            a3 += load8(p + j + 24)
            j += 32
        }
        return ((a0 + a1) + (a2 + a3)).sum()
    }
}
