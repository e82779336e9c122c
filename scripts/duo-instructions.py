#!/usr/bin/env python3
"""Counts the riscv64 instructions one token costs in the Duo binary, per function.

Debian's qemu-user has no TCG plugins, so this uses QEMU's execution log:
`qemu-riscv64 -d in_asm,exec,nochain` prints every translation block (TB) once
when it is translated (`IN:` and its instructions) and a `Trace` line every time a
TB runs (`nochain` stops QEMU from jumping TB to TB without logging). Instructions
executed = Σ over TBs of (instructions in the TB × times it ran), attributed to the
function the TB is in. The log goes through a FIFO, so nothing large is written.

The binary generates on one thread, as on the Duo's one core, from an empty prompt
(BOS only) with -n STEPS and again with
-n STEPS+1; the difference is one more forward pass (at position STEPS) plus one
sampling step: the cost of one token. The multiply-accumulates of a token's
matrix-vector products come from the checkpoint's header, for instructions per MAC.

    scripts/duo-instructions.py BINARY MODEL TOKENIZER [--steps 2] [--kernels simd]
        [--cpu rv64,v=true,vlen=128,vext_spec=v1.0] [--top 12]

BINARY is the static riscv64 Duo binary (scripts/build-duo.sh: .build-duo/babyllama,
or babyllama-rvv), run as `BINARY run MODEL -z TOKENIZER ...`. Counts are exact for what QEMU executes; a TB left early by
an exception is counted whole (rare: page faults on first touch of the mapping).
"""
import argparse
import collections
import os
import re
import struct
import subprocess
import sys
import tempfile
import threading

TRACE = re.compile(r"^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/")
INSTRUCTION = re.compile(r"^0x([0-9a-f]+):\s+[0-9a-f]+\s+(\S+)")

# Function-name patterns (demangled) → the kernel they belong to, first match wins.
CATEGORIES = [
    ("matvec q8 (C, assembly)", r"^riscv_matvec_q8(_scalar|_vector)?$"),
    ("matvec f32 (C, assembly)", r"^riscv_matvec_f32(_scalar|_vector)?$"),
    ("matmul dispatch (Swift)", r"Matmul\.|Transformer\.(matmul|multiply)"),
    ("matmul kernels (Swift)", r"matmul|matvec|groupDot|dotInt8"),
    ("quantize", r"quantize"),
    ("attention (scores, weighted sum)", r"attentionScores|weightedSum|AttentionKernels|Transformer\.attend"),
    ("softmax", r"softmax"),
    ("swiglu", r"swiglu"),
    ("rmsnorm", r"rmsnorm"),
    ("rope", r"RopeKernels|rotate|storeKey"),
    ("forward pass (Swift, inlined steps)", r"Transformer\.forward"),
    ("expf/libm", r"^(__)?(expf|exp|powf|sinf|cosf|__ieee754|__math|__sin|__cos|__exp|__pow)"),
    ("sampler", r"Sampler|sample|argmax"),
    ("memcpy/memset", r"^(memcpy|memset|memmove)"),
]


def demangle(names):
    """Swift symbols → readable names (swift-demangle --simplified), others unchanged."""
    names = list(names)
    try:
        result = subprocess.run(["swift-demangle", "--simplified", "--compact"], input="\n".join(names),
                                capture_output=True, text=True, check=True)
        out = result.stdout.splitlines()
        if len(out) == len(names):
            return dict(zip(names, out))
    except (OSError, subprocess.CalledProcessError):
        pass
    return {name: name for name in names}


def count(binary, args, cpu):
    """Runs the binary under QEMU; returns ({function: instructions executed},
    {(function, mnemonic): instructions executed})."""
    with tempfile.TemporaryDirectory() as scratch:
        fifo = os.path.join(scratch, "log")
        os.mkfifo(fifo)
        command = ["qemu-riscv64"] + (["-cpu", cpu] if cpu else []) + \
                  ["-d", "in_asm,exec,nochain", "-D", fifo, binary] + args
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        errors = []
        reader = threading.Thread(target=lambda: errors.append(process.stderr.read()))
        reader.start()
        blocks = {}       # TB start pc → (function, mnemonics of its instructions)
        runs = collections.Counter()
        with open(fifo, "r", errors="replace") as log:
            function, first, mnemonics = None, None, []
            for line in log:
                if line.startswith("Trace"):
                    match = TRACE.match(line)
                    if match:
                        runs[int(match.group(1), 16)] += 1
                elif line.startswith("IN:"):
                    if first is not None:
                        blocks[first] = (function, mnemonics)
                    function, first, mnemonics = line[3:].strip() or "?", None, []
                elif line.startswith("0x") and function is not None:
                    match = INSTRUCTION.match(line)
                    if match:
                        if first is None:
                            first = int(match.group(1), 16)
                        mnemonics.append(match.group(2))
                elif not line.strip() and first is not None:
                    blocks[first] = (function, mnemonics)
                    function, first, mnemonics = None, None, []
            if first is not None:
                blocks[first] = (function, mnemonics)
        process.wait()
        reader.join()
        if process.returncode != 0:
            sys.exit(f"duo-instructions: {' '.join(command)} failed:\n{errors[0].decode(errors='replace')}")
    totals, mix = collections.Counter(), collections.Counter()
    for pc, times in runs.items():
        function, mnemonics = blocks.get(pc, ("?", []))
        totals[function] += len(mnemonics) * times
        for mnemonic in mnemonics:
            mix[(function, mnemonic)] += times
    return totals, mix


def macs_per_token(model):
    """Multiply-accumulates of one token's matrix-vector products, from a llama2.c header."""
    with open(model, "rb") as f:
        head = f.read(40)
    offset = 8 if head[:4] == b"24ka" else 0     # v2 (Q8_0): magic 0x616b3432 ("ak42", little-endian) and version
    dim, hidden, layers, heads, kv_heads, vocab, _ = struct.unpack("7i", head[offset:offset + 28])
    kv_dim = dim * kv_heads // heads
    per_layer = 2 * dim * dim + 2 * dim * kv_dim + 3 * dim * hidden
    return layers * per_layer + abs(vocab) * dim


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("model")
    parser.add_argument("tokenizer")
    parser.add_argument("--steps", type=int, default=2, help="tokens before the one counted (default 2)")
    parser.add_argument("--kernels", default="simd")
    parser.add_argument("--cpu", default=None, help="qemu -cpu, e.g. rv64,v=true,vlen=128,vext_spec=v1.0")
    parser.add_argument("--top", type=int, default=12, help="functions listed (default 12)")
    options = parser.parse_args()

    def run(steps):
        return count(options.binary, ["run", options.model, "-z", options.tokenizer, "-t", "0", "-n", str(steps),
                                      "--kernels", options.kernels, "--threads", "1"], options.cpu)

    (before, before_mix), (after, after_mix) = run(options.steps), run(options.steps + 1)
    token = collections.Counter({f: after[f] - before.get(f, 0) for f in after})
    token_mix = collections.Counter({key: after_mix[key] - before_mix.get(key, 0) for key in after_mix})
    total = sum(token.values())
    names = demangle(token.keys())
    macs = macs_per_token(options.model)

    print(f"{options.binary} --kernels {options.kernels}" + (f" on -cpu {options.cpu}" if options.cpu else ""))
    print(f"run with -n {options.steps}: {sum(before.values()):,} instructions; "
          f"-n {options.steps + 1}: {sum(after.values()):,}")
    print(f"one token (position {options.steps}): {total:,} instructions; "
          f"{macs:,} matvec multiply-accumulates → {total / macs:.2f} instructions per MAC overall")
    grouped = collections.Counter()
    for function, instructions in token.items():
        readable = names.get(function, function)
        category = next((label for label, pattern in CATEGORIES if re.search(pattern, readable)), "other")
        grouped[category] += instructions
    print("by kernel:")
    for category, instructions in grouped.most_common():
        if instructions == 0:
            continue
        line = f"  {category:36} {instructions:>14,} {100 * instructions / total:6.2f}%"
        if category.startswith("matvec"):
            line += f"   {instructions / macs:.3f} instructions per MAC"
        print(line)
    # The matvec kernels' instructions by mnemonic: what a cycle model of a core
    # needs (vector loads, arithmetic and reductions, vsetvli, the scalar rest).
    kernel_mix = collections.Counter()
    for (function, mnemonic), times in token_mix.items():
        if re.match(r"^riscv_matvec_(f32|q8)(_scalar|_vector)?$", function) and times:
            kernel_mix[mnemonic] += times
    if kernel_mix:
        print("matvec kernels by instruction:")
        for mnemonic, times in kernel_mix.most_common():
            print(f"  {mnemonic:24} {times:>14,}")
    print(f"top {options.top} functions:")
    for function, instructions in token.most_common(options.top):
        readable = names.get(function, function)
        print(f"  {instructions:>14,} {100 * instructions / total:6.2f}%  {readable[:110]}")


if __name__ == "__main__":
    main()
