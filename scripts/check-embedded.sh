#!/usr/bin/env bash
# Compiles the library targets as Embedded Swift for the Duo's riscv64 CPU
# (compile only) — LlamaKernels, LlamaCore, StorySpeech and StoryService — proving they use no
# Foundation, existentials or other host-only features; then the C targets that
# open the speech and service libraries at first use. The C libraries' headers
# are copied into a scratch include directory so the compile sees them beside the
# riscv64 libc headers, never the host's /usr/include.
# Needs: libc6-dev-riscv64-cross, libespeak-ng-dev, libasound2-dev, libmicrohttpd-dev, libjansson-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/include"
cp -r /usr/include/espeak-ng /usr/include/alsa "$out/include/"
cp /usr/include/microhttpd.h /usr/include/jansson.h /usr/include/jansson_config.h "$out/include/"
common=(-enable-experimental-feature Embedded -target riscv64-none-none-eabi
        -Xcc -march=rv64gc -Xcc -mabi=lp64d
        -Xcc -isystem -Xcc /usr/riscv64-linux-gnu/include -Xcc -isystem -Xcc "$out/include"
        -wmo -parse-as-library -Werror EmbeddedRestrictions -I "$out" -I Sources/CShim/include
        -I Sources/CRiscvKernels/include)

# Swift accepts some things in Embedded mode that the project rules out: refuse them by name.
targets=(LlamaKernels LlamaCore StorySpeech StoryService)
for target in "${targets[@]}"; do
    if grep -nE '\bany [A-Z]|^import (Foundation|Dispatch)|\bMirror\(|: *(Codable|Decodable|Encodable)\b' \
        "Sources/$target"/*.swift; then
        echo "$target: uses something Embedded Swift code must not (see above)" >&2
        exit 1
    fi
done

# The kernels with -Ounchecked, as Package.swift and deploy/duo/build.sh build them.
swiftc "${common[@]}" -Ounchecked -module-name LlamaKernels \
    -emit-module -emit-module-path "$out/LlamaKernels.swiftmodule" \
    -c Sources/LlamaKernels/*.swift -o "$out/LlamaKernels.o"
echo "LlamaKernels: Embedded riscv64 compile OK"
swiftc "${common[@]}" -O -module-name LlamaCore \
    -emit-module -emit-module-path "$out/LlamaCore.swiftmodule" \
    -c Sources/LlamaCore/*.swift -o "$out/LlamaCore.o"
echo "LlamaCore: Embedded riscv64 compile OK"
swiftc "${common[@]}" -O -module-name StorySpeech -I Sources/CEspeak/include -I Sources/CAlsa/include \
    -emit-module -emit-module-path "$out/StorySpeech.swiftmodule" \
    -c Sources/StorySpeech/*.swift -o "$out/StorySpeech.o"
echo "StorySpeech: Embedded riscv64 compile OK"
# StoryService imports StorySpeech, so it sees StorySpeech's C modules too.
swiftc "${common[@]}" -O -module-name StoryService -I Sources/CMicroHTTPD/include -I Sources/CJansson/include \
    -I Sources/CEspeak/include -I Sources/CAlsa/include \
    -c Sources/StoryService/*.swift -o "$out/StoryService.o"
echo "StoryService: Embedded riscv64 compile OK"

# The C libraries are not linked but opened at first use: the forwarders that do it
# (Sources/CLazyLibrary, the lib*_forwarders.c files) must build for the Duo too.
clang="$(dirname "$(command -v swiftc)")/clang"
resource_dir=$("$clang" -print-resource-dir)
for target in CLazyLibrary CEspeak CAlsa CMicroHTTPD CJansson; do
    for source in Sources/"$target"/*.c; do
        "$clang" --target=riscv64-linux-gnu -march=rv64gc -mabi=lp64d -nostdinc -Werror -Wall -Wextra -O2 \
            -isystem "$resource_dir/include" -isystem /usr/riscv64-linux-gnu/include -isystem "$out/include" \
            -I Sources/CLazyLibrary/include -I "Sources/$target/include" \
            -c "$source" -o "$out/$(basename "$source" .c).o"
    done
done
echo "C library forwarders: riscv64 compile OK"
