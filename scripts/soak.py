#!/usr/bin/env python3
"""Soak test: mixed traffic against `babyllama serve` for a while, watching its memory and file descriptors.

Starts the server on the bundled model (a free port, speech on when espeak-ng's data
is installed) and runs, for --duration seconds (default 600), several client threads:
/v1/generate plain and streaming, /v1/completions plain and streaming, /v1/speak,
/healthz, /health, /metrics and /v1/models, bad requests (malformed and wrong-typed
JSON, invalid UTF-8, an oversized body, unknown paths, wrong methods), clients that
disconnect in the middle of a stream or before reading the answer, and a few slow
clients that drip-feed their headers. Every few seconds it samples the server's RSS
(/proc/PID/status) and open descriptors (/proc/PID/fd). At the end it checks /healthz,
stops the server with SIGTERM and prints a summary: requests by kind and status, RSS
and fd min/max/last, errors.

Not part of the test command (it takes minutes). Exit status 1 when the server died,
answered 500, stopped answering /healthz, or did not exit 0 on SIGTERM; everything else
(503s under load, how slow clients are cut off) is reported, not judged.

    scripts/soak.py                          # 10 minutes, .build/release/babyllama
    scripts/soak.py --duration 60 --clients 4
"""
import argparse, collections, http.client, json, os, random, re, signal, socket, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROMPTS = ["Once upon a time", "Lily and Tom", "Tom and his dog", "The little bird", "A big red ball", ""]


class Stats:
    """Counts shared by the client threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = collections.defaultdict(collections.Counter)   # kind -> status -> count
        self.errors = collections.Counter()                            # "kind: ExceptionType" -> count
        self.samples = []                                              # (t, rss_kib, fds)

    def status(self, kind, status):
        with self.lock:
            self.statuses[kind][status] += 1

    def error(self, kind, error):
        with self.lock:
            self.errors[f"{kind}: {type(error).__name__}"] += 1


class Soak:
    def __init__(self, args):
        self.args = args
        self.stats = Stats()
        self.stop = threading.Event()
        self.speech = False

    # --- the server ---------------------------------------------------------------
    def start_server(self):
        config = json.load(open(os.path.join(ROOT, "Config", "babyllama.json")))
        config["server"]["port"] = 0
        config["speech"]["enabled"] = self.args.speech != "off"
        handle, self.config_path = tempfile.mkstemp(prefix="babyllama-soak-", suffix=".json")
        with os.fdopen(handle, "w") as file:
            json.dump(config, file)
        self.log = open(self.args.log, "wb")
        self.server = subprocess.Popen([self.args.binary, "serve", "--config", self.config_path],
                                       cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            text = open(self.args.log, "rb").read().decode("utf-8", "replace")
            match = re.search(r"listening on http://[^:]+:(\d+)", text)
            if match:
                self.port = int(match.group(1))
                break
            if self.server.poll() is not None:
                sys.exit(f"soak: the server exited with {self.server.returncode}:\n{text}")
            time.sleep(0.1)
        else:
            sys.exit("soak: the server did not start listening within 60 s")
        while time.time() < deadline:   # the model loads after the socket opens
            try:
                if self.request("GET", "/health")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        status, body = self.request("GET", "/v1/speak?text=Hello")
        self.speech = status == 200
        if self.args.speech == "on" and not self.speech:
            sys.exit(f"soak: speech was asked for but /v1/speak answers {status}: {body[:200]!r}")

    def stop_server(self):
        self.server.send_signal(signal.SIGTERM)
        try:
            return self.server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.server.kill()
            return "killed after 60 s"
        finally:
            os.unlink(self.config_path)

    def sample(self):
        pid = self.server.pid
        try:
            status = open(f"/proc/{pid}/status").read()
            rss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
            fds = len(os.listdir(f"/proc/{pid}/fd"))
        except (OSError, AttributeError):
            return
        with self.stats.lock:
            self.stats.samples.append((time.time(), rss, fds))

    # --- clients ------------------------------------------------------------------------
    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.args.timeout)

    def request(self, method, path, body=None, headers=None):
        connection = self.connection()
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def call(self, kind, method, path, body=None, headers=None):
        try:
            status, _ = self.request(method, path, body, headers)
            self.stats.status(kind, status)
        except Exception as error:   # counted, the soak goes on
            self.stats.error(kind, error)

    def generation_body(self, rng, completions=False, stream=False):
        body = {"prompt": rng.choice(PROMPTS) if not completions else [rng.choice(PROMPTS)],
                "max_tokens": rng.randint(8, 96), "seed": rng.randint(1, 1 << 40),
                "temperature": rng.choice([0, 0.8, 1.0]), "stream": stream}
        return json.dumps(body).encode()

    def streamed(self, kind, path, body, read_all=True):
        """A streaming request; reads to the end, or drops the connection after a few bytes."""
        connection = self.connection()
        try:
            connection.request("POST", path, body=body)
            response = connection.getresponse()
            self.stats.status(kind, response.status)
            if read_all:
                data = response.read()
                if response.status == 200 and b"[DONE]" not in data and b"\"stop_reason\"" not in data:
                    self.stats.error(kind, RuntimeError("stream ended without its last event"))
            else:
                response.read(64)
        except Exception as error:
            self.stats.error(kind, error)
        finally:
            connection.close()

    def bad_request(self, rng):
        cases = [
            ("bad: malformed", "POST", "/v1/generate", b'{"prompt": "x",', None),
            ("bad: wrong type", "POST", "/v1/generate", b'{"prompt": 5, "seed": "x"}', None),
            ("bad: invalid utf-8", "POST", "/v1/completions", b'{"prompt": "\xff\xfe"}', None),
            ("bad: too large", "POST", "/v1/generate", b'{"prompt": "' + b"a" * 100_000 + b'"}', None),
            ("bad: deep", "POST", "/v1/generate", b"[" * 5000 + b"]" * 5000, None),
            ("bad: not found", "GET", "/v1/nothing", None, None),
            ("bad: method", "GET", "/v1/generate", None, None),
            ("bad: empty", "POST", "/v1/generate", b"", None),
            ("bad: speak query", "GET", "/v1/speak?text=%FF&rate=9999", None, None),
        ]
        kind, method, path, body, headers = rng.choice(cases)
        self.call(kind, method, path, body, headers)

    def disconnect_before_answer(self):
        """Sends a whole request and closes the socket without reading the answer."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=self.args.timeout) as sock:
                body = b'{"prompt": "Once upon a time", "max_tokens": 64}'
                sock.sendall(b"POST /v1/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            self.stats.status("disconnect before answer", "sent")
        except Exception as error:
            self.stats.error("disconnect before answer", error)

    def slow_client(self, rng):
        """Drip-feeds a request's head a few bytes at a time, then reads what comes back."""
        head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow-soak\r\nX-Filler: " + b"z" * 40 + b"\r\n\r\n"
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=self.args.timeout) as sock:
                for start in range(0, len(head), 4):
                    if self.stop.is_set():
                        return
                    sock.sendall(head[start:start + 4])
                    time.sleep(rng.uniform(0.1, 0.5))
                answer = sock.recv(4096)
                status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else "closed"
                self.stats.status("slow client", status)
        except Exception as error:   # the server may cut slow clients off: counted, not judged
            self.stats.error("slow client", error)

    def client(self, seed):
        rng = random.Random(seed)
        actions = [
            (20, lambda: self.call("generate", "POST", "/v1/generate", self.generation_body(rng))),
            (12, lambda: self.streamed("generate stream", "/v1/generate", self.generation_body(rng, stream=True))),
            (10, lambda: self.call("completions", "POST", "/v1/completions", self.generation_body(rng, completions=True))),
            (6, lambda: self.streamed("completions stream", "/v1/completions",
                                      self.generation_body(rng, completions=True, stream=True))),
            (8, lambda: self.streamed("disconnect mid-stream", "/v1/generate",
                                      self.generation_body(rng, stream=True), read_all=False)),
            (3, self.disconnect_before_answer),
            (12, lambda: self.call("healthz", "GET", rng.choice(["/healthz", "/health", "/v1/models", "/v1/model"]))),
            (5, lambda: self.call("metrics", "GET", "/metrics")),
            (12, lambda: self.bad_request(rng)),
        ]
        if self.speech:
            actions.append((6, lambda: self.call("speak", "GET", "/v1/speak?text=" + rng.choice(
                ["Hello", "Once+upon+a+time", "The+end.", "Good%20night%2C%20Lily"]))))
        weights = [weight for weight, _ in actions]
        while not self.stop.is_set():
            rng.choices(actions, weights)[0][1]()

    def slow_clients(self, seed):
        rng = random.Random(seed)
        while not self.stop.is_set():
            self.slow_client(rng)

    # --- the run ------------------------------------------------------------------------
    def run(self):
        self.start_server()
        print(f"soak: server pid {self.server.pid} on port {self.port}, speech {'on' if self.speech else 'off'}, "
              f"{self.args.clients} clients + {self.args.slow_clients} slow, {self.args.duration:.0f} s", flush=True)
        threads = [threading.Thread(target=self.client, args=(index,), daemon=True) for index in range(self.args.clients)]
        threads += [threading.Thread(target=self.slow_clients, args=(1000 + index,), daemon=True)
                    for index in range(self.args.slow_clients)]
        for thread in threads:
            thread.start()
        started = time.time()
        next_report = started + 60
        while time.time() - started < self.args.duration and self.server.poll() is None:
            self.sample()
            if time.time() >= next_report:
                next_report += 60
                _, rss, fds = self.stats.samples[-1]
                done = sum(sum(counter.values()) for counter in self.stats.statuses.values())
                print(f"soak: {time.time() - started:4.0f} s  {done} requests  RSS {rss / 1024:.1f} MiB  fds {fds}", flush=True)
            time.sleep(self.args.sample_every)
        self.stop.set()
        for thread in threads:
            thread.join(timeout=self.args.timeout + 5)
        alive = self.server.poll() is None
        time.sleep(2)   # let connections close, then a last sample at rest
        self.sample()
        healthy = False
        if alive:
            try:
                healthy = self.request("GET", "/healthz")[0] == 200
            except OSError:
                pass
        exit_status = self.stop_server() if alive else self.server.returncode
        return self.summary(time.time() - started, alive, healthy, exit_status)

    def summary(self, elapsed, alive, healthy, exit_status):
        stats = self.stats
        total = sum(sum(counter.values()) for counter in stats.statuses.values())
        print(f"\nsoak summary: {elapsed:.0f} s, {total} requests ({total / elapsed:.1f}/s), "
              f"{sum(stats.errors.values())} client-side errors")
        print("requests by kind and status:")
        for kind in sorted(stats.statuses):
            counts = ", ".join(f"{status}: {count}" for status, count in sorted(stats.statuses[kind].items(), key=str))
            print(f"  {kind:26} {counts}")
        if stats.errors:
            print("client-side errors (timeouts, resets; expected for dropped and slow clients):")
            for name, count in sorted(stats.errors.items()):
                print(f"  {name:50} {count}")
        if stats.samples:
            rss = [sample[1] / 1024 for sample in stats.samples]
            fds = [sample[2] for sample in stats.samples]
            print(f"server RSS MiB: min {min(rss):.1f}  max {max(rss):.1f}  last {rss[-1]:.1f}  "
                  f"({len(rss)} samples, every {self.args.sample_every:g} s)")
            print(f"server fds:     min {min(fds)}  max {max(fds)}  last {fds[-1]}")
        statuses_500 = sum(counter.get(500, 0) for counter in stats.statuses.values())
        problems = []
        if not alive:
            problems.append(f"the server died (exit status {exit_status})")
        if statuses_500:
            problems.append(f"{statuses_500} answers were 500")
        if alive and not healthy:
            problems.append("/healthz did not answer 200 at the end")
        if alive and exit_status != 0:
            problems.append(f"SIGTERM: exit status {exit_status}")
        print(f"server: {'alive' if alive else 'DEAD'}, /healthz at the end {'200' if healthy else 'FAILED'}, "
              f"exit status after SIGTERM {exit_status}; log: {self.args.log}")
        for problem in problems:
            print(f"soak: PROBLEM: {problem}")
        return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "babyllama"))
    parser.add_argument("--duration", type=float, default=600, help="seconds of traffic (default 600)")
    parser.add_argument("--clients", type=int, default=5, help="client threads (default 5)")
    parser.add_argument("--slow-clients", type=int, default=2, help="slow-client threads (default 2)")
    parser.add_argument("--sample-every", type=float, default=2, help="seconds between RSS/fd samples")
    parser.add_argument("--timeout", type=float, default=60, help="client socket timeout in seconds")
    parser.add_argument("--speech", choices=["auto", "on", "off"], default="auto",
                        help="speech on when espeak-ng's data is there (auto), required (on), or off")
    parser.add_argument("--log", default=os.path.join(tempfile.gettempdir(), "babyllama-soak.log"),
                        help="the server's log")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"soak: {args.binary} not found: swift build -c release")
    sys.exit(Soak(args).run())


if __name__ == "__main__":
    main()
