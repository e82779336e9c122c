// Checks the riscv64 kernels (Sources/CRiscvKernels: scalar C, vector assembly) against the
// plain references beside them (riscv_kernels_reference.c) on random shapes,
// including odd sizes and tails:
//   - Q8_0 matvec: bit-exact with riscv_matvec_q8_reference, runq.c's loop (same
//     float order, no fusing);
//   - fp32 matvec: the kernel and riscv_matvec_f32_reference (run.c's loop), each
//     within a relative tolerance of a float64 sum, scaled by Σ|w·x|.
// Built and run under qemu-riscv64 by scripts/check-duo-kernels.sh, once per
// variant. Exits 1 on the first mismatch.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "RiscvKernels.h"

#pragma STDC FP_CONTRACT OFF

static uint64_t state = 0x9E3779B97F4A7C15ull;
static uint32_t next_random(void) {
    state ^= state << 13; state ^= state >> 7; state ^= state << 17;
    return (uint32_t)(state >> 16);
}
static float uniform(void) { return (float)(next_random() % 2000001) / 1000000.0f - 1.0f; }

static int check_q8(long rows, long cols, long gs) {
    long groups = cols / gs;
    int8_t *w = malloc((size_t)(rows * cols)), *x = malloc((size_t)cols);
    float *ws = malloc(sizeof(float) * (size_t)(rows * groups + 1)), *xs = malloc(sizeof(float) * (size_t)(groups + 1));
    float *got = malloc(sizeof(float) * (size_t)rows), *want = malloc(sizeof(float) * (size_t)rows);
    for (long i = 0; i < rows * cols; i++) w[i] = (int8_t)((int)(next_random() % 255) - 127);
    for (long i = 0; i < cols; i++) x[i] = (int8_t)((int)(next_random() % 255) - 127);
    // Extremes too: every product at its largest magnitude in one row.
    if (rows > 0) for (long j = 0; j < cols; j++) { w[j] = -127; x[j] = (j % 3) ? -127 : 127; }
    for (long i = 0; i < rows * groups; i++) ws[i] = uniform() * 0.01f;
    for (long i = 0; i < groups; i++) xs[i] = uniform() * 0.01f;
    riscv_matvec_q8_reference(want, x, xs, w, ws, rows, cols, gs);
    riscv_matvec_q8(got, x, xs, w, ws, rows, cols, gs);
    int bad = 0;
    for (long i = 0; i < rows; i++) {
        if (memcmp(&got[i], &want[i], sizeof(float)) != 0) {
            printf("q8 rows=%ld cols=%ld gs=%ld: row %ld got %.9g want %.9g (not bit-exact)\n",
                   rows, cols, gs, i, got[i], want[i]);
            bad = 1;
            break;
        }
    }
    free(w); free(x); free(ws); free(xs); free(got); free(want);
    return bad;
}

static double worst_f32 = 0, worst_f32_reference = 0;

/// The relative error of `got` against the float64 dot product of w's row `i` and
/// x, scaled by Σ|w·x|: any summation order of n fp32 terms is within about
/// n·2^-24 of it, while a kernel that drops or repeats a term is off by a whole term.
static double relative_error(float got, const float *w, const float *x, long i, long cols) {
    double exact = 0, magnitude = 0;
    for (long j = 0; j < cols; j++) {
        exact += (double)w[i * cols + j] * (double)x[j];
        magnitude += fabs((double)w[i * cols + j] * (double)x[j]);
    }
    if (isnan(got)) return INFINITY;
    return fabs((double)got - exact) / (magnitude > 0 ? magnitude : 1);
}

static int check_f32(long rows, long cols) {
    float *w = malloc(sizeof(float) * (size_t)(rows * cols + 1)), *x = malloc(sizeof(float) * (size_t)(cols + 1));
    float *got = malloc(sizeof(float) * (size_t)(rows + 1)), *reference = malloc(sizeof(float) * (size_t)(rows + 1));
    for (long i = 0; i < rows * cols; i++) w[i] = uniform();
    for (long i = 0; i < cols; i++) x[i] = uniform();
    riscv_matvec_f32(got, x, w, rows, cols);
    riscv_matvec_f32_reference(reference, x, w, rows, cols);
    int bad = 0;
    for (long i = 0; i < rows; i++) {
        double error = relative_error(got[i], w, x, i, cols);
        double reference_error = relative_error(reference[i], w, x, i, cols);
        if (error > worst_f32) worst_f32 = error;
        if (reference_error > worst_f32_reference) worst_f32_reference = reference_error;
        if (error > 1e-6 || reference_error > 1e-6) {
            printf("f32 rows=%ld cols=%ld: row %ld got %.9g, reference %.9g (relative errors %.3g, %.3g)\n",
                   rows, cols, i, got[i], reference[i], error, reference_error);
            bad = 1;
            break;
        }
    }
    free(w); free(x); free(got); free(reference);
    return bad;
}

int main(void) {
    printf("variant: %s\n", riscv_kernels_variant());
    int failures = 0, cases = 0;
    // The model shapes (15M, stories260K) first, then random ones with odd tails.
    static const long q8_shapes[][3] = {
        {288, 288, 32}, {768, 288, 32}, {288, 768, 32}, {512, 64, 64}, {64, 172, 4}, {7, 96, 32},
        {5, 64, 64}, {3, 130, 65}, {9, 100, 20}, {1, 16, 16}, {6, 33, 11}, {4, 256, 256}};
    for (size_t s = 0; s < sizeof q8_shapes / sizeof q8_shapes[0]; s++, cases++)
        failures += check_q8(q8_shapes[s][0], q8_shapes[s][1], q8_shapes[s][2]);
    static const long group_sizes[] = {1, 2, 3, 8, 16, 17, 31, 32, 48, 64, 100, 128};
    for (int trial = 0; trial < 200; trial++, cases++) {
        long gs = group_sizes[next_random() % (sizeof group_sizes / sizeof group_sizes[0])];
        long rows = 1 + (long)(next_random() % 23);
        long cols = gs * (1 + (long)(next_random() % 6));   // runq.c needs whole groups
        failures += check_q8(rows, cols, gs);
    }
    static const long f32_shapes[][2] = {{288, 288}, {768, 288}, {288, 768}, {512, 64}, {172, 64}, {64, 172},
                                         {1, 1}, {3, 5}, {5, 17}, {4, 31}, {7, 33}, {6, 129}};
    for (size_t s = 0; s < sizeof f32_shapes / sizeof f32_shapes[0]; s++, cases++)
        failures += check_f32(f32_shapes[s][0], f32_shapes[s][1]);
    for (int trial = 0; trial < 200; trial++, cases++)
        failures += check_f32(1 + (long)(next_random() % 23), 1 + (long)(next_random() % 300));
    printf("%d cases, %d failed; worst fp32 error %.3g of Σ|w·x| (the in-order reference: %.3g)\n",
           cases, failures, worst_f32, worst_f32_reference);
    return failures ? 1 : 0;
}
