#!/usr/bin/env bash
# One command on a fresh Debian machine with the Swift toolchain: install the
# system packages, build the release binary, and tell a story with the bundled
# model (greedy, so the output is the same every time).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# The Swift runtime linked in: only the pages used become resident (~4 MB less than shared libraries).
swift build -c release --static-swift-stdlib
echo "== babyllama run -t 0 -n 200   (the bundled stories260K, greedy: llama2.c's test story)"
.build/release/babyllama run -t 0 -n 200
