// The macro layer riscv_kernels_vector.S is written in: every vector instruction
// the kernels use, once, expanding to one RVV 1.0 instruction or to the one
// XTheadVector (the C906's RVV 0.7.1, `th.` mnemonics) instruction that does the
// same thing. Which one is chosen by the build:
//
//   -DRISCV_KERNELS_RVV            RVV 1.0 (`-march=rv64gcv`), runs under QEMU:
//                                  the twin every test executes
//   -DRISCV_KERNELS_XTHEADVECTOR   XTheadVector (`-march=rv64gc_xtheadvector`,
//                                  GNU as >= 2.42), for the C906
//
// Each macro is exactly one instruction in both expansions, so the two builds
// have the same instructions at the same addresses, the same branches and the
// same registers: running the RVV 1.0 twin checks the XTheadVector build's
// algorithm, and scripts/check-c906.py compares the two builds' machine code
// word by word against riscv_vector_mapping.md, the table (written from the
// specifications, not from these macros) that says which RVV 1.0 instruction each
// XTheadVector one stands for, its encodings and the conditions under which the
// two agree. The conditions the code keeps (the checker enforces them):
//
//   - policies: XTheadVector has no vta/vma bits and is fixed tail-agnostic,
//     mask-undisturbed ("TAMU", xtheadvector.adoc); the twin asks for `ta, mu`
//     and the kernel test runs it with QEMU's rvv_ta_all_1s=true, so a tail read
//     by mistake is garbage in the twin too. Nothing is masked.
//   - vsetvli: never `rd = rs1 = x0` (RVV 1.0 keeps vl, 0.7.1 sets VLMAX); only
//     whole LMUL (0.7.1 has no fractional LMUL); no vsetivli (0.7.1 has none).
//   - loads: `th.vle.v` loads SEW-wide elements, so VLE8 only runs at SEW = 8 and
//     VLE32 only at SEW = 32, where they equal vle8.v / vle32.v.
//   - widening: a destination group never overlaps a source group (0.7.1 forbids
//     any overlap; RVV 1.0 allows some) and LMUL <= 4 before widening.
//   - vmv.x.s: 0.7.1 zero-extends a SEW < XLEN element, RVV 1.0 sign-extends, so
//     its result is only read as a 32-bit value (fcvt.s.w or fmv.w.x).
//   - no vfmv.f.s (whether 0.7.1 NaN-boxes is not pinned down here): a float
//     element is read with vmv.x.s + fmv.w.x.
//   - register groups aligned to LMUL; reductions' scalar operands are single
//     registers in both.
#ifndef RISCV_VECTOR_ISA_H
#define RISCV_VECTOR_ISA_H

#if defined(RISCV_KERNELS_XTHEADVECTOR)

#define VSETVLI_E8M4(rd, avl)       th.vsetvli rd, avl, e8, m4
#define VSETVLI_E16M8(rd, avl)      th.vsetvli rd, avl, e16, m8
#define VSETVLI_E32M1(rd, avl)      th.vsetvli rd, avl, e32, m1
#define VSETVLI_E32M4(rd, avl)      th.vsetvli rd, avl, e32, m4
#define VLE8(vd, base)              th.vle.v vd, (base)
#define VLE32(vd, base)             th.vle.v vd, (base)
#define VMV_V_I(vd, imm)            th.vmv.v.i vd, imm
#define VMV_S_X(vd, rs)             th.vmv.s.x vd, rs
#define VMV_X_S(rd, vs)             th.vmv.x.s rd, vs
#define VWMUL_VV(vd, vs2, vs1)      th.vwmul.vv vd, vs2, vs1
#define VWREDSUM_VS(vd, vs2, vs1)   th.vwredsum.vs vd, vs2, vs1
#define VFMUL_VV(vd, vs2, vs1)      th.vfmul.vv vd, vs2, vs1
#define VFMACC_VV(vd, vs1, vs2)     th.vfmacc.vv vd, vs1, vs2
#define VFREDUSUM_VS(vd, vs2, vs1)  th.vfredsum.vs vd, vs2, vs1

#elif defined(RISCV_KERNELS_RVV)

#define VSETVLI_E8M4(rd, avl)       vsetvli rd, avl, e8, m4, ta, mu
#define VSETVLI_E16M8(rd, avl)      vsetvli rd, avl, e16, m8, ta, mu
#define VSETVLI_E32M1(rd, avl)      vsetvli rd, avl, e32, m1, ta, mu
#define VSETVLI_E32M4(rd, avl)      vsetvli rd, avl, e32, m4, ta, mu
#define VLE8(vd, base)              vle8.v vd, (base)
#define VLE32(vd, base)             vle32.v vd, (base)
#define VMV_V_I(vd, imm)            vmv.v.i vd, imm
#define VMV_S_X(vd, rs)             vmv.s.x vd, rs
#define VMV_X_S(rd, vs)             vmv.x.s rd, vs
#define VWMUL_VV(vd, vs2, vs1)      vwmul.vv vd, vs2, vs1
#define VWREDSUM_VS(vd, vs2, vs1)   vwredsum.vs vd, vs2, vs1
#define VFMUL_VV(vd, vs2, vs1)      vfmul.vv vd, vs2, vs1
#define VFMACC_VV(vd, vs1, vs2)     vfmacc.vv vd, vs1, vs2
#define VFREDUSUM_VS(vd, vs2, vs1)  vfredusum.vs vd, vs2, vs1

#endif

// The probe (riscv_kernels_vector.S) is the same two words in both builds, written
// as `.insn` so neither assembler rewrites them: vsetvli rd, x0 with vtype 0 (e8,
// m1 in both dialects) and vtype 8 (RVV 1.0: e16, m1; 0.7.1: e32, m1). VLMAX of
// the first over VLMAX of the second is 2 on an RVV 1.0 unit and 4 on an
// XTheadVector one, whatever VLEN is.
#define VSETVLI_RAW(rd, vtype)      .insn i 0x57, 7, rd, zero, vtype

#endif
