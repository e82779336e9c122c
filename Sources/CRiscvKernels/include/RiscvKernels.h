// The hot loops of the forward pass for the Duo's riscv64 build, as C and
// assembly so each can be written for the core it runs on. One set of
// signatures; which implementation runs is chosen by the build and, in a vector
// build, by the CPU at the first call (riscv_kernels.c):
//
//   - scalar (rv64gc, every build): riscv_kernels_scalar.c, tuned for an in-order,
//     single-issue core such as the C906;
//   - vector: riscv_kernels_vector.S, written once through the macros of
//     riscv_vector_isa.h and assembled either for RVV 1.0 (DUO_VECTOR=rvv, the
//     twin QEMU runs) or for the C906's XTheadVector, RVV 0.7.1
//     (DUO_VECTOR=xtheadvector); on a CPU without that vector unit the build says
//     so in one line and runs the scalar kernels.
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

/// Which kernels run: "scalar", "rvv" or "xtheadvector", or, in a vector build on a
/// CPU without its vector unit, "scalar (<build>; <why>)".
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
