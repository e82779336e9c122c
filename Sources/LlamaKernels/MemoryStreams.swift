#if arch(x86_64)
import CX86Kernels
#endif

/// How the one-vector matmul (decode) requests a thread's share of a matrix ahead of
/// reading it, by what this CPU's prefetch hints do. The weights are read once per
/// token, front to back; what differs between CPUs is which requests keep enough
/// cache lines in flight and what they leave in the caches.
enum MemoryStreams {
    /// Software prefetching for one share: each row's lines `ahead` bytes ahead of the
    /// row being read (0: none, the hardware prefetchers alone), non-temporally or
    /// into every cache level.
    struct Prefetch: Equatable, Sendable {
        var ahead: Int
        var nonTemporal: Bool
    }

    /// A share at least this large (the classifier) is requested non-temporally where
    /// that pays.
    static var nonTemporalBytes: Int { 4 << 20 }

    /// The prefetching for a share of `bytes` bytes.
    ///
    /// - Where the non-temporal hint still fills L2 (AMD's cores; other architectures,
    ///   where it is an ordinary prefetch), a large share is requested 8 KB ahead with
    ///   it, so it does not push the layer weights out of L3: they stay there from one
    ///   token to the next (issue 12 measured fp32 decode above the DRAM streaming
    ///   bandwidth on an AMD EPYC). Smaller shares are left to the hardware.
    /// - Intel's `prefetchnta` skips L2: the stream then runs on the L1's few fill
    ///   buffers without the L2 streamer (a 60 MB fp32 matvec read 5.5 GB/s, against 14
    ///   with no software prefetch, on an Intel Xeon). There every share is requested
    ///   4 KB ahead into all levels, which kept more lines in flight than the hardware
    ///   prefetchers alone (24-26 GB/s).
    static func prefetch(share bytes: Int) -> Prefetch {
        if nonTemporalPrefetchPays {
            return bytes >= nonTemporalBytes ? Prefetch(ahead: 8 << 10, nonTemporal: true)
                                             : Prefetch(ahead: 0, nonTemporal: false)
        }
        return Prefetch(ahead: 4 << 10, nonTemporal: false)
    }

    #if arch(x86_64)
    static var nonTemporalPrefetchPays: Bool { !x86_kernels_nontemporal_prefetch_skips_l2() }
    #else
    static var nonTemporalPrefetchPays: Bool { true }
    #endif
}
