#!/usr/bin/env bash
# Installs the Debian packages BabyLlama builds and tests with (idempotent).
set -euo pipefail
packages=(
    libmicrohttpd-dev libjansson-dev            # the HTTP service
    libespeak-ng-dev espeak-ng-data libasound2-dev   # speech
    libpocketsphinx-dev pocketsphinx-en-us   # listening (pocketsphinx)
    espeak-ng sox                               # scripts/listen-testset.py speaks its requests (and resamples them)
    libc6-dev-riscv64-cross gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu qemu-user   # the Duo (riscv64) build
    dpkg-dev autoconf automake libtool make pkg-config   # scripts/build-duo.sh: apt-get source + cross-configure
    gcc                                         # scripts/build-duo.sh: builds binutils (the C906's assembler) for the host
    python3 python3-numpy                       # scripts/check-duo.py, scripts/make_model.py
    python3-venv                                # .venv for the ollama client (below)
    curl ca-certificates                        # service integration tests; scripts/build-duo.sh fetches sources
    busybox shellcheck                          # deployment checks (scripts/check-deploy.sh)
    nginx                                       # replicas behind a load balancer (scripts/check-nginx.py)
)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
# scripts/make_model.py runs under whatever python3 is first on PATH (a pyenv one,
# say), which may not see Debian's python3-numpy.
python3 -c 'import numpy' 2>/dev/null || python3 -m pip install --quiet numpy

# OllamaAPITests drive `babyllama serve` with Ollama's official Python client (PyPI `ollama`),
# installed into the project's own virtual environment, .venv: Debian's python3 is externally
# managed (PEP 668: pip refuses to install into it) and a pyenv one is shared, so neither is
# touched. Remade from scratch when it cannot import the client (a half-made or stale .venv).
venv="$(cd "$(dirname "$0")/.." && pwd)/.venv"
if ! "$venv/bin/python" -c 'import ollama' 2>/dev/null; then
    python3 -m venv --clear "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "ollama==0.6.3"
fi
