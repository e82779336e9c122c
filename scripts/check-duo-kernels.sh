#!/usr/bin/env bash
# Verifies the Duo's riscv64 kernels (Sources/CRiscvKernels/riscv_kernels_*.c) under QEMU:
#
# 1. Tests/riscv/kernel_test.c, linked with the kernels built for rv64gc (the
#    scalar kernels) and for rv64gcv (RVV 1.0), run under qemu-riscv64 (rv64gc) and
#    `-cpu rv64,v=true,vlen=128|256,vext_spec=v1.0`: Q8_0 bit-exact with runq.c's
#    loop (riscv_kernels_reference.c, built beside them), fp32 within its rounding
#    bound, on the model shapes and random odd ones.
# The whole Duo binary, built with these kernels for rv64gc and for RVV 1.0, is
# checked end to end against the goldens by scripts/check-duo.py.
#
#   scripts/check-duo-kernels.sh
#
# Needs: swiftc (its clang builds the C), gcc-riscv64-linux-gnu (links),
# libc6-dev-riscv64-cross, qemu-user. Exits non-zero on any mismatch.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
clang="$(dirname "$(command -v swiftc)")/clang"
sysroot=/usr/riscv64-linux-gnu
cpus_rvv=("rv64,v=true,vlen=128,vext_spec=v1.0" "rv64,v=true,vlen=256,vext_spec=v1.0")

# Compiles every Sources/CRiscvKernels/*.c for riscv64 with -march=$1 into $out/$1/
# (as scripts/build-duo.sh does).
compile_kernels() {
    local march=$1
    mkdir -p "$out/$march"
    for source in Sources/CRiscvKernels/*.c; do
        "$clang" --target=riscv64-linux-gnu -march="$march" -mabi=lp64d -O2 -Wall -Wextra -Werror \
            -isystem "$sysroot/include" -I Sources/CRiscvKernels/include \
            -c "$source" -o "$out/$march/$(basename "$source" .c).o"
    done
}

status=0
for march in rv64gc rv64gcv; do
    compile_kernels "$march"
    "$clang" --target=riscv64-linux-gnu -march="$march" -mabi=lp64d -O2 -Wall -Wextra -Werror \
        -isystem "$sysroot/include" -I Sources/CRiscvKernels/include \
        -c Tests/riscv/kernel_test.c -o "$out/$march/kernel_test.o"
    riscv64-linux-gnu-gcc -static "$out/$march"/*.o -o "$out/kernel_test-$march" -lm
done

run_kernel_test() {   # label, binary, qemu args...
    local label=$1 binary=$2; shift 2
    echo "== kernel test: $label"
    if ! qemu-riscv64 "$@" "$binary"; then
        echo "FAIL: kernel test $label" >&2
        status=1
    fi
}
run_kernel_test "rv64gc (scalar)" "$out/kernel_test-rv64gc"
for cpu in "${cpus_rvv[@]}"; do
    run_kernel_test "rv64gcv on $cpu" "$out/kernel_test-rv64gcv" -cpu "$cpu"
done

[[ $status == 0 ]] && echo "duo kernels: all checks passed" || echo "duo kernels: FAILED" >&2
exit $status
