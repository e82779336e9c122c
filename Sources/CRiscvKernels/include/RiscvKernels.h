// The hot loops of the forward pass for the Duo's riscv64 build, as plain C so
// each can be written for the core it runs on. One set of signatures, one
// implementation chosen when the C files are compiled:
//
//   - RVV 1.0 (`-march=rv64gcv`, `__riscv_vector`): riscv_kernels_rvv.c
//   - XTheadVector (the C906's RVV 0.7.1; GCC >= 14 `-march=rv64gc_xtheadvector`,
//     `__riscv_xtheadvector`): riscv_kernels_xtheadvector.c — not written yet; that
//     build gets the scalar kernels (see the file for what is needed)
//   - otherwise (rv64gc): riscv_kernels_scalar.c, tuned for an in-order,
//     single-issue core such as the C906
//
// Beside them, riscv_kernels_reference.c holds the plain loops every variant is
// held to (runq.c's Q8_0 matmul, and the fp32 matmul summed in order as run.c's),
// compiled into every build; Tests/riscv/kernel_test.c compares against them.
//
// Only riscv64 builds define these functions (every file is empty elsewhere), so
// Swift calls them under `#if arch(riscv64)` only (LlamaKernels' Matmul).
#ifndef RISCV_KERNELS_H
#define RISCV_KERNELS_H

#include <stdint.h>

/// Which implementation was compiled in: "scalar", "rvv" or "xtheadvector".
const char *riscv_kernels_variant(void);

/// fp32 matrix × vector: `out[i] = Σ_j w[i * cols + j] · x[j]` for `0 <= i < rows`.
/// The sums may be reordered and use fused multiply-adds (not bit-exact with run.c).
void riscv_matvec_f32(float *out, const float *x, const float *w, long rows, long cols);

/// Q8_0 matrix × quantized vector, bit-exact with runq.c's matmul: for each row,
/// `out[i] = Σ_g float(Σ_k x[k]·w[i][k]) · w_scales[i·groups + g] · x_scales[g]`
/// with the groups added in order, each product rounded (no fused multiply-add),
/// where `groups = cols / group_size`. `cols` must be a multiple of `group_size` (as
/// runq.c requires and Checkpoint checks). `w` and `w_scales` start at the first row computed.
void riscv_matvec_q8(float *out, const int8_t *x, const float *x_scales,
                     const int8_t *w, const float *w_scales,
                     long rows, long cols, long group_size);

/// The reference for riscv_matvec_f32: each row summed in order, products rounded
/// before they are added (run.c's matmul built without fast-math).
void riscv_matvec_f32_reference(float *out, const float *x, const float *w, long rows, long cols);

/// The reference for riscv_matvec_q8: runq.c's matmul loop as runq.c writes it.
void riscv_matvec_q8_reference(float *out, const int8_t *x, const float *x_scales,
                               const int8_t *w, const float *w_scales,
                               long rows, long cols, long group_size);

#endif
