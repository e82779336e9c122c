#!/usr/bin/env bash
# Cross-builds babyllama-duo (Embedded Swift, riscv64, static) and runs it under
# qemu-riscv64 on the bundled model: its output must equal run.c's, byte for
# byte, for the golden greedy and sampled cases (Tests/Fixtures/generate.jsonl).
set -euo pipefail
cd "$(dirname "$0")/.."
binary=.build/riscv64/babyllama-duo
bash deploy/cross-build.sh "$binary" >/dev/null
python3 - "$binary" <<'PY'
import json, subprocess, sys
binary = sys.argv[1]
failures = 0
for line in open("Tests/Fixtures/generate.jsonl"):
    case = json.loads(line)
    if case["model"] != "gqa260k.bin":
        continue
    command = ["qemu-riscv64", binary, "models/gqa260k.bin", "-z", "models/tok512.bin",
               "-t", str(case["temperature"]), "-p", str(case["topp"]), "-s", str(case["seed"]),
               "-n", str(case["steps"]), "-i", case["prompt"]]
    result = subprocess.run(command, capture_output=True, timeout=300)
    same = result.returncode == 0 and result.stdout == case["text"].encode()
    print(f"{case['name']}: {'same as run.c' if same else 'DIFFERENT'} under qemu-riscv64")
    failures += not same
bad = subprocess.run(["qemu-riscv64", binary, "models/missing.bin"], capture_output=True)
lines = bad.stderr.decode().strip().splitlines()
ok = bad.returncode != 0 and len(lines) == 1 and lines[0].startswith("babyllama: error:")
print(f"missing checkpoint: {'one error line, exit ' + str(bad.returncode) if ok else 'WRONG'}")
failures += not ok
sys.exit(1 if failures else 0)
PY
