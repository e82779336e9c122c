#!/usr/bin/env bash
# Compiles every Swift target of the Duo's program as Embedded Swift for the Duo's
# riscv64 CPU (compile only) — Support, LlamaKernels, LlamaCore, StorySpeech, StoryListening, StoryService, the
# command line BabyLlamaCLI and the entry point BabyLlamaDuo — proving they use no
# Foundation, existentials or other host-only features, in seconds (the full
# static build and its checks under QEMU are scripts/check-duo.py). The C
# libraries' headers are copied into a scratch include directory so the compile
# sees them beside the riscv64 libc headers, never the host's /usr/include.
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
        -wmo -parse-as-library -Werror EmbeddedRestrictions -I "$out" -I Sources/CPosix/include
        -I Sources/CRiscvKernels/include)

# Swift accepts some things in Embedded mode that the project rules out: refuse them by name.
targets=(Support LlamaKernels LlamaCore StorySpeech StoryListening StoryService BabyLlamaCLI BabyLlamaDuo)
for target in "${targets[@]}"; do
    if grep -rnE --include='*.swift' '\bany [A-Z]|^import (Foundation|Dispatch)|\bMirror\(|: *(Codable|Decodable|Encodable)\b' \
        "Sources/$target"; then
        echo "$target: uses something Embedded Swift code must not (see above)" >&2
        exit 1
    fi
done

# Each target whole, in dependency order, as scripts/build-duo.sh compiles them;
# every module sees the C modules its dependencies import.
c_modules=(-I Sources/CEspeak/include -I Sources/CAlsa/include -I Sources/CMicroHTTPD/include
           -I Sources/CJansson/include -I Sources/CPocketSphinx/include)
for target in "${targets[@]}"; do
    mapfile -t sources < <(find "Sources/$target" -name '*.swift' | LC_ALL=C sort)
    # As Package.swift: only the kernels drop overflow checks.
    optimization=-O; [ "$target" = LlamaKernels ] && optimization=-Ounchecked
    swiftc "${common[@]}" "${c_modules[@]}" $optimization -module-name "$target" \
        -emit-module -emit-module-path "$out/$target.swiftmodule" \
        -c "${sources[@]}" -o "$out/$target.o"
    echo "$target: Embedded riscv64 compile OK"
done
