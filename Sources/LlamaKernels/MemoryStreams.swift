#if arch(x86_64)
import CX86Kernels
#endif

/// How this CPU's caches take a large matrix that is read once per token.
enum MemoryStreams {
    /// Whether requesting a thread's large share (the classifier) with non-temporal
    /// prefetches pays. Where the hint still fills L2 (AMD's cores) it keeps the layer
    /// weights in L3 from one token to the next (issue 12 measured fp32 decode above the
    /// DRAM streaming bandwidth on an AMD EPYC). Intel's `prefetchnta` skips L2: the
    /// stream then runs on the L1's few fill buffers without the L2 streamer, and fp32
    /// decode on one thread of an Intel Xeon ran at 0.55x of the plain stream.
    #if arch(x86_64)
    static var nonTemporalPrefetchPays: Bool { !x86_kernels_nontemporal_prefetch_skips_l2() }
    #else
    static var nonTemporalPrefetchPays: Bool { true }
    #endif
}
