#!/usr/bin/env python3
"""Runs deploy/nginx/babyllama.conf in front of three `babyllama serve` replicas,
all on 127.0.0.1, nginx as the current user with its files in a temporary
directory (no root needed):
 (a) deploy/nginx/replicas.sh starts 3 replicas of the bundled model on
     consecutive ports; nginx runs the deployment file with only its addresses and
     log directory replaced (and 2 worker processes, sharing the upstream zone);
 (b) the same seeded request through nginx 12 times, one after another, gives the
     tokens of the same request sent straight to one replica; each replica's
     /metrics shows its share of the 12; then 12 at once, the same tokens;
 (c) streaming through the proxy: Server-Sent Events from /v1/generate carry the
     same tokens, /v1/completions ends in [DONE]; and against a stand-in replica
     that holds its stream open after the first event until told to go on, the
     first event comes through nginx while the stream is held (so nginx passes a
     stream as it is made, SSE and NDJSON alike, without the service's own
     X-Accel-Buffering header), with the client's Authorization header arriving
     at the replica unchanged;
 (d) a body of exactly limits.max_body_bytes passes, one byte more is refused at
     the proxy with the service's JSON 413; /metrics is not balanced;
 (e) one replica is killed (SIGKILL) while a long story streams from it: that one
     request may fail (the script says how it ended), and every request after it
     succeeds with the same tokens, shared among the survivors (their /metrics);
     a second one is killed while it tells a non-streamed story, which the last
     replica then tells (nginx resends it), the same tokens; with the last one
     stopped (replicas.sh stop), nginx answers 502 in the service's JSON shape.
Ends with "check-nginx: N passed, M failed"; exits 1 if any check failed.

Needs nginx and curl (scripts/install-deps.sh). Run from anywhere:
python3 scripts/check-nginx.py (part of scripts/test.sh).
`--throughput` measures instead (not a test): the same stories through nginx in
front of 1 replica, 2 replicas and 1 replica with 2 threads (see --help).
"""
import argparse, grp, http.client, http.server, json, os, pwd, random, re, shutil, signal, socket
import subprocess, sys, tempfile, threading, time
from concurrent.futures import ThreadPoolExecutor

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BINARY = os.path.join(REPO, ".build/release/babyllama")
CONF = os.path.join(REPO, "deploy/nginx/babyllama.conf")
REPLICAS_SH = os.path.join(REPO, "deploy/nginx/replicas.sh")
HOST = "127.0.0.1"
REPLICA_COUNT = 3
# The replicas' limit, which the proxy's client_max_body_size must match.
with open(os.path.join(REPO, "Config/babyllama.json")) as config:
    MAX_BODY_BYTES = json.load(config)["limits"]["max_body_bytes"]
STORY = {"prompt": "Once upon a time", "seed": 42, "temperature": 0.8, "top_p": 0.9, "max_tokens": 96}
# Long enough that the story is still being told when its replica is found and killed.
LONG_STORY = {"prompt": "Lily and Tom", "seed": 7, "temperature": 1.0, "max_tokens": 480}
TOKEN = "Bearer check-nginx-issue-17"

passed = 0
failed = 0
# /v1/generate answers (status 200, a stream's final event) the replicas have given the checks.
answered = 0


def check(ok, label, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
    print(f"check-nginx: {'ok' if ok else 'FAIL'}: {label}{': ' + detail if detail else ''}", flush=True)
    return ok


def note(text):
    print(f"check-nginx: {text}", flush=True)


class SetupError(Exception):
    pass


# ---- HTTP (http.client: no proxy from the environment gets in the way) ----------------

def request(port, method, path, body=None, headers=None, timeout=60):
    """(status, headers dict with lower-case names, body bytes)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        # The replicas of the main checks want the token; None sends it, {} sends nothing.
        connection.request(method, path, body=data, headers={"Authorization": TOKEN} if headers is None else headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def generate(port, body=STORY):
    global answered
    status, _, data = request(port, "POST", "/v1/generate", body)
    if status != 200:
        return status, None
    answered += 1
    return status, json.loads(data)["tokens"]


def sse_events(response):
    """Yields each Server-Sent Event's data as it is read."""
    for raw in response:
        line = raw.decode().rstrip("\r\n")
        if line.startswith("data: "):
            yield line[len("data: "):]


def generate_stream(port, body):
    """(status, token ids of the token events, the final event or None, error or None)."""
    global answered
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    tokens, final = [], None
    try:
        connection.request("POST", "/v1/generate", body=json.dumps(dict(body, stream=True)),
                           headers={"Authorization": TOKEN})
        response = connection.getresponse()
        if response.status != 200:
            return response.status, tokens, None, response.read().decode()
        for data in sse_events(response):
            event = json.loads(data)
            if event.get("done"):
                final = event
                answered += 1
            elif "token" in event:
                tokens.append(event["token"])
        return 200, tokens, final, None
    except (OSError, http.client.HTTPException, ValueError) as error:
        return None, tokens, final, f"{type(error).__name__}: {error}"
    finally:
        connection.close()


def generate_counts(port, status=200):
    """The replica's /v1/generate requests answered with `status`, from its /metrics."""
    _, _, data = request(port, "GET", "/metrics")
    pattern = rb'^babyllama_http_requests_total\{route="/v1/generate",status="%d"\} (\d+)$' % status
    match = re.search(pattern, data, re.M)
    return int(match.group(1)) if match else 0


def settled_counts(ports, total):
    """Each replica's /v1/generate 200s once they add up to `total`. A replica counts a
    request once its answer has gone out, a moment after the client has it: wait (up to
    10 s) for the counts to catch up."""
    deadline = time.monotonic() + 10
    while True:
        counts = [generate_counts(port) for port in ports]
        if sum(counts) >= total or time.monotonic() > deadline:
            return counts
        time.sleep(0.05)


def shares_since(ports, before, requests):
    """What each replica answered of `requests` sent since its count was `before`."""
    after = settled_counts(ports, sum(before) + requests)
    return [a - b for a, b in zip(after, before)]


def metric(port, name):
    """A plain (unlabelled) metric's value from the replica's /metrics, or None."""
    _, _, data = request(port, "GET", "/metrics")
    match = re.search(rb"^" + re.escape(name.encode()) + rb" (\d+)", data, re.M)
    return int(match.group(1)) if match else None


def free_ports(count):
    """The first of `count` consecutive free ports on 127.0.0.1."""
    for _ in range(200):
        base = random.randint(20000, 60000 - count)
        sockets = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                sockets.append(s)
                s.bind((HOST, port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise SetupError(f"no {count} consecutive free ports found")


def eventually(condition, what, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise SetupError(f"{what} within {seconds} s")


# ---- nginx -----------------------------------------------------------------------------

def substitute(text, old, new, count, what):
    """`text` with `old` replaced; the deployment file must hold it exactly `count` times."""
    found = text.count(old)
    if found != count:
        raise SetupError(f"{CONF} has {found} of '{old}' ({what}), check-nginx.py expects {count}: update both")
    return text.replace(old, new)


def render_conf(listen_port, upstream_ports, log_dir):
    """deploy/nginx/babyllama.conf with only its addresses and log directory replaced:
    its three replica lines become one line a port, like the first."""
    with open(CONF) as f:
        lines = f.read().splitlines(keepends=True)
    replica_lines = [i for i, line in enumerate(lines) if re.match(r"\s*server 127\.0\.0\.1:808[123] ", line)]
    start = replica_lines[0] if replica_lines else -1
    if replica_lines != list(range(start, start + 3)):
        raise SetupError(f"{CONF} no longer lists replicas 127.0.0.1:8081..8083 together: update check-nginx.py")
    first = lines[replica_lines[0]]
    lines[replica_lines[0]:replica_lines[-1] + 1] = [first.replace("127.0.0.1:8081", f"{HOST}:{port}")
                                                     for port in upstream_ports]
    text = "".join(lines)
    text = substitute(text, "listen 8080;", f"listen {HOST}:{listen_port};", 1, "the listening port")
    return substitute(text, "/var/log/nginx/", log_dir + "/", 1, "the access log")


class Nginx:
    """One nginx (master + 2 workers) under `prefix`, in the foreground, as this user."""

    def __init__(self, prefix, listen_port, upstream_ports):
        self.prefix = prefix
        self.port = listen_port
        os.makedirs(os.path.join(prefix, "temp"), exist_ok=True)
        with open(os.path.join(prefix, "babyllama.conf"), "w") as f:
            f.write(render_conf(listen_port, upstream_ports, prefix))
        # As root the workers would switch to nobody by default; keep them this user.
        user = ""
        if os.geteuid() == 0:
            user = f"user {pwd.getpwuid(os.getuid()).pw_name} {grp.getgrgid(os.getgid()).gr_name};"
        temp = "\n".join(f"    {kind}_temp_path {prefix}/temp/{kind};"
                         for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        with open(os.path.join(prefix, "nginx.conf"), "w") as f:
            f.write(f"""daemon off;
worker_processes 2;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log notice;
{user}
events {{ worker_connections 256; }}
http {{
    default_type application/octet-stream;
    access_log {prefix}/access.log;
{temp}
    include {prefix}/babyllama.conf;
}}
""")
        self.command = [nginx_binary(), "-p", prefix, "-c", os.path.join(prefix, "nginx.conf"),
                        "-e", os.path.join(prefix, "error.log")]
        self.process = None

    def test_config(self):
        result = subprocess.run(self.command + ["-t"], capture_output=True, text=True)
        return result.returncode == 0, (result.stdout + result.stderr).strip()

    def start(self):
        self.process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def up():
            if self.process.poll() is not None:
                raise SetupError(f"nginx exited with {self.process.returncode}: {self.error_log()}")
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                return True
            except OSError:
                return False
        eventually(up, f"nginx listening on {self.port}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)   # graceful: workers finish, then exit
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def error_log(self, lines=15):
        try:
            with open(os.path.join(self.prefix, "error.log")) as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no error log)"


def nginx_binary():
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if not found:
        raise SetupError("nginx is missing (run scripts/install-deps.sh)")
    return found


# ---- replicas --------------------------------------------------------------------------

class Replicas:
    """deploy/nginx/replicas.sh's replicas, `count` of them from `base_port` on."""

    def __init__(self, run_dir, base_port, count=REPLICA_COUNT):
        self.run_dir = run_dir
        self.ports = [base_port + i for i in range(count)]

    def script(self, *arguments, serve_args=()):
        command = ["bash", REPLICAS_SH, *arguments, "--run-dir", self.run_dir]
        if serve_args:
            command += ["--", *serve_args]
        return subprocess.run(command, cwd=REPO, capture_output=True, text=True)

    def start(self, threads=1, serve_args=()):
        result = self.script("start", str(len(self.ports)), "--base-port", str(self.ports[0]),
                             "--threads", str(threads), "--binary", BINARY, serve_args=serve_args)
        print(result.stdout, end="", flush=True)
        if result.returncode != 0:
            raise SetupError(f"replicas.sh start failed: {result.stderr.strip()}")

    def pid(self, port):
        with open(os.path.join(self.run_dir, f"{port}.pid")) as f:
            return int(f.read())

    def stop(self):
        return self.script("stop")


# ---- a stand-in replica that holds its stream -----------------------------------------

class HeldStream(http.server.ThreadingHTTPServer):
    """Answers a POST with a stream's first event, then holds the stream open until
    `release` is set, then sends the last event: whatever reaches the client before
    the release was passed on as it was made. NDJSON for /api/ paths, SSE otherwise;
    no X-Accel-Buffering header, so only nginx's configuration decides. Records the
    headers each request arrived with."""

    daemon_threads = True

    def __init__(self):
        self.release = threading.Event()
        self.seen = []
        super().__init__((HOST, 0), HeldStreamHandler)

    @property
    def port(self):
        return self.server_address[1]


class HeldStreamHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.seen.append({"path": self.path, "authorization": self.headers.get("Authorization"),
                                 "forwarded_for": self.headers.get("X-Forwarded-For")})
        ndjson = self.path.startswith("/api/")
        if ndjson:
            first, last = b'{"response":"Once","done":false}\n', b'{"response":"","done":true}\n'
        else:
            first, last = b'data: {"token":1,"text":"Once"}\n\n', b'data: {"done":true}\n\n'
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson" if ndjson else "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.chunk(first)
            self.server.release.wait(60)
            self.chunk(last)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            pass   # nginx gave up on the stream (the check has already failed)

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def log_message(self, *arguments):
        pass


def check_held_stream(proxy_port, stand_in, path, body, kind):
    """The first event of a held stream arrives through nginx before the stream is released."""
    stand_in.release.clear()
    connection = http.client.HTTPConnection(HOST, proxy_port, timeout=20)
    try:
        connection.request("POST", path, body=json.dumps(body),
                           headers={"Authorization": TOKEN, "Content-Type": "application/json",
                                    "Accept-Encoding": "gzip"})   # as browsers ask: nothing may compress it
        response = connection.getresponse()
        try:
            first = response.readline()
        except socket.timeout:
            first = b""
        check(first.strip() != b"" and not stand_in.release.is_set(),
              f"{kind} through nginx: the first event arrives while the replica still holds the stream",
              first.decode().strip() or "nothing arrived in 20 s: nginx buffers the stream")
        stand_in.release.set()
        if first.strip():
            try:
                rest = response.read()
            except (OSError, http.client.HTTPException) as error:
                rest = f"{type(error).__name__}: {error}".encode()
            check(b'"done":true' in rest, f"{kind} through nginx: the rest follows once released",
                  "" if b'"done":true' in rest else rest[:100].decode(errors="replace"))
    finally:
        stand_in.release.set()
        connection.close()
    seen = stand_in.seen[-1] if stand_in.seen else {}
    check(seen.get("path") == path and seen.get("authorization") == TOKEN,
          f"{kind}: the Authorization header reaches the replica unchanged", str(seen))


# ---- the checks ------------------------------------------------------------------------

def run(work):
    global answered
    base = free_ports(REPLICA_COUNT)
    replicas = Replicas(os.path.join(work, "replicas"), base)
    proxy = Nginx(os.path.join(work, "nginx"), free_ports(1), replicas.ports)
    stand_in = HeldStream()
    held_proxy = Nginx(os.path.join(work, "nginx-held"), free_ports(1), [stand_in.port])
    started = []
    try:
        threading.Thread(target=stand_in.serve_forever, daemon=True).start()
        started.append(stand_in.shutdown)
        started.append(replicas.stop)
        # The replicas as deployed behind a proxy: a bearer token, and no per-address limit
        # (every request comes from nginx's address).
        config = os.path.join(work, "replica.json")
        with open(config, "w") as out:
            json.dump({"auth": {"token": TOKEN.split(" ", 1)[1]},
                       "model": {"checkpoint": os.path.join(REPO, "models/stories260K.bin"),
                                 "tokenizer": os.path.join(REPO, "models/tok512.bin")}}, out)
        replicas.start(serve_args=["--config", config, "--max-connections-per-ip", "0"])
        status = replicas.script("status").stdout
        check(status.count(": healthy") == REPLICA_COUNT, f"{REPLICA_COUNT} replicas on ports "
              f"{replicas.ports[0]}..{replicas.ports[-1]} are healthy (replicas.sh status)", status.strip().replace("\n", "; "))

        ok, output = proxy.test_config()
        if not check(ok, "nginx -t accepts deploy/nginx/babyllama.conf", "" if ok else output):
            return
        started.append(proxy.stop)
        proxy.start()
        started.append(held_proxy.stop)
        held_proxy.start()
        eventually(lambda: request(proxy.port, "GET", "/healthz")[0] == 200, "/healthz through nginx answering 200")
        note(f"nginx on {HOST}:{proxy.port} in front of {', '.join(str(p) for p in replicas.ports)}")

        status, headers, _ = request(proxy.port, "POST", "/v1/generate", STORY, headers={})
        check(status == 401 and headers.get("www-authenticate", "").startswith("Bearer"),
              "without the token a replica answers 401 through nginx; with it (below) 200", f"status {status}")

        # (b) the same story from any replica
        status, direct = generate(replicas.ports[0])
        if not check(status == 200 and direct, f"a seeded request straight to replica {replicas.ports[0]}",
                     f"{len(direct or [])} tokens"):
            return
        before = settled_counts(replicas.ports, answered)
        answers = [generate(proxy.port) for _ in range(12)]
        check(all(answer == (200, direct) for answer in answers),
              "the same request through nginx 12 times: identical tokens, equal to the direct request's",
              ", ".join(f"{status}:{'same' if tokens == direct else 'DIFFERENT'}" for status, tokens in answers
                        if (status, tokens) != (200, direct)))
        shares = shares_since(replicas.ports, before, 12)
        check(sum(shares) == 12 and all(share > 0 for share in shares),
              "each replica's /metrics shows its share of the 12",
              ", ".join(f"{port}: {share}" for port, share in zip(replicas.ports, shares)))
        with ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(lambda _: generate(proxy.port), range(12)))
        check(all(answer == (200, direct) for answer in answers), "12 at once through nginx: the same tokens",
              ", ".join(str(status) for status, _ in answers))

        # (c) streaming
        status, tokens, final, error = generate_stream(proxy.port, STORY)
        check(status == 200 and tokens == direct and final is not None and final.get("tokens") == direct,
              "SSE through nginx: a token event per token, the final event, the same tokens",
              error or f"{len(tokens)} token events")
        status, headers, data = request(proxy.port, "POST", "/v1/completions",
                                        dict(STORY, stream=True, max_tokens=16))
        check(status == 200 and headers.get("content-type", "").startswith("text/event-stream")
              and data.decode().rstrip().endswith("data: [DONE]"),
              "/v1/completions streams through nginx, ending in [DONE]", f"status {status}")
        check_held_stream(held_proxy.port, stand_in, "/v1/generate", dict(STORY, stream=True), "SSE (/v1/generate)")
        check_held_stream(held_proxy.port, stand_in, "/api/generate", {"model": "stories260K", "prompt": "Once"},
                          "NDJSON (/api/generate)")

        # (d) the body limit; /metrics
        small = json.dumps(dict(STORY, max_tokens=4)).encode()
        exact = small + b" " * (MAX_BODY_BYTES - len(small))
        status, _, _ = request(proxy.port, "POST", "/v1/generate", exact)
        answered += status == 200
        check(status == 200, f"a {MAX_BODY_BYTES}-byte body passes nginx and the replica", f"status {status}")
        refused = sum(generate_counts(port, 413) for port in replicas.ports)
        status, headers, data = request(proxy.port, "POST", "/v1/generate", exact + b" ")
        error = json.loads(data).get("error", {}) if headers.get("content-type") == "application/json" else {}
        reached = sum(generate_counts(port, 413) for port in replicas.ports) - refused
        check(status == 413 and error.get("code") == 413 and error.get("type") == "invalid_request_error"
              and reached == 0,
              f"a {MAX_BODY_BYTES + 1}-byte body: refused at nginx with 413 in the service's JSON shape",
              f"{status} {data[:100]!r}" + (f", but {reached} replica(s) answered it" if reached else ""))
        status, _, data = request(proxy.port, "GET", "/metrics")
        check(status == 404 and b"per replica" in data, "/metrics through nginx: 404, scrape each replica",
              f"status {status}")

        # (e) one replica dies mid-run
        survivors = kill_replica_mid_story(proxy, replicas, direct)
        last = kill_replica_mid_answer(proxy, replicas, survivors)
        stopped = replicas.stop()
        check(stopped.returncode == 0 and f"stopped {last}" in stopped.stdout,
              f"replicas.sh stop: the last replica ({last}) stops on SIGTERM", stopped.stdout.strip())
        status, headers, data = request(proxy.port, "POST", "/v1/generate", STORY)
        error = json.loads(data).get("error", {}) if headers.get("content-type") == "application/json" else {}
        check(status == 502 and error.get("code") == 502 and headers.get("retry-after") == "1",
              "no replica left: nginx answers 502 in the service's JSON shape, with Retry-After",
              f"{status} {data[:100]!r}")
    except SetupError as error:
        check(False, "setup", str(error))
        for server in (proxy, held_proxy):
            if server.process:
                note(f"nginx error log ({server.prefix}):\n{server.error_log()}")
    finally:
        for stop in reversed(started):
            stop()


def kill_replica_mid_story(proxy, replicas, direct):
    """Streams a long story through nginx, kills the replica telling it after its first
    event, then sends 12 more requests: each must succeed. Returns the survivors."""
    base = settled_counts(replicas.ports, answered)
    connection = http.client.HTTPConnection(HOST, proxy.port, timeout=60)
    connection.request("POST", "/v1/generate", body=json.dumps(dict(LONG_STORY, stream=True)),
                       headers={"Authorization": TOKEN})
    events = sse_events(connection.getresponse())
    first = next(events, None)
    # The replica with a story in its batch is the one telling it (nothing else runs now).
    victim = next((port for port in replicas.ports if metric(port, "babyllama_batch_sequences")), None)
    caught = victim is not None
    if not caught:
        # Told before its replica was seen: the teller is the one whose count went up.
        ending = rest_of_stream(events, connection)
        counts = settled_counts(replicas.ports, sum(base) + 1)
        victim = next((port for port, c, b in zip(replicas.ports, counts, base) if c > b), replicas.ports[1])
    os.kill(replicas.pid(victim), signal.SIGKILL)
    note(f"killed replica {victim} (SIGKILL) "
         + ("while it was telling the story streaming through nginx" if caught
            else "after it had told the story streaming through nginx (too quick to catch)"))
    if caught:
        ending = rest_of_stream(events, connection)
    complete = ending == "ended with its final event"
    note(f"the story streaming from the killed replica {ending}"
         + ("" if complete else ": that one request is allowed to fail"))
    check(first is not None, "the long story's first event came through before the kill")

    survivors = [port for port in replicas.ports if port != victim]
    # The long story was the victim's: the survivors' counts are as they were before it.
    before = [count for port, count in zip(replicas.ports, base) if port != victim]
    failures = []
    for index in range(12):
        if index % 2:
            status, tokens, final, error = generate_stream(proxy.port, STORY)
            if not (status == 200 and tokens == direct and final and final.get("tokens") == direct):
                failures.append(f"#{index} streamed: {error or status}")
        else:
            status, tokens = generate(proxy.port)
            if not (status == 200 and tokens == direct):
                failures.append(f"#{index}: {status}{'' if tokens in (None, direct) else ', other tokens'}")
    check(not failures, "after the kill, 12 requests through nginx (6 streamed) all succeed with the same tokens",
          "; ".join(failures))
    shares = shares_since(survivors, before, 12)
    check(sum(shares) == 12 and all(share > 0 for share in shares),
          "the survivors' /metrics share the 12",
          ", ".join(f"{port}: {share}" for port, share in zip(survivors, shares)))
    return survivors


def rest_of_stream(events, connection):
    """Reads a stream to its end; says how it ended."""
    try:
        rest = list(events)
        if any(json.loads(data).get("done") for data in rest):
            return "ended with its final event"
        return f"ended without its final event after {len(rest) + 1} events"
    except (OSError, http.client.HTTPException) as error:
        return f"broke off ({type(error).__name__})"
    finally:
        connection.close()


def kill_replica_mid_answer(proxy, replicas, survivors):
    """Kills the replica telling a long non-streamed story: nothing has been answered
    yet, so nginx sends the request on to the last replica, which tells the same story.
    Returns the last replica's port."""
    status, expected = generate(survivors[-1], LONG_STORY)
    answer = []
    client = threading.Thread(target=lambda: answer.append(generate(proxy.port, LONG_STORY)))
    client.start()
    victim = None
    while victim is None and client.is_alive():
        victim = next((port for port in survivors if metric(port, "babyllama_batch_sequences")), None)
    seen = victim is not None
    if not seen:   # the story ended before its replica was seen telling it
        victim = survivors[0]
    os.kill(replicas.pid(victim), signal.SIGKILL)
    in_flight = client.is_alive()
    client.join()
    note(f"killed replica {victim} (SIGKILL) "
         + ("while it was telling a non-streamed story through nginx" if seen and in_flight
            else "after the non-streamed story was told (too quick to catch: no retry needed this time)"))
    check(status == 200 and answer == [(200, expected)],
          "a non-streamed story whose replica dies is told by another replica: the same tokens",
          f"{answer[0][0] if answer else None}")
    return next(port for port in survivors if port != victim)


# ---- --throughput: not a test (timings depend on the machine and what else it runs) --

PROMPTS = ["Once upon a time", "Lily and Ben went to the park", "The little cat", "Tom had a red ball",
           "One day, a big dog", "Sara wanted to fly", "There was a tree", "Mom said"]


def measure_throughput(args, work):
    """The same stories through nginx from `--clients` threads, in front of 1 replica with
    1 thread, 2 replicas with 1 thread each, and 1 replica with 2 threads: the best wall
    time of `--runs` rounds, and tokens per second. Every setup must tell the same stories."""
    if not os.path.exists(args.model):
        subprocess.run([sys.executable, os.path.join(REPO, "scripts/make_model.py"), args.model, "--seed", "1"],
                       check=True)
    stories = [{"prompt": PROMPTS[i % len(PROMPTS)], "seed": i + 1, "temperature": 1.0, "top_p": 0.9,
                "max_tokens": args.tokens} for i in range(args.stories)]
    # Room for every client in each replica's queue: a 503 would end the measurement.
    serve_args = ["--model", args.model, "--tokenizer", args.tokenizer, "--queue-size", str(args.clients)]
    told, figures = None, []
    for count, threads in ((1, 1), (2, 1), (1, 2)):
        replicas = Replicas(os.path.join(work, f"r{count}x{threads}"), free_ports(count), count)
        proxy = Nginx(os.path.join(work, f"n{count}x{threads}"), free_ports(1), replicas.ports)
        try:
            replicas.start(threads, serve_args)
            proxy.start()
            for port in replicas.ports:
                generate(port, dict(stories[0], max_tokens=8))   # warm up: the model's pages in memory
            best = None
            for _ in range(args.runs):
                begin = time.monotonic()
                with ThreadPoolExecutor(args.clients) as pool:
                    answers = list(pool.map(lambda story: generate(proxy.port, story), stories))
                elapsed = time.monotonic() - begin
                best = elapsed if best is None else min(best, elapsed)
                if any(status != 200 for status, _ in answers):
                    raise SetupError(f"statuses {[status for status, _ in answers]}")
                tokens = [tokens for _, tokens in answers]
                if told is not None and tokens != told:
                    raise SetupError(f"{count} replica(s) x {threads} thread(s) told other stories")
                told = tokens
        finally:
            proxy.stop()
            replicas.stop()
        total = sum(len(tokens) for tokens in told)
        figures.append((count, threads, best, total / best))
        note(f"{count} replica(s) x {threads} thread(s): {len(stories)} stories, {total} tokens "
             f"in {best:.2f} s (best of {args.runs}): {total / best:.0f} tok/s")
    base = figures[0][3]
    note("tok/s relative to one replica with one thread: "
         + ", ".join(f"{c}x{t}: {rate / base:.2f}" for c, t, _, rate in figures))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--throughput", action="store_true",
                        help="measure stories/s through nginx for 1 and 2 replicas instead of testing")
    parser.add_argument("--model", default="/tmp/m15.bin",
                        help="--throughput: the model (default: a stories15M-shaped one, written if missing)")
    parser.add_argument("--tokenizer", default=os.path.join(REPO, "models/tokenizer.bin"))
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--stories", type=int, default=16)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    # The replicas run this tree's release build (a no-op when scripts/check-duo.py built it).
    subprocess.run(["swift", "build", "-c", "release", "--product", "babyllama"], cwd=REPO, check=True,
                   stdout=subprocess.DEVNULL)
    work = tempfile.mkdtemp(prefix="check-nginx.")
    try:
        if args.throughput:
            measure_throughput(args, work)
            return 0
        run(work)
    except SetupError as error:   # run() reports its own; this is --throughput's
        print(f"check-nginx: error: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"check-nginx: {passed} passed, {failed} failed", flush=True)
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
