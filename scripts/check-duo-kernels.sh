#!/usr/bin/env bash
# Verifies the Duo's riscv64 kernels (Sources/CRiscvKernels) under QEMU:
#
# Tests/riscv/kernel_test.c — Q8_0 bit-exact with runq.c's loop
# (riscv_kernels_reference.c, built beside them), fp32 within its rounding bound, on
# the model shapes and random odd ones — linked with the kernels of each build, as
# scripts/build-duo.sh compiles them, and run under qemu-riscv64:
#   - rv64gc (the scalar kernels);
#   - RVV 1.0 (riscv_kernels_vector.S's RVV 1.0 expansion, the C906 build's twin) at
#     `-cpu rv64,v=true,vlen=128|256,vext_spec=v1.0`, and at vlen=128 with
#     rvv_ta_all_1s=true, which fills every tail element with ones, so a kernel
#     that read one (XTheadVector's policy is tail-agnostic) would fail;
#   - the fallbacks, which must say so in one line on stderr and still pass: the
#     RVV 1.0 build on a CPU without vectors, and the XTheadVector build (which no
#     QEMU here can run) without vectors and on an RVV 1.0 CPU, whose vector unit it
#     must refuse.
# The whole Duo binary, built with these kernels, is checked end to end against the
# goldens by scripts/check-duo.py; the XTheadVector build's vector code against its
# twin, word by word, by scripts/check-c906.py.
#
#   scripts/check-duo-kernels.sh
#
# Needs: swiftc (its clang builds the C), gcc-riscv64-linux-gnu (links, assembles the
# RVV 1.0 expansion), qemu-user, and the XTheadVector assembler, which
# `scripts/build-duo.sh --assembler` builds once into .build-duo/binutils.
# Exits non-zero on any mismatch.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-duo.sh --assembler >/dev/null
xt_as=.build-duo/binutils/bin/riscv64-linux-gnu-as
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
clang="$(dirname "$(command -v swiftc)")/clang"
sysroot=/usr/riscv64-linux-gnu
vector_source=Sources/CRiscvKernels/riscv_kernels_vector.S

# Builds kernel_test for one variant (rv64gc, rvv, xtheadvector) into $out/kernel_test-$1:
# the C rv64gc with the variant's define, the vector source assembled as build-duo.sh does.
build_kernel_test() {
    local variant=$1 defines=()
    case $variant in
        rvv) defines=(-DRISCV_KERNELS_RVV) ;;
        xtheadvector) defines=(-DRISCV_KERNELS_XTHEADVECTOR) ;;
    esac
    mkdir -p "$out/$variant"
    for source in Sources/CRiscvKernels/*.c Tests/riscv/kernel_test.c; do
        "$clang" --target=riscv64-linux-gnu -march=rv64gc -mabi=lp64d -O2 -Wall -Wextra -Werror "${defines[@]}" \
            -isystem "$sysroot/include" -I Sources/CRiscvKernels/include \
            -c "$source" -o "$out/$variant/$(basename "$source" .c).o"
    done
    case $variant in
        rvv) riscv64-linux-gnu-gcc -march=rv64gcv -mabi=lp64d "${defines[@]}" -c "$vector_source" -o "$out/$variant/vector.o" ;;
        xtheadvector)
            riscv64-linux-gnu-gcc -E -P -x assembler-with-cpp "${defines[@]}" "$vector_source" -o "$out/$variant/vector.s"
            "$xt_as" -march=rv64gc_xtheadvector -mabi=lp64d "$out/$variant/vector.s" -o "$out/$variant/vector.o" ;;
    esac
    riscv64-linux-gnu-gcc -static "$out/$variant"/*.o -o "$out/kernel_test-$variant" -lm
}

status=0
# label, binary, the variant it must report, the lines it must write on stderr, qemu args...
run_kernel_test() {
    local label=$1 binary=$2 variant=$3 stderr_lines=$4; shift 4
    echo "== kernel test: $label"
    if ! qemu-riscv64 "$@" "$binary" >"$out/stdout" 2>"$out/stderr"; then
        echo "FAIL: kernel test $label" >&2
        status=1
    fi
    cat "$out/stdout" "$out/stderr"
    if [ "$(head -1 "$out/stdout")" != "variant: $variant" ]; then
        echo "FAIL: $label: expected 'variant: $variant'" >&2
        status=1
    fi
    if [ "$(wc -l <"$out/stderr")" != "$stderr_lines" ]; then
        echo "FAIL: $label: expected $stderr_lines line(s) on stderr" >&2
        status=1
    fi
}

for variant in rv64gc rvv xtheadvector; do build_kernel_test "$variant"; done
run_kernel_test "rv64gc (scalar)" "$out/kernel_test-rv64gc" scalar 0
for cpu in "rv64,v=true,vlen=128,vext_spec=v1.0" "rv64,v=true,vlen=256,vext_spec=v1.0" \
           "rv64,v=true,vlen=128,vext_spec=v1.0,rvv_ta_all_1s=true"; do
    run_kernel_test "RVV 1.0 on $cpu" "$out/kernel_test-rvv" rvv 0 -cpu "$cpu"
done
run_kernel_test "RVV 1.0 build on rv64 without vectors" "$out/kernel_test-rvv" \
    "scalar (rvv build; this CPU has no vector unit)" 1 -cpu rv64
run_kernel_test "XTheadVector build on rv64 without vectors" "$out/kernel_test-xtheadvector" \
    "scalar (xtheadvector build; this CPU has no vector unit)" 1 -cpu rv64
run_kernel_test "XTheadVector build on an RVV 1.0 CPU" "$out/kernel_test-xtheadvector" \
    "scalar (xtheadvector build; this CPU's vector unit is RVV 1.0)" 1 -cpu "rv64,v=true,vlen=128,vext_spec=v1.0"

[[ $status == 0 ]] && echo "duo kernels: all checks passed" || echo "duo kernels: FAILED" >&2
exit $status
