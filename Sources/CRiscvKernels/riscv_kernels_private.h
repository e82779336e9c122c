// The implementations behind RiscvKernels.h's two matvec entry points, which
// riscv_kernels.c chooses between: the scalar kernels (riscv_kernels_scalar.c, in
// every riscv64 build) and, in the vector builds, the vector kernels
// (riscv_kernels_vector.S) with the probe that says whether this CPU runs them.
// Same contracts as riscv_matvec_f32 / riscv_matvec_q8.
#ifndef RISCV_KERNELS_PRIVATE_H
#define RISCV_KERNELS_PRIVATE_H

#include <stdint.h>

void riscv_matvec_f32_scalar(float *out, const float *x, const float *w, long rows, long cols);
void riscv_matvec_q8_scalar(float *out, const int8_t *x, const float *x_scales,
                            const int8_t *w, const float *w_scales,
                            long rows, long cols, long group_size);

void riscv_matvec_f32_vector(float *out, const float *x, const float *w, long rows, long cols);
void riscv_matvec_q8_vector(float *out, const int8_t *x, const float *x_scales,
                            const int8_t *w, const float *w_scales,
                            long rows, long cols, long group_size);

/// Writes VLMAX for vtype 0 and for vtype 8 (see riscv_vector_isa.h); raises
/// SIGILL on a CPU without a usable vector unit.
void riscv_vector_probe(long vlmax[2]);

#endif
