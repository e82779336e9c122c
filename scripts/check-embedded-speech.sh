#!/usr/bin/env bash
# Compiles the StorySpeech target as Embedded Swift for the Duo's riscv64 CPU
# (compile only), proving it uses no Foundation, existentials or other host-only
# features. The espeak-ng and ALSA headers are copied into a scratch include
# directory so the compile sees them beside the riscv64 libc headers, never the
# host's /usr/include. Needs: libespeak-ng-dev libasound2-dev libc6-dev-riscv64-cross.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/include"
cp -r /usr/include/espeak-ng "$out/include/espeak-ng"
cp -r /usr/include/alsa "$out/include/alsa"
common=(-enable-experimental-feature Embedded -target riscv64-none-none-eabi
        -Xcc -march=rv64gc -Xcc -mabi=lp64d -Xcc -isystem -Xcc /usr/riscv64-linux-gnu/include
        -Xcc -isystem -Xcc "$out/include"
        -wmo -O -parse-as-library -Werror EmbeddedRestrictions)
# Swift 6.3 accepts some things in Embedded mode that the project rules out
# (existentials, Foundation, Dispatch, Mirror, Codable): refuse them by name.
if grep -nE '\bany [A-Z]|^import (Foundation|Dispatch)|\bMirror\(|: *(Codable|Decodable|Encodable)\b' Sources/StorySpeech/*.swift; then
    echo "StorySpeech: uses something Embedded Swift code here must not (see above)" >&2
    exit 1
fi
swiftc "${common[@]}" -module-name StorySpeech \
    -I Sources/CShim/include -I Sources/CEspeak -I Sources/CAlsa \
    -emit-module -emit-module-path "$out/StorySpeech.swiftmodule" \
    -c Sources/StorySpeech/*.swift -o "$out/StorySpeech.o"
echo "StorySpeech: Embedded riscv64 compile OK"
