#!/usr/bin/env bash
# The test command: Embedded riscv64 compile checks, the Duo binary (deploy/duo/build.sh) under qemu
# against the host build and run.c's golden output, then the Swift test suite (release build).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/check-embedded.sh
bash scripts/check-duo.sh
swift test -c release
