#!/usr/bin/env bash
# One command on a fresh Debian machine with the Swift toolchain: install the
# system packages, build the release binary, and tell a story with the bundled
# model (greedy, so the output is the same every time).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# The Swift runtime linked in: only the pages used become resident (~4 MB less than shared libraries).
swift build -c release --static-swift-stdlib
echo "== babyllama run models/gqa260k.bin -t 0 -n 128 (bundled model; its text is not meaningful, see README)"
.build/release/babyllama run models/gqa260k.bin -z models/tok512.bin -t 0 -n 128
