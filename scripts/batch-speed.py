#!/usr/bin/env python3
"""Continuous batching measured: the same N stories asked of `babyllama serve` one after
another, then all at once, on this host.

Starts `babyllama serve --max-batch N` on a stories15M-shaped model (seeded random
weights from scripts/make_model.py, written if missing; the speed does not depend on the
values), sends one warm-up request, then N requests of `--tokens` tokens each (mixed
prompts and seeds, top_p 0.9, `--temperature`, 1.0 by default) one after another, then the same N
from N threads at once, `--runs` times over. Checks that every story's tokens are the
same both ways, and prints the best wall time of each and their ratio (issue 13's target:
concurrent <= 40% of sequential; the best of several, so that other work on the machine
in one round does not decide it). Not run by the tests: timings depend on the machine and what else it does.

Usage:
  scripts/batch-speed.py [--q8] [--clients 8] [--tokens 128] [--threads 2] [--temperature 1.0] [--runs 5]
                         [--model /tmp/m15.bin] [--tokenizer models/tokenizer.bin]
                         [--babyllama .build/release/babyllama]
  --q8  serve the model quantized to Q8_0 (make_model.py --from-v0 MODEL --version 2)
Exit status: 0 when the tokens match (whatever the ratio), 1 when they do not.
"""
import argparse, json, os, re, signal, subprocess, sys, threading, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROMPTS = ["Once upon a time", "Lily and Ben went to the park", "The little cat", "Tom had a red ball",
           "One day, a big dog", "Sara wanted to fly", "There was a tree", "Mom said"]


def make_models(args):
    """The fp32 model (written if missing) and, with --q8, its Q8_0 twin; returns the one served."""
    maker = os.path.join(ROOT, "scripts", "make_model.py")
    if not os.path.exists(args.model):
        subprocess.run([sys.executable, maker, args.model, "--seed", "1"], check=True)
    if not args.q8:
        return args.model
    quantized = args.model[:-4] + "_q80.bin" if args.model.endswith(".bin") else args.model + ".q80"
    if not os.path.exists(quantized):
        subprocess.run([sys.executable, maker, quantized, "--from-v0", args.model, "--version", "2"], check=True)
    return quantized


class Server:
    """`babyllama serve` on a free loopback port, stopped with SIGTERM."""

    def __init__(self, args, model):
        command = [args.babyllama, "serve", "--host", "127.0.0.1", "--port", "0", "--model", model,
                   "--tokenizer", args.tokenizer, "--threads", str(args.threads),
                   "--max-batch", str(args.clients), "--queue-size", str(args.clients)]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        text=True)
        self.log = []
        self.port = None
        while True:
            line = self.process.stderr.readline()
            if not line:
                sys.exit("babyllama serve stopped:\n" + "".join(self.log))
            self.log.append(line)
            match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if match:
                self.port = int(match.group(1))
            if ") loaded in " in line:
                break
        # Keep reading the log so the server never blocks on a full pipe.
        threading.Thread(target=lambda: [self.log.append(l) for l in self.process.stderr], daemon=True).start()

    def post(self, path, body):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=600) as answer:
            return json.loads(answer.read())

    def metrics(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=60) as answer:
            return answer.read().decode()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="/tmp/m15.bin")
    ap.add_argument("--tokenizer", default=os.path.join(ROOT, "models", "tokenizer.bin"))
    ap.add_argument("--babyllama", default=os.path.join(ROOT, ".build", "release", "babyllama"))
    ap.add_argument("--q8", action="store_true")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=5, help="rounds of both (the best of each is compared)")
    args = ap.parse_args()

    model = make_models(args)
    bodies = [{"prompt": PROMPTS[i % len(PROMPTS)], "seed": 1000 + i, "max_tokens": args.tokens,
               "temperature": args.temperature} for i in range(args.clients)]
    server = Server(args, model)
    try:
        print(next(line.strip() for line in server.log if "batch: up to" in line))
        server.post("/v1/generate", {"prompt": "Warm up", "seed": 1, "max_tokens": 16})

        sequential, concurrent = [], []
        for _ in range(args.runs):
            start = time.monotonic()
            alone = [server.post("/v1/generate", body)["tokens"] for body in bodies]
            sequential.append(time.monotonic() - start)

            together = [None] * len(bodies)
            barrier = threading.Barrier(len(bodies) + 1)

            def client(index):
                barrier.wait()
                together[index] = server.post("/v1/generate", bodies[index])["tokens"]

            threads = [threading.Thread(target=client, args=(i,)) for i in range(len(bodies))]
            for thread in threads:
                thread.start()
            barrier.wait()
            start = time.monotonic()
            for thread in threads:
                thread.join()
            concurrent.append(time.monotonic() - start)
            if together != alone:
                break

        occupancy = dict(re.findall(r"^babyllama_batch_occupancy_(sum|count) (\S+)$", server.metrics(), re.M))
    finally:
        server.stop()

    same = alone == together
    counts = sorted({len(tokens) for tokens in alone})
    steps = float(occupancy.get("count", 0))
    mean = float(occupancy.get("sum", 0)) / steps if steps else 0
    generated = sum(map(len, alone))
    best_sequential, best_concurrent = min(sequential), min(concurrent)
    print(f"model {model}, {args.threads} threads, {args.clients} clients x {args.tokens} tokens "
          f"at temperature {args.temperature} (generated: {', '.join(map(str, counts))}); best of {len(sequential)} runs")
    print(f"sequential: {best_sequential:.2f} s ({generated / best_sequential:.1f} tok/s; runs: "
          f"{', '.join(f'{t:.2f}' for t in sequential)})")
    print(f"concurrent: {best_concurrent:.2f} s ({generated / best_concurrent:.1f} tok/s; runs: "
          f"{', '.join(f'{t:.2f}' for t in concurrent)}; {mean:.2f} stories a step on average over all steps)")
    print(f"concurrent / sequential: {best_concurrent / best_sequential:.1%} (target <= 40%)")
    print("tokens: identical" if same else "tokens: DIFFERENT")
    for index, (a, b) in enumerate(zip(alone, together)):
        if a != b:
            print(f"  story {index}: alone {len(a)} tokens, together {len(b)}; first difference at "
                  f"{next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
