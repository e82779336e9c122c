// The vector matvec kernels, written once for two vector ISAs through the macros
// of riscv_vector_isa.h: RVV 1.0 (-DRISCV_KERNELS_RVV, the twin QEMU runs) and the
// C906's XTheadVector (-DRISCV_KERNELS_XTHEADVECTOR). Every macro is one
// instruction in both, so both builds are the same code but for the vector words
// (scripts/check-c906.py compares them). The algorithms are those of the scalar
// kernels' contract (RiscvKernels.h):
//
//   riscv_matvec_f32_vector  four rows per pass share each load of x: a chunk of
//                            VLMAX columns (e32, m4) is 5 loads and 4 multiply-adds
//                            into four accumulators, reduced at the end; the
//                            columns past the last whole chunk are multiplied and
//                            reduced on their own (nothing relies on tail elements);
//   riscv_matvec_q8_vector   two rows per pass share each load of x: a group's
//                            int8 × int8 products widen to int16 (exact) and a
//                            widening reduction sums them into int32 (exact), and
//                            the groups' float contributions are added in runq.c's
//                            order, each product rounded, so the result is runq.c's
//                            bit for bit.
//
// Registers: only caller-saved ones (a*, t*, ft*, v*); no stack. Branches are
// resolved here (norelax) and nothing is compressed differently between the two
// builds because both are assembled by GNU as.
#if defined(RISCV_KERNELS_RVV) || defined(RISCV_KERNELS_XTHEADVECTOR)

#include "riscv_vector_isa.h"

    .option norelax
    .text

// void riscv_matvec_f32_vector(float *out, const float *x, const float *w, long rows, long cols)
//   a0 out, a1 x, a2 w (the current row), a3 rows left, a4 cols
    .p2align 2
    .globl  riscv_matvec_f32_vector
    .type   riscv_matvec_f32_vector, @function
riscv_matvec_f32_vector:
    VSETVLI_E32M4(t0, zero)           // t0 = VLMAX: columns per chunk
    remu    t1, a4, t0                // t1 = the tail's columns
    sub     t3, a4, t1
    slli    t3, t3, 2
    add     t3, a1, t3                // t3 = x past the whole chunks: where chunk loops stop
    slli    t4, t0, 2                 // t4 = bytes per chunk
    slli    a5, a4, 2                 // a5 = bytes per row
    addi    t6, a3, -4
    bltz    t6, .Lf32_rows1
.Lf32_rows4:
    VSETVLI_E32M4(t6, zero)           // VLMAX again: the last pass's tail shortened vl
    VMV_V_I(v0, 0)                    // four accumulators
    VMV_V_I(v4, 0)
    VMV_V_I(v8, 0)
    VMV_V_I(v12, 0)
    mv      a6, a1                    // x
    mv      a7, a2                    // row 0
    add     t0, a2, a5                // row 1
    add     t2, t0, a5                // row 2
    add     t5, t2, a5                // row 3
    bgeu    a6, t3, .Lf32_sum4
.Lf32_chunk4:
    VLE32(v16, a6)
    VLE32(v20, a7)
    VFMACC_VV(v0, v20, v16)
    VLE32(v24, t0)
    VFMACC_VV(v4, v24, v16)
    VLE32(v20, t2)
    VFMACC_VV(v8, v20, v16)
    VLE32(v24, t5)
    VFMACC_VV(v12, v24, v16)
    add     a6, a6, t4
    add     a7, a7, t4
    add     t0, t0, t4
    add     t2, t2, t4
    add     t5, t5, t4
    bltu    a6, t3, .Lf32_chunk4
.Lf32_sum4:
    VMV_S_X(v28, zero)                // v28[0] = +0.0f, every reduction's start
    VFREDUSUM_VS(v16, v0, v28)
    VFREDUSUM_VS(v17, v4, v28)
    VFREDUSUM_VS(v18, v8, v28)
    VFREDUSUM_VS(v19, v12, v28)
    VMV_X_S(t6, v16)
    fmv.w.x ft0, t6
    VMV_X_S(t6, v17)
    fmv.w.x ft1, t6
    VMV_X_S(t6, v18)
    fmv.w.x ft2, t6
    VMV_X_S(t6, v19)
    fmv.w.x ft3, t6
    beqz    t1, .Lf32_store4
    VSETVLI_E32M4(t6, t1)             // the tail: vl = t1 < VLMAX
    VLE32(v16, a6)
    VLE32(v20, a7)
    VFMUL_VV(v0, v20, v16)
    VLE32(v24, t0)
    VFMUL_VV(v4, v24, v16)
    VLE32(v20, t2)
    VFMUL_VV(v8, v20, v16)
    VLE32(v24, t5)
    VFMUL_VV(v12, v24, v16)
    VFREDUSUM_VS(v16, v0, v28)
    VFREDUSUM_VS(v17, v4, v28)
    VFREDUSUM_VS(v18, v8, v28)
    VFREDUSUM_VS(v19, v12, v28)
    VMV_X_S(t6, v16)
    fmv.w.x ft4, t6
    fadd.s  ft0, ft0, ft4
    VMV_X_S(t6, v17)
    fmv.w.x ft4, t6
    fadd.s  ft1, ft1, ft4
    VMV_X_S(t6, v18)
    fmv.w.x ft4, t6
    fadd.s  ft2, ft2, ft4
    VMV_X_S(t6, v19)
    fmv.w.x ft4, t6
    fadd.s  ft3, ft3, ft4
.Lf32_store4:
    fsw     ft0, 0(a0)
    fsw     ft1, 4(a0)
    fsw     ft2, 8(a0)
    fsw     ft3, 12(a0)
    addi    a0, a0, 16
    slli    t6, a5, 2
    add     a2, a2, t6
    addi    a3, a3, -4
    addi    t6, a3, -4
    bgez    t6, .Lf32_rows4
.Lf32_rows1:
    beqz    a3, .Lf32_done
.Lf32_row:
    VSETVLI_E32M4(t6, zero)
    VMV_V_I(v0, 0)
    mv      a6, a1
    mv      a7, a2
    bgeu    a6, t3, .Lf32_sum1
.Lf32_chunk1:
    VLE32(v16, a6)
    VLE32(v20, a7)
    VFMACC_VV(v0, v20, v16)
    add     a6, a6, t4
    add     a7, a7, t4
    bltu    a6, t3, .Lf32_chunk1
.Lf32_sum1:
    VMV_S_X(v28, zero)
    VFREDUSUM_VS(v16, v0, v28)
    VMV_X_S(t6, v16)
    fmv.w.x ft0, t6
    beqz    t1, .Lf32_store1
    VSETVLI_E32M4(t6, t1)
    VLE32(v16, a6)
    VLE32(v20, a7)
    VFMUL_VV(v0, v20, v16)
    VFREDUSUM_VS(v16, v0, v28)
    VMV_X_S(t6, v16)
    fmv.w.x ft4, t6
    fadd.s  ft0, ft0, ft4
.Lf32_store1:
    fsw     ft0, 0(a0)
    addi    a0, a0, 4
    add     a2, a2, a5
    addi    a3, a3, -1
    bnez    a3, .Lf32_row
.Lf32_done:
    ret
    .size   riscv_matvec_f32_vector, . - riscv_matvec_f32_vector

// void riscv_matvec_q8_vector(float *out, const int8_t *x, const float *x_scales,
//                             const int8_t *w, const float *w_scales,
//                             long rows, long cols, long group_size)
//   a0 out, a1 x, a2 x_scales, a3 w (row 0, walking), a4 w_scales (row 0's, walking),
//   a5 rows left, a6 cols, a7 group_size
    .p2align 2
    .globl  riscv_matvec_q8_vector
    .type   riscv_matvec_q8_vector, @function
riscv_matvec_q8_vector:
    VSETVLI_E32M1(t6, zero)
    VMV_V_I(v31, 0)                   // v31[0] = 0: every group's dot product starts there
    divu    t0, a6, a7
    slli    t0, t0, 2
    add     t0, a2, t0                // t0 = x_scales past the last group: where group loops stop
    addi    t6, a5, -2
    bltz    t6, .Lq8_rows1
.Lq8_rows2:
    mv      t1, a1                    // x
    add     t2, a3, a6                // row 1
    sub     t3, t0, a2
    add     t3, a4, t3                // row 1's scales
    mv      t4, a2                    // x's scales
    fmv.w.x ft0, zero                 // the rows' sums, as runq.c's val = 0
    fmv.w.x ft1, zero
    bgeu    t4, t0, .Lq8_store2
.Lq8_group2:
    mv      t5, a7                    // the group's columns left
    VSETVLI_E8M4(t6, t5)
    VLE8(v16, t1)
    VLE8(v20, a3)
    VLE8(v24, t2)
    VWMUL_VV(v0, v20, v16)            // int16 products, exact; v0-v7 and v8-v15 overlap no source
    VWMUL_VV(v8, v24, v16)
    VSETVLI_E16M8(zero, t6)           // same vl, 16-bit elements
    VWREDSUM_VS(v28, v0, v31)         // int32 sums, exact
    VWREDSUM_VS(v29, v8, v31)
    add     t1, t1, t6
    add     a3, a3, t6
    add     t2, t2, t6
    sub     t5, t5, t6
    beqz    t5, .Lq8_scale2
.Lq8_chunk2:                          // groups longer than VLMAX (e8, m4) go on here
    VSETVLI_E8M4(t6, t5)
    VLE8(v16, t1)
    VLE8(v20, a3)
    VLE8(v24, t2)
    VWMUL_VV(v0, v20, v16)
    VWMUL_VV(v8, v24, v16)
    VSETVLI_E16M8(zero, t6)
    VWREDSUM_VS(v28, v0, v28)
    VWREDSUM_VS(v29, v8, v29)
    add     t1, t1, t6
    add     a3, a3, t6
    add     t2, t2, t6
    sub     t5, t5, t6
    bnez    t5, .Lq8_chunk2
.Lq8_scale2:
    VSETVLI_E32M1(zero, t6)           // 32-bit elements to read the sums (vl >= 1)
    VMV_X_S(t5, v28)
    fcvt.s.w ft2, t5
    VMV_X_S(t5, v29)
    fcvt.s.w ft3, t5
    flw     ft4, 0(a4)
    flw     ft5, 0(t3)
    flw     ft6, 0(t4)
    fmul.s  ft2, ft2, ft4             // runq.c: val += ((float) ival) * w->s[..] * x->s[..]
    fmul.s  ft3, ft3, ft5
    fmul.s  ft2, ft2, ft6
    fmul.s  ft3, ft3, ft6
    fadd.s  ft0, ft0, ft2
    fadd.s  ft1, ft1, ft3
    addi    a4, a4, 4
    addi    t3, t3, 4
    addi    t4, t4, 4
    bltu    t4, t0, .Lq8_group2
.Lq8_store2:
    fsw     ft0, 0(a0)
    fsw     ft1, 4(a0)
    addi    a0, a0, 8
    mv      a3, t2                    // row 1's end is the next pair's row 0
    mv      a4, t3
    addi    a5, a5, -2
    addi    t6, a5, -2
    bgez    t6, .Lq8_rows2
.Lq8_rows1:
    beqz    a5, .Lq8_done
.Lq8_row:
    mv      t1, a1
    mv      t4, a2
    fmv.w.x ft0, zero
    bgeu    t4, t0, .Lq8_store1
.Lq8_group1:
    mv      t5, a7
    VSETVLI_E8M4(t6, t5)
    VLE8(v16, t1)
    VLE8(v20, a3)
    VWMUL_VV(v0, v20, v16)
    VSETVLI_E16M8(zero, t6)
    VWREDSUM_VS(v28, v0, v31)
    add     t1, t1, t6
    add     a3, a3, t6
    sub     t5, t5, t6
    beqz    t5, .Lq8_scale1
.Lq8_chunk1:
    VSETVLI_E8M4(t6, t5)
    VLE8(v16, t1)
    VLE8(v20, a3)
    VWMUL_VV(v0, v20, v16)
    VSETVLI_E16M8(zero, t6)
    VWREDSUM_VS(v28, v0, v28)
    add     t1, t1, t6
    add     a3, a3, t6
    sub     t5, t5, t6
    bnez    t5, .Lq8_chunk1
.Lq8_scale1:
    VSETVLI_E32M1(zero, t6)
    VMV_X_S(t5, v28)
    fcvt.s.w ft2, t5
    flw     ft4, 0(a4)
    flw     ft6, 0(t4)
    fmul.s  ft2, ft2, ft4
    fmul.s  ft2, ft2, ft6
    fadd.s  ft0, ft0, ft2
    addi    a4, a4, 4
    addi    t4, t4, 4
    bltu    t4, t0, .Lq8_group1
.Lq8_store1:
    fsw     ft0, 0(a0)
    addi    a0, a0, 4
    addi    a5, a5, -1
    bnez    a5, .Lq8_row
.Lq8_done:
    ret
    .size   riscv_matvec_q8_vector, . - riscv_matvec_q8_vector

// void riscv_vector_probe(long vlmax[2]): VLMAX for vtype 0 and vtype 8 (see
// riscv_vector_isa.h). Traps (SIGILL) where there is no usable vector unit;
// riscv_kernels.c catches that.
    .p2align 2
    .globl  riscv_vector_probe
    .type   riscv_vector_probe, @function
riscv_vector_probe:
    VSETVLI_RAW(t0, 0)
    VSETVLI_RAW(t1, 8)
    sd      t0, 0(a0)
    sd      t1, 8(a0)
    ret
    .size   riscv_vector_probe, . - riscv_vector_probe

#endif

    .section .note.GNU-stack, "", @progbits
