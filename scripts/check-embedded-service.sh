#!/usr/bin/env bash
# Compiles the StoryService target (and the LlamaCore module it imports) as
# Embedded Swift for the Duo's riscv64 CPU, compile only: proof that the service
# uses no Foundation, existentials or other host-only features.
# Needs: libmicrohttpd-dev, libjansson-dev, libc6-dev-riscv64-cross (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Only the two libraries' headers, so host (x86-64) headers do not mix with the riscv64 glibc ones.
mkdir -p "$out/include"
for header in microhttpd.h jansson.h jansson_config.h; do
    cp "/usr/include/$header" "$out/include/"
done
common=(-enable-experimental-feature Embedded -target riscv64-none-none-eabi
        -Xcc -march=rv64gc -Xcc -mabi=lp64d
        -Xcc -isystem -Xcc "$out/include" -Xcc -isystem -Xcc /usr/riscv64-linux-gnu/include
        -wmo -O -parse-as-library)
swiftc "${common[@]}" -module-name LlamaCore -I Sources/CShim/include \
    -emit-module -emit-module-path "$out/LlamaCore.swiftmodule" \
    -c Sources/LlamaCore/*.swift -o "$out/LlamaCore.o"
swiftc "${common[@]}" -module-name StoryService -I "$out" -I Sources/CShim/include \
    -I Sources/CMicroHTTPD -I Sources/CJansson \
    -c Sources/StoryService/*.swift -o "$out/StoryService.o"
echo "StoryService: Embedded riscv64 compile OK"
