// The riscv64 kernels for cores with the ratified vector extension, RVV 1.0
// (`-march=rv64gcv`), written with <riscv_vector.h> intrinsics and for any VLEN.
//
// They avoid what RVV 0.7.1 (the C906's XTheadVector) lacks or does differently,
// so a port is a renaming: no fractional LMUL, no reliance on tail-undisturbed
// policies (0.7.1 zeroes the tail), and no segment loads. Tails are reduced on
// their own instead of being accumulated into partly filled registers.
#if defined(__riscv_vector) && !defined(__riscv_xtheadvector)

#include <riscv_vector.h>
#include "RiscvKernels.h"

// Q8_0 must round each product as runq.c does: never fuse a multiply into an add.
#pragma STDC FP_CONTRACT OFF
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif

const char *riscv_kernels_variant(void) { return "rvv"; }

/// The sum of `v`'s first `vl` lanes (in any order).
static inline float sum_f32m4(vfloat32m4_t v, size_t vl) {
    vfloat32m1_t zero = __riscv_vfmv_s_f_f32m1(0.0f, 1);
    return __riscv_vfmv_f_s_f32m1_f32(__riscv_vfredusum_vs_f32m4_f32m1(v, zero, vl));
}

void riscv_matvec_f32(float *out, const float *x, const float *w, long rows, long cols) {
    const size_t vlmax = __riscv_vsetvlmax_e32m4();
    const long whole = cols - cols % (long)vlmax;
    long i = 0;
    // Four rows per pass share each load of x: 5 loads and 4 multiply-adds per VLMAX columns.
    for (; i + 4 <= rows; i += 4) {
        const float *r0 = w + i * cols, *r1 = r0 + cols, *r2 = r1 + cols, *r3 = r2 + cols;
        vfloat32m4_t a0 = __riscv_vfmv_v_f_f32m4(0.0f, vlmax), a1 = a0, a2 = a0, a3 = a0;
        for (long j = 0; j < whole; j += (long)vlmax) {
            vfloat32m4_t xv = __riscv_vle32_v_f32m4(x + j, vlmax);
            a0 = __riscv_vfmacc_vv_f32m4(a0, __riscv_vle32_v_f32m4(r0 + j, vlmax), xv, vlmax);
            a1 = __riscv_vfmacc_vv_f32m4(a1, __riscv_vle32_v_f32m4(r1 + j, vlmax), xv, vlmax);
            a2 = __riscv_vfmacc_vv_f32m4(a2, __riscv_vle32_v_f32m4(r2 + j, vlmax), xv, vlmax);
            a3 = __riscv_vfmacc_vv_f32m4(a3, __riscv_vle32_v_f32m4(r3 + j, vlmax), xv, vlmax);
        }
        float s0 = sum_f32m4(a0, vlmax), s1 = sum_f32m4(a1, vlmax);
        float s2 = sum_f32m4(a2, vlmax), s3 = sum_f32m4(a3, vlmax);
        if (whole < cols) {
            size_t vl = __riscv_vsetvl_e32m4((size_t)(cols - whole));
            vfloat32m4_t xv = __riscv_vle32_v_f32m4(x + whole, vl);
            s0 += sum_f32m4(__riscv_vfmul_vv_f32m4(__riscv_vle32_v_f32m4(r0 + whole, vl), xv, vl), vl);
            s1 += sum_f32m4(__riscv_vfmul_vv_f32m4(__riscv_vle32_v_f32m4(r1 + whole, vl), xv, vl), vl);
            s2 += sum_f32m4(__riscv_vfmul_vv_f32m4(__riscv_vle32_v_f32m4(r2 + whole, vl), xv, vl), vl);
            s3 += sum_f32m4(__riscv_vfmul_vv_f32m4(__riscv_vle32_v_f32m4(r3 + whole, vl), xv, vl), vl);
        }
        out[i] = s0; out[i + 1] = s1; out[i + 2] = s2; out[i + 3] = s3;
    }
    for (; i < rows; i++) {
        const float *row = w + i * cols;
        vfloat32m4_t a = __riscv_vfmv_v_f_f32m4(0.0f, vlmax);
        for (long j = 0; j < whole; j += (long)vlmax) {
            a = __riscv_vfmacc_vv_f32m4(a, __riscv_vle32_v_f32m4(row + j, vlmax),
                                        __riscv_vle32_v_f32m4(x + j, vlmax), vlmax);
        }
        float s = sum_f32m4(a, vlmax);
        if (whole < cols) {
            size_t vl = __riscv_vsetvl_e32m4((size_t)(cols - whole));
            s += sum_f32m4(__riscv_vfmul_vv_f32m4(__riscv_vle32_v_f32m4(row + whole, vl),
                                                  __riscv_vle32_v_f32m4(x + whole, vl), vl), vl);
        }
        out[i] = s;
    }
}

/// One row's integer dot product over one group: int8 × int8 widened to int16
/// (exact: |product| <= 128·128), summed into int32 by a widening reduction.
static inline int32_t group_dot(const int8_t *a, const int8_t *b, long count) {
    vint32m1_t total = __riscv_vmv_s_x_i32m1(0, 1);
    for (long k = 0; k < count;) {
        size_t vl = __riscv_vsetvl_e8m4((size_t)(count - k));
        vint16m8_t products = __riscv_vwmul_vv_i16m8(__riscv_vle8_v_i8m4(a + k, vl),
                                                     __riscv_vle8_v_i8m4(b + k, vl), vl);
        total = __riscv_vwredsum_vs_i16m8_i32m1(products, total, vl);
        k += (long)vl;
    }
    return __riscv_vmv_x_s_i32m1_i32(total);
}

void riscv_matvec_q8(float *out, const int8_t *x, const float *x_scales,
                     const int8_t *w, const float *w_scales,
                     long rows, long cols, long group_size) {
    const long groups = cols / group_size;
    long i = 0;
    // Two rows per pass: their float sums are independent chains.
    for (; i + 2 <= rows; i += 2) {
        const int8_t *r0 = w + i * cols, *r1 = r0 + cols;
        const float *s0 = w_scales + i * groups, *s1 = s0 + groups;
        float v0 = 0, v1 = 0;
        for (long g = 0; g < groups; g++) {
            const long start = g * group_size;
            int32_t d0 = group_dot(x + start, r0 + start, group_size);
            int32_t d1 = group_dot(x + start, r1 + start, group_size);
            // runq.c: val += ((float) ival) * w->s[..] * x->s[..], left to right.
            v0 += (float)d0 * s0[g] * x_scales[g];
            v1 += (float)d1 * s1[g] * x_scales[g];
        }
        out[i] = v0; out[i + 1] = v1;
    }
    for (; i < rows; i++) {
        const int8_t *row = w + i * cols;
        const float *scales = w_scales + i * groups;
        float value = 0;
        for (long g = 0; g < groups; g++) {
            const long start = g * group_size;
            value += (float)group_dot(x + start, row + start, group_size) * scales[g] * x_scales[g];
        }
        out[i] = value;
    }
}

#endif
