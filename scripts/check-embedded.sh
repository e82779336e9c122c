#!/usr/bin/env bash
# Compiles the Embedded-Swift-clean targets for the Duo's riscv64 CPU (compile only),
# proving they use no Foundation, existentials or other host-only features.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
common=(-enable-experimental-feature Embedded -target riscv64-none-none-eabi
        -Xcc -march=rv64gc -Xcc -mabi=lp64d -Xcc -isystem -Xcc /usr/riscv64-linux-gnu/include
        -wmo -O -parse-as-library)
swiftc "${common[@]}" -module-name LlamaCore -I Sources/CShim/include \
    -emit-module -emit-module-path "$out/LlamaCore.swiftmodule" \
    -c Sources/LlamaCore/*.swift -o "$out/LlamaCore.o"
echo "LlamaCore: Embedded riscv64 compile OK"
