// The riscv64 scalar kernels (rv64gc), in every riscv64 build: the kernels of the
// rv64gc build, and what a vector build falls back to on a CPU without its vector
// unit (riscv_kernels.c). Tuned for an in-order, single-issue pipeline like the
// C906's:
//
// - four rows per pass share every load of the input, so a multiply-accumulate
//   costs a weight load and the arithmetic, plus a quarter input load;
// - the four rows' chains are interleaved, so consecutive dependent operations of
//   one row are several instructions apart and the multiplier's latency is hidden
//   without relying on the compiler's scheduler (clang has no model of the C906);
// - the inner loops are unrolled so the pointer increments and the branch are a
//   small share of the instructions;
// - nothing in a hot loop calls a library function.
#if defined(__riscv)

#include "riscv_kernels_private.h"

// Q8_0 must round each product as runq.c does: never fuse a multiply into an add.
#pragma STDC FP_CONTRACT OFF
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif

// Four columns of four rows of the Q8_0 inner loop, scheduled by hand for an
// in-order core: 4 input loads, then per row 4 weight loads, 4 multiplies and 4
// adds, each row's loads issued while the previous row multiplies, so no result
// is used in the next few instructions. 52 instructions for 16 multiply-adds.
// (In C, clang reassociates the integer adds into a tree over the unrolled
// products and hoists every load, which needs more registers than there are: it
// spilled most products to the stack.) Exact: 64-bit adds of values that fit in 32 bits.
#define Q8_STEP4(o) __asm__( \
    "lb %[x0], " #o "+0(%[xg])\n\t lb %[x1], " #o "+1(%[xg])\n\t" \
    "lb %[x2], " #o "+2(%[xg])\n\t lb %[x3], " #o "+3(%[xg])\n\t" \
    "lb %[t0], " #o "+0(%[p0])\n\t lb %[t1], " #o "+1(%[p0])\n\t" \
    "lb %[t2], " #o "+2(%[p0])\n\t lb %[t3], " #o "+3(%[p0])\n\t" \
    "mul %[t0], %[t0], %[x0]\n\t mul %[t1], %[t1], %[x1]\n\t" \
    "mul %[t2], %[t2], %[x2]\n\t mul %[t3], %[t3], %[x3]\n\t" \
    "lb %[t4], " #o "+0(%[p1])\n\t lb %[t5], " #o "+1(%[p1])\n\t" \
    "lb %[t6], " #o "+2(%[p1])\n\t lb %[t7], " #o "+3(%[p1])\n\t" \
    "add %[a0], %[a0], %[t0]\n\t add %[a0], %[a0], %[t1]\n\t" \
    "add %[a0], %[a0], %[t2]\n\t add %[a0], %[a0], %[t3]\n\t" \
    "mul %[t4], %[t4], %[x0]\n\t mul %[t5], %[t5], %[x1]\n\t" \
    "mul %[t6], %[t6], %[x2]\n\t mul %[t7], %[t7], %[x3]\n\t" \
    "lb %[t0], " #o "+0(%[p2])\n\t lb %[t1], " #o "+1(%[p2])\n\t" \
    "lb %[t2], " #o "+2(%[p2])\n\t lb %[t3], " #o "+3(%[p2])\n\t" \
    "add %[a1], %[a1], %[t4]\n\t add %[a1], %[a1], %[t5]\n\t" \
    "add %[a1], %[a1], %[t6]\n\t add %[a1], %[a1], %[t7]\n\t" \
    "mul %[t0], %[t0], %[x0]\n\t mul %[t1], %[t1], %[x1]\n\t" \
    "mul %[t2], %[t2], %[x2]\n\t mul %[t3], %[t3], %[x3]\n\t" \
    "lb %[t4], " #o "+0(%[p3])\n\t lb %[t5], " #o "+1(%[p3])\n\t" \
    "lb %[t6], " #o "+2(%[p3])\n\t lb %[t7], " #o "+3(%[p3])\n\t" \
    "add %[a2], %[a2], %[t0]\n\t add %[a2], %[a2], %[t1]\n\t" \
    "add %[a2], %[a2], %[t2]\n\t add %[a2], %[a2], %[t3]\n\t" \
    "mul %[t4], %[t4], %[x0]\n\t mul %[t5], %[t5], %[x1]\n\t" \
    "mul %[t6], %[t6], %[x2]\n\t mul %[t7], %[t7], %[x3]\n\t" \
    "add %[a3], %[a3], %[t4]\n\t add %[a3], %[a3], %[t5]\n\t" \
    "add %[a3], %[a3], %[t6]\n\t add %[a3], %[a3], %[t7]" \
    : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), \
      [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [x3] "=&r"(x3), \
      [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), \
      [t4] "=&r"(t4), [t5] "=&r"(t5), [t6] "=&r"(t6), [t7] "=&r"(t7) \
    : [xg] "r"(xg), [p0] "r"(p0), [p1] "r"(p1), [p2] "r"(p2), [p3] "r"(p3) \
    : "memory");

void riscv_matvec_f32_scalar(float *out, const float *x, const float *w, long rows, long cols) {
    long i = 0;
    for (; i + 4 <= rows; i += 4) {
        const float *r0 = w + i * cols, *r1 = r0 + cols, *r2 = r1 + cols, *r3 = r2 + cols;
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        long j = 0;
        // Eight columns per iteration: 8 input loads, 32 weight loads, 32 fused
        // multiply-adds and the loop's 5 pointer increments and branch.
        for (; j + 8 <= cols; j += 8) {
#define F32_STEP(o) { float xv = x[j + o]; \
                      a0 = __builtin_fmaf(r0[j + o], xv, a0); a1 = __builtin_fmaf(r1[j + o], xv, a1); \
                      a2 = __builtin_fmaf(r2[j + o], xv, a2); a3 = __builtin_fmaf(r3[j + o], xv, a3); }
            F32_STEP(0) F32_STEP(1) F32_STEP(2) F32_STEP(3)
            F32_STEP(4) F32_STEP(5) F32_STEP(6) F32_STEP(7)
        }
        for (; j < cols; j++) F32_STEP(0)
#undef F32_STEP
        out[i] = a0; out[i + 1] = a1; out[i + 2] = a2; out[i + 3] = a3;
    }
    for (; i < rows; i++) {
        const float *row = w + i * cols;
        // Two chains, so one row alone is not bound by the multiply-add's latency.
        float a0 = 0, a1 = 0;
        long j = 0;
        for (; j + 2 <= cols; j += 2) {
            a0 = __builtin_fmaf(row[j], x[j], a0);
            a1 = __builtin_fmaf(row[j + 1], x[j + 1], a1);
        }
        if (j < cols) a0 = __builtin_fmaf(row[j], x[j], a0);
        out[i] = a0 + a1;
    }
}

void riscv_matvec_q8_scalar(float *out, const int8_t *x, const float *x_scales,
                            const int8_t *w, const float *w_scales,
                            long rows, long cols, long group_size) {
    const long groups = cols / group_size;
    long i = 0;
    for (; i + 4 <= rows; i += 4) {
        const int8_t *r0 = w + i * cols, *r1 = r0 + cols, *r2 = r1 + cols, *r3 = r2 + cols;
        const float *s0 = w_scales + i * groups, *s1 = s0 + groups, *s2 = s1 + groups, *s3 = s2 + groups;
        float v0 = 0, v1 = 0, v2 = 0, v3 = 0;
        for (long g = 0; g < groups; g++) {
            const long start = g * group_size;
            const int8_t *xg = x + start, *p0 = r0 + start, *p1 = r1 + start, *p2 = r2 + start, *p3 = r3 + start;
            // Integer sums are exact in any order; products of two int8 fit in 16 bits.
            long a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            long x0, x1, x2, x3, t0, t1, t2, t3, t4, t5, t6, t7;   // Q8_STEP4's scratch
            long k = 0;
            // 16 columns per iteration, four at a time in Q8_STEP4, and 5 pointer
            // increments and a branch: 3.4 instructions per multiply-add.
            for (; k + 16 <= group_size; k += 16) {
                Q8_STEP4(0) Q8_STEP4(4) Q8_STEP4(8) Q8_STEP4(12)
                xg += 16; p0 += 16; p1 += 16; p2 += 16; p3 += 16;
            }
            for (; k < group_size; k++) {
                long xv = *xg++;
                a0 += xv * *p0++; a1 += xv * *p1++; a2 += xv * *p2++; a3 += xv * *p3++;
            }
            // runq.c: val += ((float) ival) * w->s[..] * x->s[..], left to right.
            const float xs = x_scales[g];
            v0 += (float)a0 * s0[g] * xs;
            v1 += (float)a1 * s1[g] * xs;
            v2 += (float)a2 * s2[g] * xs;
            v3 += (float)a3 * s3[g] * xs;
        }
        out[i] = v0; out[i + 1] = v1; out[i + 2] = v2; out[i + 3] = v3;
    }
    for (; i < rows; i++) {
        const int8_t *row = w + i * cols;
        const float *scales = w_scales + i * groups;
        float value = 0;
        for (long g = 0; g < groups; g++) {
            const long start = g * group_size;
            int32_t a0 = 0, a1 = 0;
            long k = 0;
            for (; k + 2 <= group_size; k += 2) {
                a0 += (int32_t)x[start + k] * row[start + k];
                a1 += (int32_t)x[start + k + 1] * row[start + k + 1];
            }
            if (k < group_size) a0 += (int32_t)x[start + k] * row[start + k];
            value += (float)(a0 + a1) * scales[g] * x_scales[g];
        }
        out[i] = value;
    }
}

#endif
