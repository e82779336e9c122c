// The plain loops the riscv64 kernels are held to, whichever variant is compiled
// (scalar, RVV, XTheadVector): written as run.c and runq.c write them, with no
// unrolling and no fused multiply-add, so they are easy to check by eye and their
// results are the ones llama2.c prints. Tests/riscv/kernel_test.c compares every
// variant with them. Like the kernels, they exist only in riscv64 builds.
#if defined(__riscv)

#include "RiscvKernels.h"

// Each product is rounded before it is added, as in run.c/runq.c without fast-math.
#pragma STDC FP_CONTRACT OFF
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif

void riscv_matvec_f32_reference(float *out, const float *x, const float *w, long rows, long cols) {
    // run.c's matmul: one row at a time, columns in order.
    for (long i = 0; i < rows; i++) {
        float val = 0.0f;
        for (long j = 0; j < cols; j++) val += w[i * cols + j] * x[j];
        out[i] = val;
    }
}

void riscv_matvec_q8_reference(float *out, const int8_t *x, const float *x_scales,
                               const int8_t *w, const float *w_scales,
                               long rows, long cols, long group_size) {
    // runq.c's matmul: an exact int32 dot product per group, then the groups'
    // float contributions added left to right (cols is a multiple of group_size).
    for (long i = 0; i < rows; i++) {
        float val = 0.0f;
        int32_t ival = 0;
        long in = i * cols;
        for (long j = 0; j <= cols - group_size; j += group_size) {
            for (long k = 0; k < group_size; k++) ival += ((int32_t)x[j + k]) * ((int32_t)w[in + j + k]);
            val += ((float)ival) * w_scales[(in + j) / group_size] * x_scales[j / group_size];
            ival = 0;
        }
        out[i] = val;
    }
}

#endif
