#!/usr/bin/env bash
# Builds babyllama-duo: the engine (Sources/LlamaCore) and deploy/duo/main.swift
# compiled as Embedded Swift for riscv64 (rv64gc, hard float) and linked
# statically, for the Milk-V Duo. Needs Debian's gcc-riscv64-linux-gnu and
# libc6-dev-riscv64-cross (scripts/install-deps.sh). Try it with qemu-riscv64.
#
#   deploy/cross-build.sh [OUTPUT]      (default .build/riscv64/babyllama-duo)
#
# The Duo's own SDK links against musl: set CC to its riscv64 musl gcc and
# SYSROOT to its sysroot to build the binary that ships; glibc's static libc
# (the default here) runs the same code under qemu.
set -euo pipefail
cd "$(dirname "$0")/.."
output=${1:-.build/riscv64/babyllama-duo}
cc=${CC:-riscv64-linux-gnu-gcc}
sysroot=${SYSROOT:-/usr/riscv64-linux-gnu}
mkdir -p "$(dirname "$output")"
object=$(mktemp --suffix=.o)
trap 'rm -f "$object"' EXIT
swiftc -enable-experimental-feature Embedded -target riscv64-none-none-eabi \
    -Xcc -march=rv64gc -Xcc -mabi=lp64d -Xcc -isystem -Xcc "$sysroot/include" \
    -wmo -O -parse-as-library -module-name BabyLlamaDuo -I Sources/CShim/include \
    -c Sources/LlamaCore/*.swift deploy/duo/main.swift -o "$object"
"$cc" -static "$object" -o "$output" -lm -lpthread
echo "built $output"
