#!/usr/bin/env bash
# Verifies the Duo's riscv64 kernels (Sources/CShim/riscv_kernels_*.c) under QEMU:
#
# 1. Tests/riscv/kernel_test.c, linked with the kernels built for rv64gc (the
#    scalar kernels) and for rv64gcv (RVV 1.0), run under qemu-riscv64 (rv64gc) and
#    `-cpu rv64,v=true,vlen=128|256,vext_spec=v1.0`: Q8_0 bit-exact with runq.c's
#    loop, fp32 within its rounding bound, on the model shapes and random odd ones.
# 2. End to end: LlamaCore and a Duo main (deploy/duo/main.swift) as Embedded Swift
#    for riscv64, linked with the kernels for rv64gc and for rv64gcv; the greedy
#    generation of models/gqa260k.bin must print the golden text of
#    Tests/Fixtures/generate.jsonl (gqa260k_greedy) under each QEMU CPU.
#
#   With M15=/path/m15.bin and/or M15Q=/path/m15q.bin (stories15M's shape, seed 1,
#   as the tests write them or `make_model.py m15.bin --seed 1` and
#   `--from-v0 m15.bin --version 2`; checked by sha256), also the first 32 positions
#   of their greedy goldens (m15_greedy, m15q_greedy): Q8_0 is bit-exact, and fp32 with its
#   reordered sums must still pick the same tokens.
#
#   scripts/check-duo-kernels.sh [--kernels-only]
#
# Needs: swiftc (its clang builds the C), gcc-riscv64-linux-gnu (links),
# libc6-dev-riscv64-cross, qemu-user. Exits non-zero on any mismatch.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
clang="$(dirname "$(command -v swiftc)")/clang"
sysroot=/usr/riscv64-linux-gnu
cpus_rvv=("rv64,v=true,vlen=128,vext_spec=v1.0" "rv64,v=true,vlen=256,vext_spec=v1.0")

# Compiles every Sources/CShim/*.c for riscv64 with -march=$1 into $out/$1/ (as deploy/duo/build.sh does).
compile_kernels() {
    local march=$1
    mkdir -p "$out/$march"
    for source in Sources/CShim/*.c; do
        "$clang" --target=riscv64-linux-gnu -march="$march" -mabi=lp64d -O2 -Wall -Wextra -Werror \
            -isystem "$sysroot/include" -I Sources/CShim/include \
            -c "$source" -o "$out/$march/$(basename "$source" .c).o"
    done
}

status=0
for march in rv64gc rv64gcv; do
    compile_kernels "$march"
    "$clang" --target=riscv64-linux-gnu -march="$march" -mabi=lp64d -O2 -Wall -Wextra -Werror \
        -isystem "$sysroot/include" -I Sources/CShim/include \
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

if [[ "${1:-}" == "--kernels-only" ]]; then
    [[ $status == 0 ]] && echo "duo kernels: all checks passed" || echo "duo kernels: FAILED" >&2
    exit $status
fi

# End to end: the Duo binary for each -march, greedy gqa260k against the golden text.
swift_object="$out/duo.o"
swiftc -enable-experimental-feature Embedded -target riscv64-none-none-eabi \
    -Xcc -march=rv64gc -Xcc -mabi=lp64d -Xcc -isystem -Xcc "$sysroot/include" \
    -wmo -O -parse-as-library -module-name BabyLlamaDuo -I Sources/CShim/include \
    -c Sources/LlamaCore/*.swift deploy/duo/main.swift -o "$swift_object"
for march in rv64gc rv64gcv; do
    riscv64-linux-gnu-gcc -static "$swift_object" $(ls "$out/$march"/*.o | grep -v kernel_test) \
        -o "$out/babyllama-duo-$march" -lm -lpthread
done

golden() {   # field of the gqa260k_greedy golden
    python3 -c "import json,sys
for line in open('Tests/Fixtures/generate.jsonl'):
    d = json.loads(line)
    if d['name'] == 'gqa260k_greedy': sys.stdout.write(str(d[sys.argv[1]]))" "$1"
}
steps=$(golden steps)
golden "text" > "$out/golden.txt"

run_end_to_end() {   # label, binary, kernels, qemu args...
    local label=$1 binary=$2 kernels=$3; shift 3
    echo "== gqa260k greedy, $steps steps: $label, --kernels $kernels"
    qemu-riscv64 "$@" "$binary" models/gqa260k.bin -z models/tok512.bin -t 0 -n "$steps" \
        --kernels "$kernels" > "$out/got.txt" 2> "$out/stderr.txt" || { cat "$out/stderr.txt" >&2; status=1; return; }
    if cmp -s "$out/got.txt" "$out/golden.txt"; then
        echo "matches the golden ($(wc -c < "$out/golden.txt") bytes)"
    else
        echo "FAIL: $label --kernels $kernels differs from the golden:" >&2
        diff <(head -c 400 "$out/golden.txt") <(head -c 400 "$out/got.txt") >&2 || true
        status=1
    fi
}
run_end_to_end "rv64gc" "$out/babyllama-duo-rv64gc" simd
run_end_to_end "rv64gc" "$out/babyllama-duo-rv64gc" scalar
for cpu in "${cpus_rvv[@]}"; do
    run_end_to_end "rv64gcv on $cpu" "$out/babyllama-duo-rv64gcv" simd -cpu "$cpu"
done

# The 15M shape, if given: the first 32 positions of a golden, a prefix of its text.
run_m15() {   # golden name, model path, expected sha256, label, binary, qemu args...
    local name=$1 model=$2 sha=$3 label=$4 binary=$5; shift 5
    if [[ "$(sha256sum "$model" | cut -d' ' -f1)" != "$sha" ]]; then
        echo "FAIL: $model is not the seed-1 15M-shape model ($name)" >&2; status=1; return
    fi
    python3 -c "import json,sys
for line in open('Tests/Fixtures/generate.jsonl'):
    d = json.loads(line)
    if d['name'] == sys.argv[1]: sys.stdout.write(d['text'])" "$name" > "$out/golden15.txt"
    echo "== $name, first 32 positions: $label"
    qemu-riscv64 "$@" "$binary" "$model" -z models/tokenizer.bin -t 0 -n 32 -i "Once upon a time" \
        --kernels simd > "$out/got15.txt" 2> "$out/stderr.txt" || { cat "$out/stderr.txt" >&2; status=1; return; }
    if python3 -c "import sys
golden = open(sys.argv[1], 'rb').read(); got = open(sys.argv[2], 'rb').read().rstrip(b'\\n')
sys.exit(0 if got and golden.startswith(got) else 1)" "$out/golden15.txt" "$out/got15.txt"; then
        echo "matches the golden's first $(wc -c < "$out/got15.txt") bytes"
    else
        echo "FAIL: $name under $label differs from the golden" >&2; status=1
    fi
}
if [[ -n "${M15:-}" ]]; then
    run_m15 m15_greedy "$M15" e45b1bc9a946c953b529742d0deb4a1934cfaf19b0ae231560e3262ffeb4aeaf \
        rv64gc "$out/babyllama-duo-rv64gc"
    run_m15 m15_greedy "$M15" e45b1bc9a946c953b529742d0deb4a1934cfaf19b0ae231560e3262ffeb4aeaf \
        "rv64gcv on ${cpus_rvv[0]}" "$out/babyllama-duo-rv64gcv" -cpu "${cpus_rvv[0]}"
fi
if [[ -n "${M15Q:-}" ]]; then
    run_m15 m15q_greedy "$M15Q" 2914461171b10932b094fdecff772c6d6f086b515b4f6d52ce538e39a37b7d55 \
        rv64gc "$out/babyllama-duo-rv64gc"
    run_m15 m15q_greedy "$M15Q" 2914461171b10932b094fdecff772c6d6f086b515b4f6d52ce538e39a37b7d55 \
        "rv64gcv on ${cpus_rvv[0]}" "$out/babyllama-duo-rv64gcv" -cpu "${cpus_rvv[0]}"
fi

[[ $status == 0 ]] && echo "duo kernels: all checks passed" || echo "duo kernels: FAILED" >&2
exit $status
