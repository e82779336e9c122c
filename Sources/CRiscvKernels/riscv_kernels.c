// Which riscv64 kernels run. The build chooses the candidates (the -D flags
// scripts/build-duo.sh passes; the C here is rv64gc in every build):
//
//   (none)                        the scalar kernels (riscv_kernels_scalar.c)
//   RISCV_KERNELS_RVV             the vector kernels' RVV 1.0 expansion
//                                 (riscv_kernels_vector.S), else the scalar ones
//   RISCV_KERNELS_XTHEADVECTOR    their XTheadVector expansion (the C906), else
//                                 the scalar ones
//
// A vector build asks the CPU once, at the first call: riscv_vector_probe runs
// under a SIGILL handler. A trap (no vector unit, or a kernel that does not
// enable it) or the other vector dialect (told apart by the VLMAX ratio of
// riscv_vector_isa.h: executing one dialect's vector code on the other would give
// wrong numbers, not a trap) means the scalar kernels, and one warning line on
// stderr saying why.
#if defined(__riscv)

#include "RiscvKernels.h"
#include "riscv_kernels_private.h"

#if defined(RISCV_KERNELS_RVV) || defined(RISCV_KERNELS_XTHEADVECTOR)

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#if defined(RISCV_KERNELS_XTHEADVECTOR)
#define VECTOR_VARIANT "xtheadvector"
#define VECTOR_ISA "the C906's XTheadVector (RVV 0.7.1)"
#define VECTOR_RATIO 4
#define OTHER_ISA "RVV 1.0"
#define OTHER_BUILD "DUO_VECTOR=rvv"
#define OTHER_RATIO 2
#else
#define VECTOR_VARIANT "rvv"
#define VECTOR_ISA "RVV 1.0"
#define VECTOR_RATIO 2
#define OTHER_ISA "XTheadVector (RVV 0.7.1)"
#define OTHER_BUILD "DUO_VECTOR=xtheadvector"
#define OTHER_RATIO 4
#endif

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static int vector_runs;
static const char *variant = "scalar";
static sigjmp_buf probe_escape;

static void probe_trapped(int signal_number) {
    (void)signal_number;
    siglongjmp(probe_escape, 1);
}

/// One line on stderr, written at once (no stdio buffer to interleave with).
static void warn(const char *line) {
    ssize_t written = write(2, line, strlen(line));
    (void)written;
}

static void probe(void) {
    long vlmax[2] = {0, 0};
    volatile int trapped = 1;
    struct sigaction handler, previous;
    memset(&handler, 0, sizeof handler);
    handler.sa_handler = probe_trapped;
    sigemptyset(&handler.sa_mask);
    if (sigaction(SIGILL, &handler, &previous) == 0) {
        if (sigsetjmp(probe_escape, 1) == 0) {
            riscv_vector_probe(vlmax);
            trapped = 0;
        }
        sigaction(SIGILL, &previous, NULL);
    }
    if (!trapped && vlmax[1] > 0 && vlmax[0] == VECTOR_RATIO * vlmax[1]) {
        vector_runs = 1;
        variant = VECTOR_VARIANT;
    } else if (trapped) {
        variant = "scalar (" VECTOR_VARIANT " build; this CPU has no vector unit)";
        warn("babyllama: warning: this CPU has no usable vector unit (this build's vector kernels are for "
             VECTOR_ISA "); using the scalar kernels\n");
    } else if (vlmax[1] > 0 && vlmax[0] == OTHER_RATIO * vlmax[1]) {
        variant = "scalar (" VECTOR_VARIANT " build; this CPU's vector unit is " OTHER_ISA ")";
        warn("babyllama: warning: this CPU's vector unit is " OTHER_ISA ", not " VECTOR_ISA
             "; using the scalar kernels (" OTHER_BUILD " builds for it)\n");
    } else {
        variant = "scalar (" VECTOR_VARIANT " build; this CPU's vector unit is neither RVV 1.0 nor 0.7.1)";
        warn("babyllama: warning: this CPU's vector unit answers neither as RVV 1.0 nor as RVV 0.7.1; "
             "using the scalar kernels\n");
    }
}

const char *riscv_kernels_variant(void) {
    pthread_once(&probe_once, probe);
    return variant;
}

void riscv_matvec_f32(float *out, const float *x, const float *w, long rows, long cols) {
    pthread_once(&probe_once, probe);
    if (vector_runs) {
        riscv_matvec_f32_vector(out, x, w, rows, cols);
    } else {
        riscv_matvec_f32_scalar(out, x, w, rows, cols);
    }
}

void riscv_matvec_q8(float *out, const int8_t *x, const float *x_scales,
                     const int8_t *w, const float *w_scales,
                     long rows, long cols, long group_size) {
    pthread_once(&probe_once, probe);
    if (vector_runs) {
        riscv_matvec_q8_vector(out, x, x_scales, w, w_scales, rows, cols, group_size);
    } else {
        riscv_matvec_q8_scalar(out, x, x_scales, w, w_scales, rows, cols, group_size);
    }
}

#else

const char *riscv_kernels_variant(void) { return "scalar"; }

void riscv_matvec_f32(float *out, const float *x, const float *w, long rows, long cols) {
    riscv_matvec_f32_scalar(out, x, w, rows, cols);
}

void riscv_matvec_q8(float *out, const int8_t *x, const float *x_scales,
                     const int8_t *w, const float *w_scales,
                     long rows, long cols, long group_size) {
    riscv_matvec_q8_scalar(out, x, x_scales, w, w_scales, rows, cols, group_size);
}

#endif
#endif
