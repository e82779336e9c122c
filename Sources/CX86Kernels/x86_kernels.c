// AVX-512 decode kernels for x86-64 (see X86Kernels.h), chosen at run time.
#include "X86Kernels.h"

#if defined(__x86_64__)

#include <cpuid.h>
#include <immintrin.h>
#include <string.h>

// The tail's products are added one by one, unfused, as the Swift kernel adds them.
#pragma STDC FP_CONTRACT OFF

// Each answer is worked out once; threads that race to it store the same value.
static int x86_cached(int *slot, int (*probe)(void)) {
    int answer = __atomic_load_n(slot, __ATOMIC_RELAXED);
    if (answer < 0) {
        answer = probe();
        __atomic_store_n(slot, answer, __ATOMIC_RELAXED);
    }
    return answer;
}

static int x86_probe_avx512(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE)) return 0;
    unsigned low, high;
    __asm__("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    // XMM, YMM, opmask, ZMM_Hi256 and Hi16_ZMM state saved by the OS.
    if ((low & 0xE6) != 0xE6) return 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    return (ebx & bit_AVX512F) != 0;
}

static int x86_probe_intel(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return 0;
    char vendor[13];
    memcpy(vendor, &ebx, 4);
    memcpy(vendor + 4, &edx, 4);
    memcpy(vendor + 8, &ecx, 4);
    vendor[12] = 0;
    return strcmp(vendor, "GenuineIntel") == 0;
}

bool x86_kernels_have_avx512(void) {
    static int slot = -1;
    return x86_cached(&slot, x86_probe_avx512);
}

bool x86_kernels_nontemporal_prefetch_skips_l2(void) {
    static int slot = -1;
    return x86_cached(&slot, x86_probe_intel);
}

// `FloatKernels.dot`'s order: 16 lanes (the AVX2 build's low and high halves are
// this register's lower and upper 256 bits), then 8 into the low half, low + high,
// (0+4, 1+5, 2+6, 3+7), then (lane 0 + lane 2) + (lane 1 + lane 3), then the tail.
#define X86_ROW_SUM(LOAD16, LOAD8, SCALAR)                                              \
    __m512 lanes = _mm512_setzero_ps();                                                 \
    long j = 0;                                                                         \
    for (; j + 16 <= cols; j += 16) lanes = _mm512_fmadd_ps(LOAD16(row + j), _mm512_loadu_ps(x + j), lanes); \
    __m256 low = _mm512_castps512_ps256(lanes);                                         \
    __m256 high = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(lanes), 1)); \
    if (j + 8 <= cols) {                                                                \
        low = _mm256_fmadd_ps(LOAD8(row + j), _mm256_loadu_ps(x + j), low);             \
        j += 8;                                                                         \
    }                                                                                   \
    __m256 eight = _mm256_add_ps(low, high);                                            \
    __m128 four = _mm_add_ps(_mm256_castps256_ps128(eight), _mm256_extractf128_ps(eight, 1)); \
    __m128 two = _mm_add_ps(four, _mm_movehl_ps(four, four));                           \
    float total = _mm_cvtss_f32(two) + _mm_cvtss_f32(_mm_movehdup_ps(two));             \
    for (; j < cols; j++) {                                                             \
        float product = SCALAR(row[j]) * x[j];                                          \
        total = total + product;                                                        \
    }                                                                                   \
    return total;

static inline void x86_prefetch_row(const void *row, long bytes, long ahead, bool nontemporal) {
    if (ahead <= 0) return;
    const char *line = (const char *)row + ahead;
    if (nontemporal) {
        for (long offset = 0; offset < bytes; offset += 64) _mm_prefetch(line + offset, _MM_HINT_NTA);
    } else {
        for (long offset = 0; offset < bytes; offset += 64) _mm_prefetch(line + offset, _MM_HINT_T0);
    }
}

#define X86_F32_LOAD16(p) _mm512_loadu_ps(p)
#define X86_F32_LOAD8(p) _mm256_loadu_ps(p)
#define X86_F32_SCALAR(v) (v)

__attribute__((target("avx512f,avx2,fma")))
static inline float x86_row_f32(const float *row, const float *x, long cols) {
    X86_ROW_SUM(X86_F32_LOAD16, X86_F32_LOAD8, X86_F32_SCALAR)
}

#define X86_F16_LOAD16(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p)))
#define X86_F16_LOAD8(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p)))
#define X86_F16_SCALAR(v) _cvtsh_ss(v)

__attribute__((target("avx512f,avx2,fma,f16c")))
static inline float x86_row_f16(const uint16_t *row, const float *x, long cols) {
    X86_ROW_SUM(X86_F16_LOAD16, X86_F16_LOAD8, X86_F16_SCALAR)
}

__attribute__((target("avx512f,avx2,fma")))
void x86_matvec_f32_avx512(float *out, const float *x, const float *w, long cols,
                           long first, long end, long prefetch_ahead, bool nontemporal) {
    for (long i = first; i < end; i++) {
        const float *row = w + i * cols;
        x86_prefetch_row(row, cols * (long)sizeof(float), prefetch_ahead, nontemporal);
        out[i] = x86_row_f32(row, x, cols);
    }
}

__attribute__((target("avx512f,avx2,fma,f16c")))
void x86_matvec_f16_avx512(float *out, const float *x, const uint16_t *w, long cols,
                           long first, long end, long prefetch_ahead, bool nontemporal) {
    for (long i = first; i < end; i++) {
        const uint16_t *row = w + i * cols;
        x86_prefetch_row(row, cols * (long)sizeof(uint16_t), prefetch_ahead, nontemporal);
        out[i] = x86_row_f16(row, x, cols);
    }
}

#endif
