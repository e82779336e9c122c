#!/usr/bin/env bash
# The test command: Embedded riscv64 compile checks; the Duo's kernels under QEMU
# (rv64gc, RVV 1.0 and the fallbacks); the Duo binaries (scripts/build-duo.sh) under
# qemu-riscv64 against the host build and run.c's golden output; the C906 build's
# vector code against its RVV 1.0 twin, word by word; the deployment scripts (init
# script, install.sh, systemd units) against fakes; three replicas behind nginx
# (deploy/nginx, scripts/check-nginx.py); then the Swift test suite (release build);
# a part of the listening test set (scripts/listen-testset.py);
# then every libFuzzer target (scripts/fuzz.sh) for FUZZ_SECONDS each (20 by
# default: about 4 minutes with the build; 0 replays only the seeds).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/check-embedded.sh
bash scripts/check-duo-kernels.sh
python3 scripts/check-duo.py
python3 scripts/check-c906.py
bash scripts/check-deploy.sh
python3 scripts/check-nginx.py
swift test -c release
# Listening: a small part of the spoken-request test set (8 clean + 4 noisy espeak-ng
# requests) through the release binary, against a floor on the clean part.
python3 scripts/listen-testset.py --subset ci
python3 scripts/listen-testset.py --score --subset ci --min-understood 75 \
    --command '.build/release/babyllama listen --in {wav} --json'
bash scripts/fuzz.sh
