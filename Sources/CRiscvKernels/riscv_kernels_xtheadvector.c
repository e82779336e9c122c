// The slot for the C906's own vector unit: RVV 0.7.1, "XTheadVector".
//
// No compiler on this machine targets it (clang 21 and Debian's GCC 12 do not),
// so nothing is defined here yet and an XTheadVector build compiles
// riscv_kernels_scalar.c instead (it reports itself as the scalar fallback through
// riscv_kernels_variant()); the build works, it is just not vectorized.
//
// To fill the slot:
//   1. Build with GCC >= 14 (e.g. T-Head's Xuantie toolchain or an upstream GCC 14
//      cross compiler) and `-march=rv64gc_xtheadvector -mabi=lp64d`, which defines
//      `__riscv_xtheadvector`: `DUO_VECTOR=xtheadvector DUO_KERNEL_CC=<that gcc>
//      scripts/build-duo.sh` compiles the kernel files so (and only them) and links
//      .build-duo/babyllama-xtheadvector; with Debian's GCC 12 it stops and says so.
//   2. Copy riscv_kernels_rvv.c here under `#if defined(__riscv_xtheadvector)` and
//      change its guard to exclude it; in GCC 14 the XTheadVector intrinsics are
//      the RVV ones with the `__riscv_th_` prefix for the loads and stores whose
//      encoding differs (check the compiler's <riscv_th_vector.h>/<riscv_vector.h>).
//      The RVV file already avoids what 0.7.1 lacks: fractional LMUL,
//      tail-undisturbed policies (0.7.1 zeroes tails) and segment loads; its
//      widening multiply (vwmul) and widening reduction (vwredsum) exist in 0.7.1.
//   3. Exclude __riscv_xtheadvector from riscv_kernels_scalar.c's guard.
//   4. Verify with scripts/check-duo-kernels.sh's kernel test under a QEMU that
//      emulates the C906 (upstream QEMU >= 8.0 has `-cpu thead-c906`, including its
//      vendor extensions), or on the board.
//
// The C906 also has scalar vendor extensions GCC (>= 13) and clang (>= 17) know:
// XTheadMac (`th.mulaw`: multiply-accumulate, one instruction instead of mul+add in
// the Q8_0 inner loop) and XTheadMemIdx (loads with pointer increment). Building the
// scalar file with `-march=rv64gc_xtheadmac_xtheadmemidx` lets the compiler use them;
// Debian's qemu 7.2 cannot run that, so it is not the default.
