#!/usr/bin/env python3
"""BabyLlama's speed side by side with llama2.c's run.c / runq.c, in one run, on this host.

Point it at a llama2.c checkout (or any directory holding run.c and runq.c). It builds
them with the flags people use (-Ofast -march=native, and the same plus -fopenmp),
writes the stories15M- and 42M-shaped test models with scripts/make_model.py (seeded
random weights; the speed does not depend on the values), then alternates runs of
`babyllama run` and the reference on the same model, prompt and step count (greedy) and
prints the median tok/s of each ("achieved tok/s", as run.c reports it) and the median
of the per-pair ratios. Figures from different hosts do not compare; ratios from one
run do. Only the project is needed (no ../shared).

Usage:
  scripts/speed_vs_llama2c.py --llama2c ~/llama2.c [--babyllama .build/release/babyllama]
                              [--work DIR] [--runs N] [--only fp32x1,fp32x2,q8x2,f16x2,m42x2]
                              [--threads 2] [--cc gcc]
Cases:
  fp32x1  fp32, 1 thread, vs run.c -Ofast -march=native
  fp32x2  fp32, N threads, vs run.c + OpenMP (OMP_NUM_THREADS=N)
  q8x2    Q8_0, N threads, vs runq.c + OpenMP
  f16x2   babyllama --weights f16 vs run.c + OpenMP (fp32), N threads
  m42x2   42M shape, 1024 positions, N threads, vs run.c + OpenMP
"""
import argparse, os, re, statistics, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build(src, work, cc):
    out = {}
    for name, source, flags in (("run_native", "run.c", ["-Ofast", "-march=native"]),
                                ("run_omp", "run.c", ["-Ofast", "-march=native", "-fopenmp"]),
                                ("runq_omp", "runq.c", ["-Ofast", "-march=native", "-fopenmp"])):
        path = os.path.join(src, source)
        if not os.path.exists(path):
            sys.exit("no %s in %s" % (source, src))
        exe = os.path.join(work, name)
        if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(path):
            subprocess.run([cc, *flags, "-o", exe, path, "-lm"], check=True)
        out[name] = exe
    return out


def models(work):
    make = [sys.executable, os.path.join(ROOT, "scripts", "make_model.py")]
    want = {"m15.bin": ["--seed", "1"],
            "m42.bin": ["--dim", "512", "--hidden", "1376", "--layers", "8", "--heads", "8",
                        "--vocab", "32000", "--seq", "1024", "--seed", "3"]}
    for name, args in want.items():
        path = os.path.join(work, name)
        if not os.path.exists(path):
            subprocess.run(make + [path] + args, check=True, stdout=subprocess.DEVNULL)
    q = os.path.join(work, "m15q.bin")
    if not os.path.exists(q):
        subprocess.run(make + [q, "--from-v0", os.path.join(work, "m15.bin"), "--version", "2"], check=True,
                       stdout=subprocess.DEVNULL)


def rate(cmd, env=None):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=dict(os.environ, **(env or {})))
    m = re.search(r"achieved tok/s:\s*([0-9.]+)", r.stderr)
    if r.returncode or not m:
        sys.exit("no 'achieved tok/s' from: %s\n%s" % (" ".join(cmd), r.stderr[-400:]))
    return float(m.group(1))


def pair(ours, theirs, env, n):
    a, b = [], []
    for _ in range(n):
        a.append(rate(ours))
        b.append(rate(theirs, env))
    return statistics.median(x / y for x, y in zip(a, b)), statistics.median(a), statistics.median(b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--llama2c", required=True, help="directory holding llama2.c's run.c and runq.c")
    ap.add_argument("--babyllama", default=os.path.join(ROOT, ".build", "release", "babyllama"))
    ap.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "babyllama-vs-llama2c"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default="fp32x1,fp32x2,q8x2,f16x2,m42x2")
    ap.add_argument("--threads", type=int, default=2, help="threads of the multi-threaded cases")
    ap.add_argument("--tokenizer", default=os.path.join(ROOT, "models", "tokenizer.bin"))
    ap.add_argument("--cc", default=os.environ.get("CC", "gcc"))
    a = ap.parse_args()
    if not os.path.exists(a.babyllama):
        sys.exit("no %s (swift build -c release first)" % a.babyllama)
    os.makedirs(a.work, exist_ok=True)
    ref = build(os.path.expanduser(a.llama2c), a.work, a.cc)
    models(a.work)
    w = lambda f: os.path.join(a.work, f)
    base = ["-z", a.tokenizer, "-t", "0", "-n", "256", "-i", "Once upon a time"]
    long = ["-z", a.tokenizer, "-t", "0", "-n", "1024", "-i", "Once upon a time"]
    threads = str(a.threads)
    omp = {"OMP_NUM_THREADS": threads}
    me = os.path.abspath(a.babyllama)
    cases = {
        "fp32x1": ([me, "run", w("m15.bin")] + base + ["--threads", "1"], [ref["run_native"], w("m15.bin")] + base, {},
                   "run.c -Ofast -march=native, 1 thread"),
        "fp32x2": ([me, "run", w("m15.bin")] + base + ["--threads", threads], [ref["run_omp"], w("m15.bin")] + base, omp,
                   "run.c +OpenMP, %s threads" % threads),
        "q8x2": ([me, "run", w("m15q.bin")] + base + ["--threads", threads], [ref["runq_omp"], w("m15q.bin")] + base, omp,
                 "runq.c +OpenMP, %s threads (Q8_0)" % threads),
        "f16x2": ([me, "run", w("m15.bin")] + base + ["--threads", threads, "--weights", "f16"],
                  [ref["run_omp"], w("m15.bin")] + base, omp,
                  "ours fp16 weights vs run.c +OpenMP fp32, %s threads" % threads),
        "m42x2": ([me, "run", w("m42.bin")] + long + ["--threads", threads], [ref["run_omp"], w("m42.bin")] + long, omp,
                  "42M shape, 1024 positions, run.c +OpenMP, %s threads" % threads),
    }
    print("%-7s %9s %9s %7s  %s" % ("case", "ours", "llama2.c", "ratio", "against"))
    for name in a.only.split(","):
        if name not in cases:
            sys.exit("unknown case %s (known: %s)" % (name, ",".join(cases)))
        ours, theirs, env, what = cases[name]
        r, x, y = pair(ours, theirs, env, max(1, min(a.runs, 3)) if name == "m42x2" else a.runs)
        print("%-7s %9.0f %9.0f %6.2fx  %s" % (name, x, y, r, what), flush=True)


if __name__ == "__main__":
    main()
