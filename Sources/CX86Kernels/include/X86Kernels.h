#ifndef X86_KERNELS_H
#define X86_KERNELS_H

#include <stdbool.h>
#include <stdint.h>

// The one-vector (decode) matmul in 512-bit vectors, for x86-64 CPUs with AVX-512F.
// The release build targets Haswell (256-bit AVX2), so these are compiled for
// AVX-512 on their own and chosen at run time. Each row is summed in exactly the
// order of LlamaKernels' `FloatKernels.dot` (16 lanes over blocks of 16 columns, one
// block of 8 into the low half, the halves added and folded 8 -> 4 -> 2 -> 1, then
// the last columns in order), so a vector's outputs stay bit-identical to the
// batch tiles' and to the AVX2 build's. On other architectures nothing here exists.

#if defined(__x86_64__)

/// Whether the CPU and the OS run AVX-512F code (the ZMM state enabled in XCR0).
bool x86_kernels_have_avx512(void);

/// Whether the CPU's `prefetchnta` skips L2 (Intel's cores): a stream requested that
/// way is limited to the L1's few fill buffers and loses the L2 streamer, so reading
/// a large matrix non-temporally costs more bandwidth than it saves in L3.
bool x86_kernels_nontemporal_prefetch_skips_l2(void);

/// `out[i] = w[i] . x` for rows `first ..< end` of `cols` columns of fp32 weights.
/// `prefetch_ahead` > 0 requests each row's lines that many bytes ahead, into every
/// cache level or (`nontemporal`) with the non-temporal hint; 0 leaves the stream to
/// the hardware prefetchers.
void x86_matvec_f32_avx512(float *out, const float *x, const float *w, long cols,
                           long first, long end, long prefetch_ahead, bool nontemporal);

/// The same over IEEE half weights (bits), widened exactly as they are loaded.
void x86_matvec_f16_avx512(float *out, const float *x, const uint16_t *w, long cols,
                           long first, long end, long prefetch_ahead, bool nontemporal);

#endif
#endif
