#!/usr/bin/env python3
"""Builds the Duo's static riscv64 babyllama (scripts/build-duo.sh) and proves it
under qemu-riscv64 against the host build and run.c's golden output:
 (a) greedy tokens and text for the bundled stories260K (from BOS and from a
     prompt) and tiny-unshared, the first 16 tokens of the stories15M-shape model,
     all equal to the host's and the golden; `run` with no checkpoint tells
     llama2.c's test story (run.c's bytes); the sampled stories260K cases byte for
     byte as run.c printed them; `run -m chat` holds the host's conversation byte
     for byte;
 (b) `serve` answers /healthz and /v1/generate on loopback with the host's tokens,
     an "audio": "wav" request with the speech as WAV, and a "speak" request is
     played through the linked alsa-lib into a `file` PCM; with no sound card (as
     on a Duo 64M) and the default device, "speak" answers the speech as WAV;
 (c) `say --out` writes a valid, non-silent 16-bit mono WAV; `say --audio-device`
     with a `file` PCM (defined in a test asoundrc over the shipped .build-duo/alsa
     tree, and the shipped tree's own file: PCM with /usr/share/alsa hidden, which
     proves the binary finds alsa/ beside itself) writes the very samples of that
     WAV; a missing card (hw:9,9, and `default` under QEMU) fails with one error
     line; `run --speak` on the null device or a missing card still prints the
     golden story, with at most one warning;
 (d) peak resident memory (VmHWM, read from /proc/PID/status) of `run` and `serve` on
     the stories15M-shape Q8_0 model, beyond QEMU's own baseline and the mapped
     file, within the 24 MB budget; and no epoll anywhere in the binary;
 (e) the RVV 1.0 build (DUO_VECTOR=rvv; its vector kernels are the C906 build's
     twin) under `qemu-riscv64 -cpu rv64,v=true,vlen=128|256,vext_spec=v1.0`: the
     stories260K greedy text, the first 16 tokens of the 15M-shape greedy golden, and
     the 15M-shape Q8_0 stories (greedy and sampled) byte for byte as runq.c printed them;
 (f) the C906 build (DUO_VECTOR=xtheadvector), which no QEMU here can run vectorized:
     on a CPU without vectors and on an RVV 1.0 one it warns in one line and tells
     run.c's story with the scalar kernels (so does the RVV build without vectors),
     and `bench --json` reports the kernels that run ("riscv_kernels");
 (g) listening: the static pocketsphinx hears espeak-ng requests (`listen --in`) with
     exactly the host's words and understanding, with the acoustic model shipped in
     .build-duo/pocketsphinx-model; `serve` on the 15M-shape Q8_0 model with listening
     on answers /v1/listen and a "prompt_audio" story within the memory budget.
The random models are written by scripts/make_model.py and checked by the sha256
the Swift tests use (Tests/LlamaCoreTests/Support/TestModels.swift).

Run from anywhere: python3 scripts/check-duo.py (part of scripts/test.sh).
"""
import hashlib, json, os, signal, socket, struct, subprocess, sys, time, urllib.request

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
subprocess.run(["bash", "scripts/build-duo.sh"], check=True)
subprocess.run(["bash", "scripts/build-duo.sh"], check=True, env=dict(os.environ, DUO_VECTOR="rvv"))
subprocess.run(["bash", "scripts/build-duo.sh"], check=True, env=dict(os.environ, DUO_VECTOR="xtheadvector"))
subprocess.run(["swift", "build", "-c", "release", "--product", "babyllama"], check=True, stdout=subprocess.DEVNULL)
os.makedirs(".build-duo/check", exist_ok=True)

duo = ".build-duo/babyllama"
host = ".build/release/babyllama"
models = ".build-duo/check"
qemu = ["qemu-riscv64"]
failures = []
if os.path.exists(f"{models}/serve.log"):
    os.remove(f"{models}/serve.log")   # this run's server output only

def check(ok, label, detail=""):
    print(f"{'ok  ' if ok else 'FAIL'} {label}{': ' + detail if detail else ''}", flush=True)
    if not ok:
        failures.append(label)

# --- models -----------------------------------------------------------------------
def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

def model(name, arguments, digest):
    path = f"{models}/{name}"
    if not os.path.exists(path) or sha256(path) != digest:
        subprocess.run([sys.executable, "scripts/make_model.py", path] + arguments, check=True,
                       stdout=subprocess.DEVNULL)
    actual = sha256(path)
    if actual != digest:
        sys.exit(f"{path}: sha256 {actual}, expected {digest} (the Swift tests' model)")
    return path

m15 = model("m15.bin", ["--seed", "1"], "e45b1bc9a946c953b529742d0deb4a1934cfaf19b0ae231560e3262ffeb4aeaf")
m15q = model("m15q.bin", ["--from-v0", m15, "--version", "2"],
             "2914461171b10932b094fdecff772c6d6f086b515b4f6d52ce538e39a37b7d55")
tiny = model("tiny_unshared.bin", ["--dim", "64", "--hidden", "172", "--layers", "2", "--heads", "4",
                                   "--kv-heads", "2", "--vocab", "512", "--seq", "128", "--seed", "7", "--unshared"],
             "e43fd46b8c1ad9d523fe2846096a516395b45a7e9c6d6e2787d1fad2f7128026")
paths = {"stories260K.bin": "models/stories260K.bin", "tiny_unshared.bin": tiny, "m15.bin": m15, "m15q.bin": m15q}
cases = {json.loads(line)["name"]: json.loads(line) for line in open("Tests/Fixtures/generate.jsonl")}

def run_arguments(case, steps=None, extra=()):
    return ["run", paths[case["model"]], "-z", f"models/{case['tokenizer']}", "-t", str(case["temperature"]),
            "-p", str(case["topp"]), "-s", str(case["seed"]), "-n", str(steps or case["steps"]),
            "-i", case["prompt"], *extra]

def run(command, timeout=900):
    return subprocess.run(command, capture_output=True, timeout=timeout)

# --- (a) generation ---------------------------------------------------------------------
for name, steps, compare in [("stories260K_greedy", None, None), ("stories260K_prompt_greedy", None, None),
                             ("tiny_unshared_greedy", None, None), ("m15_greedy", 16, 16)]:
    case = cases[name]
    duo_json = run(qemu + [duo] + run_arguments(case, steps, ["--json"]))
    host_json = run([host] + run_arguments(case, steps, ["--json"]))
    if duo_json.returncode or host_json.returncode:
        check(False, f"{name}: run --json", (duo_json.stderr + host_json.stderr).decode().strip())
        continue
    duo_tokens = json.loads(duo_json.stdout)["tokens"]
    host_tokens = json.loads(host_json.stdout)["tokens"]
    golden = case["tokens"]
    count = compare or len(golden)
    check(duo_tokens[:count] == host_tokens[:count] == golden[:count],
          f"{name}: first {count} tokens under qemu-riscv64 = host = run.c")
    if compare is None:
        duo_text = run(qemu + [duo] + run_arguments(case))
        host_text = run([host] + run_arguments(case))
        check(duo_text.returncode == 0 and duo_text.stdout == host_text.stdout == case["text"].encode(),
              f"{name}: text under qemu-riscv64 = host = run.c")

# Sampled streams. The scalar kernels sum in run.c's order: its output exactly. The
# fast fp32 kernels (Sources/CRiscvKernels/riscv_kernels_*.c) sum in their own order, so a
# sampled fp32 stream may drift from run.c after a while, as on the host; the Q8_0
# kernels add each group in runq.c's order, so a sampled Q8_0 story is runq.c's exactly.
for name in ["stories260K_t08_s42", "stories260K_t1_s7"]:
    case = cases[name]
    result = run(qemu + [duo] + run_arguments(case, extra=["--kernels", "scalar"]))
    check(result.returncode == 0 and result.stdout == case["text"].encode(),
          f"{name} (--kernels scalar): byte for byte as run.c under qemu-riscv64")
    result = run(qemu + [duo] + run_arguments(case))
    print(f"     {name} (fast fp32 kernels): {'= run.c' if result.stdout == case['text'].encode() else 'differs from run.c'}")

# The bundled model with no checkpoint argument: llama2.c's test_all.py story (run.c
# greedy for 200 steps), found beside the binary's checkout.
story = cases["stories260K_greedy"]["text"].encode()
result = run(qemu + [duo, "run", "-t", "0", "-n", "200"])
check(result.returncode == 0 and len(result.stdout) > 400 and story.startswith(result.stdout[:-1]),
      "run -t 0 -n 200 (bundled stories260K) under qemu-riscv64: run.c's story", result.stdout[:60].decode(errors="replace"))
for name in ["m15q_greedy", "m15q_t08_s1"]:
    case = cases[name]
    result = run(qemu + [duo] + run_arguments(case))
    check(result.returncode == 0 and result.stdout == case["text"].encode(),
          f"{name} (fast Q8_0 kernels): byte for byte as runq.c under qemu-riscv64")

# --- (e) the RVV 1.0 build ---------------------------------------------------------
# The same checks that hold for the rv64gc build: fp32 greedy picks the golden
# tokens, Q8_0 (integer dot products, groups added in runq.c's order) is runq.c's output exactly.
for vlen in (128, 256):
    rvv = ["qemu-riscv64", "-cpu", f"rv64,v=true,vlen={vlen},vext_spec=v1.0", ".build-duo/babyllama-rvv"]
    case = cases["stories260K_greedy"]
    result = run(rvv + run_arguments(case))
    check(result.returncode == 0 and result.stdout == case["text"].encode(),
          f"RVV 1.0, vlen={vlen}: stories260K_greedy text = run.c")
    case = cases["m15_greedy"]
    result = run(rvv + run_arguments(case, 16, ["--json"]))
    check(result.returncode == 0 and json.loads(result.stdout)["tokens"][:16] == case["tokens"][:16],
          f"RVV 1.0, vlen={vlen}: m15_greedy first 16 tokens = run.c")
    for name in ["m15q_greedy", "m15q_t08_s1"]:
        case = cases[name]
        result = run(rvv + run_arguments(case))
        check(result.returncode == 0 and result.stdout == case["text"].encode(),
              f"RVV 1.0, vlen={vlen}: {name} byte for byte as runq.c")

# --- (f) the C906 (XTheadVector) build ---------------------------------------------
# No QEMU here runs XTheadVector: the C906 build's vector code is the twin's above,
# word for word through the mapping table (scripts/check-c906.py). What does run is
# the rest of it: on a CPU without vectors, and on an RVV 1.0 one (whose vector unit
# it must refuse: the same words mean other things there), it says so in one
# warning line and tells run.c's story with the scalar kernels; the twin without
# vectors does the same. `bench` names the kernels that run.
c906 = ".build-duo/babyllama-c906"
rvv_cpu = "rv64,v=true,vlen=128,vext_spec=v1.0"
for cpu, binary, reason in [("rv64", c906, "no usable vector unit"), (rvv_cpu, c906, "is RVV 1.0, not"),
                            ("rv64", ".build-duo/babyllama-rvv", "no usable vector unit")]:
    case = cases["stories260K_greedy"]
    result = run(["qemu-riscv64", "-cpu", cpu, binary] + run_arguments(case))
    warnings = [line for line in result.stderr.decode().splitlines() if line.startswith("babyllama: warning:")]
    check(result.returncode == 0 and result.stdout == case["text"].encode() and len(warnings) == 1
          and reason in warnings[0], f"{binary} on -cpu {cpu}: one warning line, then run.c's story (scalar kernels)",
          warnings[0] if warnings else "no warning")
bench = ["bench", "models/stories260K.bin", "--steps", "8", "--prompt-tokens", "8", "--runs", "1", "--json"]
for cpu, binary, variant in [("rv64", c906, "scalar (xtheadvector build; this CPU has no vector unit)"),
                             (rvv_cpu, ".build-duo/babyllama-rvv", "rvv"), ("rv64", duo, "scalar")]:
    result = run(["qemu-riscv64", "-cpu", cpu, binary] + bench)
    reported = json.loads(result.stdout).get("riscv_kernels") if result.returncode == 0 else None
    check(reported == variant, f"{binary} bench on -cpu {cpu}: riscv_kernels = {variant!r}", repr(reported))

# run.c's chat loop (-m chat, the host's ChatSession): the system prompt asked on stdin.
chat = ["run", "models/stories260K.bin", "-z", "models/tok512.bin", "-m", "chat", "-t", "0", "-n", "60", "-i", "hi"]
duo_chat = subprocess.run(qemu + [duo] + chat, input=b"be brief\n", capture_output=True, timeout=300)
host_chat = subprocess.run([host] + chat, input=b"be brief\n", capture_output=True, timeout=300)
check(duo_chat.returncode == 0 and duo_chat.stdout == host_chat.stdout
      and duo_chat.stdout.startswith(b"Enter system prompt (optional): Assistant: "),
      "run -m chat under qemu-riscv64: the host's conversation byte for byte")

bad = run(qemu + [duo, "run", "models/missing.bin"])
lines = bad.stderr.decode().strip().splitlines()
check(bad.returncode == 1 and len(lines) == 1 and lines[0].startswith("babyllama: error:"),
      "missing checkpoint: one error line, exit 1", lines[0] if lines else "")
bad = run(qemu + [duo, "run", "models/stories260K.bin", "--frobnicate"])
lines = bad.stderr.decode().strip().splitlines()
check(bad.returncode == 1 and lines and lines[0] == "babyllama: error: unknown option '--frobnicate'"
      and lines[1].startswith("usage: babyllama run"), "bad flag: error line + usage, exit 1")

# --- (b) serve --------------------------------------------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def request(port, path, body=None, timeout=600):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data,
                                 headers={"Content-Type": "application/json"} if data else {})
    with urllib.request.urlopen(req, timeout=timeout) as answer:
        return answer.status, answer.read()

duo_acoustic_model = ".build-duo/pocketsphinx-model/en-us"

def start_server(model_path, tokenizer, speech, audio_device=None, listen=False):
    port = free_port()
    # One server at a time: each reads its config at start, so the file is reused.
    config = f"{models}/serve.json"
    speech_config = {"enabled": speech}
    if audio_device:
        speech_config["audio_device"] = audio_device
    with open(config, "w") as file:
        json.dump({"server": {"host": "127.0.0.1", "port": port},
                   "model": {"checkpoint": model_path, "tokenizer": tokenizer, "threads": 1},
                   "speech": speech_config,
                   "listen": {"enabled": listen, "config_dir": "Config/listen",
                              "acoustic_model": duo_acoustic_model}}, file)
    log = open(f"{models}/serve.log", "ab")
    process = subprocess.Popen(qemu + [duo, "serve", "--config", config], stdout=log, stderr=log)
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            if request(port, "/healthz", timeout=5)[0] == 200:
                return process, port
        except OSError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    sys.exit("serve did not come up; see .build-duo/check/serve.log")

def peak_kib(pid):
    """VmHWM of a live process, in KiB (0 once it is gone). Not wait4's ru_maxrss:
    that keeps the peak of the forked copy of this Python process from before exec."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

def stop_server(process):
    """SIGTERM; returns (exit status, VmHWM in KiB of the qemu process just before)."""
    peak = peak_kib(process.pid)
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=60), peak
    except subprocess.TimeoutExpired:
        process.kill()
        return None, peak

# Speech played by the service goes into a raw file through alsa-lib's file PCM.
served_raw = os.path.abspath(f"{models}/serve-speech.raw")
if os.path.exists(served_raw):
    os.remove(served_raw)
process, port = start_server("models/stories260K.bin", "models/tok512.bin", True, f"file:'{served_raw}',raw")
status, body = request(port, "/healthz")
check(status == 200, "serve under qemu-riscv64: GET /healthz", body.decode().strip()[:80])
ask = {"prompt": "Once", "max_tokens": 24, "seed": 7, "temperature": 0.8, "top_p": 0.9}
status, body = request(port, "/v1/generate", ask)
answer = json.loads(body)
host_json = json.loads(run([host, "run", "models/stories260K.bin", "-z", "models/tok512.bin", "-t", "0.8", "-p", "0.9",
                            "-s", "7", "-i", "Once", "-n", "1000", "--json"]).stdout)
prompt_count = host_json["prompt_tokens"]
host_generated = host_json["tokens"][prompt_count:][:24]
check(status == 200 and answer.get("tokens") == host_generated,
      "serve under qemu-riscv64: POST /v1/generate tokens = host run --json (seed 7)",
      f"{len(answer.get('tokens', []))} tokens")
status, body = request(port, "/v1/generate", dict(ask, max_tokens=8, audio="wav"))
audio = json.loads(body).get("audio", {})
import base64
wav = base64.b64decode(audio.get("data", "")) if audio else b""
check(status == 200 and wav[:4] == b"RIFF" and wav[8:12] == b"WAVE",
      "serve under qemu-riscv64: \"audio\": \"wav\" answers the speech as WAV", f"{len(wav)} bytes")
status, body = request(port, "/v1/generate", dict(ask, max_tokens=8, speak=True))
answer = json.loads(body)
# Played after the answer, on the service's playback thread: wait (at most 120 s)
# for the file PCM to hold the story's speech.
deadline = time.time() + 120
played = b""
while time.time() < deadline:
    played = open(served_raw, "rb").read() if os.path.exists(served_raw) else b""
    if len(played) >= 2 * 22050 // 4 and max(abs(s) for s in struct.unpack(f"<{len(played) // 2}h", played[:len(played) // 2 * 2])) > 1000:
        break
    time.sleep(0.5)
check(status == 200 and "audio" not in answer and len(played) >= 2 * 22050 // 4,
      "serve under qemu-riscv64: \"speak\" is played through alsa-lib (file PCM), not answered as WAV",
      f"{len(played) // 2} samples played")
code, _ = stop_server(process)
check(code == 0, "serve under qemu-riscv64: SIGTERM exits 0", f"exit {code}")

# A Duo 64M has no sound card: "speak" on the default device comes back as WAV instead.
if os.path.exists("/dev/snd"):
    print("skip serve with no sound card: this machine has /dev/snd", flush=True)
else:
    process, port = start_server("models/stories260K.bin", "models/tok512.bin", True)
    status, body = request(port, "/v1/generate", dict(ask, max_tokens=8, speak=True))
    audio = json.loads(body).get("audio", {}) if status == 200 else {}
    wav = base64.b64decode(audio.get("data", "")) if audio else b""
    stop_server(process)
    told = "no sound card" in open(f"{models}/serve.log", errors="replace").read()
    check(status == 200 and wav[:4] == b"RIFF" and wav[8:12] == b"WAVE" and told,
          "serve under qemu-riscv64 with no sound card: \"speak\" answers the speech as WAV, and the log says why",
          f"{len(wav)} bytes")

# --- (c) say ------------------------------------------------------------------------------
wav_path = f"{models}/say.wav"
if os.path.exists(wav_path):
    os.remove(wav_path)
said = run(qemu + [duo, "say", "Once upon a time, a little robot told a story.", "--out", wav_path])
ok = said.returncode == 0 and os.path.exists(wav_path)
detail = said.stderr.decode().strip()
if ok:
    data = open(wav_path, "rb").read()
    riff, size, wave = struct.unpack_from("<4sI4s", data, 0)
    fmt, fmt_size, audio_format, channels, rate, byte_rate, align, bits = struct.unpack_from("<4sIHHIIHH", data, 12)
    chunk, data_size = struct.unpack_from("<4sI", data, 36)
    samples = struct.unpack_from(f"<{data_size // 2}h", data, 44)
    peak = max(abs(s) for s in samples) if samples else 0
    ok = (riff == b"RIFF" and wave == b"WAVE" and fmt == b"fmt " and audio_format == 1 and channels == 1
          and bits == 16 and byte_rate == rate * 2 and chunk == b"data" and size == len(data) - 8
          and data_size == len(data) - 44 and data_size > rate and peak > 1000)
    detail = f"{rate} Hz, {data_size // 2} samples, peak {peak}"
check(ok, "say --out under qemu-riscv64: valid 16-bit mono WAV, non-silent", detail)
def error_lines(result):
    """stderr's lines without espeak-ng's own timing line ("tts ms: N")."""
    return [line for line in result.stderr.decode().strip().splitlines() if not line.startswith("tts ms:")]

def wav_samples(path):
    """The sample bytes of a WAV written by `say --out` (after its 44-byte header)."""
    data = open(path, "rb").read()
    return data[44:]

hello = "Hello from the Duo"
hello_wav = f"{models}/hello.wav"
said = run(qemu + [duo, "say", hello, "--out", hello_wav])
expected = wav_samples(hello_wav) if said.returncode == 0 else b""
check(said.returncode == 0 and len(expected) > 22050, f"say --out '{hello}'", f"{len(expected) // 2} samples")

# A test asoundrc over the shipped configuration tree: a `file` PCM writing raw samples.
alsa_dir = os.path.abspath(".build-duo/alsa")
raw_path = os.path.abspath(f"{models}/hello.raw")
asoundrc = os.path.abspath(f"{models}/asoundrc")
with open(asoundrc, "w") as file:
    file.write(f'pcm.duo_check {{ type file slave.pcm "null" file "{raw_path}" format "raw" }}\n')
alsa_env = dict(os.environ, ALSA_CONFIG_DIR=alsa_dir, ALSA_CONFIG_PATH=f"{alsa_dir}/alsa.conf:{asoundrc}")
if os.path.exists(raw_path):
    os.remove(raw_path)
said = subprocess.run(qemu + [duo, "say", hello, "--audio-device", "duo_check"], capture_output=True, timeout=300,
                      env=alsa_env)
played = open(raw_path, "rb").read() if os.path.exists(raw_path) else b""
check(said.returncode == 0 and expected and played == expected,
      "say --audio-device duo_check (file PCM in a test asoundrc over .build-duo/alsa): the samples of say --out",
      f"exit {said.returncode}, {len(played) // 2} samples played, {len(expected) // 2} expected"
      + (f", {error_lines(said)}" if said.returncode else ""))

# The binary itself finds alsa/ beside it when the system has no /usr/share/alsa
# (as on the Duo's image): hide this machine's in a private mount namespace.
if os.path.exists(raw_path):
    os.remove(raw_path)
empty = os.path.abspath(f"{models}/empty")
os.makedirs(empty, exist_ok=True)
hidden = ["unshare", "-m", "sh", "-c", f'mount --bind "{empty}" /usr/share/alsa && exec "$@"', "hidden"]
probe = run(hidden + ["test", "!", "-e", "/usr/share/alsa/alsa.conf"]) if os.path.isdir("/usr/share/alsa") else None
if probe is None or probe.returncode == 0:
    if probe is None:
        hidden = []   # no system tree at all: the binary must use its own either way
    said = run(hidden + qemu + [os.path.abspath(duo), "say", hello, "--audio-device", f"file:'{raw_path}',raw"])
    played = open(raw_path, "rb").read() if os.path.exists(raw_path) else b""
    check(said.returncode == 0 and expected and played == expected,
          "say --audio-device file:PATH,raw with no /usr/share/alsa: the shipped alsa/ is found, samples of say --out",
          f"exit {said.returncode}, {len(played) // 2} samples" + (f", {error_lines(said)}" if said.returncode else ""))
else:
    print("skip say with /usr/share/alsa hidden: `unshare -m` + mount --bind not permitted here "
          f"({probe.stderr.decode().strip()[:80]})", flush=True)

for device, label in [("hw:9,9", "say --audio-device hw:9,9 (no such card)"),
                      (None, "say without --out (no sound card under QEMU)")]:
    said = run(qemu + [duo, "say", "Hello"] + (["--audio-device", device] if device else []))
    lines = error_lines(said)
    check(said.returncode == 1 and len(lines) == 1 and lines[0].startswith("babyllama: error: no audio device")
          and "--out" in lines[0], f"{label}: one error line, exit 1", lines[0] if lines else "")

case = cases["stories260K_greedy"]
for device in ["null", "hw:9,9"]:
    spoken = run(qemu + [duo] + run_arguments(case, extra=["--speak", "--audio-device", device]))
    warnings = [line for line in spoken.stderr.decode().splitlines() if "warning" in line]
    check(spoken.returncode == 0 and spoken.stdout == case["text"].encode() and len(warnings) <= 1
          and (device != "null" or not warnings),
          f"run --speak --audio-device {device}: the golden story, {len(warnings)} warning(s)",
          warnings[0] if warnings else "")

# --- (d) memory ------------------------------------------------------------------------------
def peak_rss_kib(command):
    """Runs command; returns (exit status, its VmHWM in KiB), polled every 10 ms while it
    runs (VmHWM only grows, so the last reading is the peak up to the last few ms)."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        peak = max(peak, peak_kib(process.pid))
        time.sleep(0.01)
    return process.returncode, peak

budget_mb = 24
file_kib = os.path.getsize(m15q) / 1024
code, baseline = peak_rss_kib(qemu + [duo, "run", "models/stories260K.bin", "-z", "models/tok512.bin", "-n", "1", "-t", "0"])
check(code == 0, "baseline: qemu-riscv64 running stories260K for 1 step", f"VmHWM {baseline / 1024:.1f} MB")
code, run_peak = peak_rss_kib(qemu + [duo, "run", m15q, "-z", "models/tokenizer.bin", "-n", "32", "-t", "0",
                                      "-i", "Once upon a time"])
beyond = (run_peak - baseline - file_kib) / 1024
check(code == 0 and beyond <= budget_mb,
      f"run m15q (32 steps) under qemu-riscv64: VmHWM {run_peak / 1024:.1f} MB, file {file_kib / 1024:.1f} MB, "
      f"baseline {baseline / 1024:.1f} MB -> {beyond:.1f} MB beyond mapped weights (budget {budget_mb} MB)")
process, port = start_server(m15q, "models/tokenizer.bin", False)
status, _ = request(port, "/v1/generate", {"prompt": "Once upon a time", "max_tokens": 24, "seed": 1})
code, serve_peak = stop_server(process)
beyond = (serve_peak - baseline - file_kib) / 1024
check(status == 200 and code == 0 and beyond <= budget_mb,
      f"serve m15q (one 24-token story) under qemu-riscv64: VmHWM {serve_peak / 1024:.1f} MB -> "
      f"{beyond:.1f} MB beyond mapped weights (budget {budget_mb} MB)")

# --- (g) listening -------------------------------------------------------------------------------
def words(result):
    """What `listen --json` heard and understood (not its timing), or None."""
    try:
        answer = json.loads(result.stdout)
        return answer["text"], answer["understood"], answer["request"]["prompt"]
    except (ValueError, KeyError):
        return None

requests = ["tell me a story about a dragon and a cat", "please tell me a story about lily who likes to dance",
            "can you tell me a story about a red robot in the forest"]
listen_wavs = []
for index, text in enumerate(requests):
    wav = os.path.abspath(f"{models}/request{index}.wav")
    subprocess.run([host, "say", text, "--out", wav], check=True, stderr=subprocess.DEVNULL)
    listen_wavs.append(wav)
    heard_host = subprocess.run([host, "listen", "--in", wav, "--json"], capture_output=True)
    heard_duo = subprocess.run(qemu + [duo, "listen", "--in", wav, "--json", "--acoustic-model", duo_acoustic_model,
                                       "--listen-config", "Config/listen"], capture_output=True)
    check(words(heard_host) is not None and words(heard_duo) == words(heard_host),
          f"listen --in under qemu-riscv64 hears what the host hears: \"{text}\"",
          f"host {words(heard_host)}, duo {words(heard_duo)} {heard_duo.stderr.decode()[-200:]}")
# The CI part of the spoken-request test set (espeak-ng voices at 16 kHz, clean and noisy):
# the same words on both.
testset = f"{models}/listen-testset"
subprocess.run(["python3", "scripts/listen-testset.py", "--out", testset], check=True, stdout=subprocess.DEVNULL)
manifest = json.load(open(f"{testset}/manifest.json"))["files"]
chosen = [entry for entry in manifest if entry["snr"] is None][:8] + [entry for entry in manifest if entry["snr"] is not None][:4]
differ = []
for entry in chosen:
    wav = f"{testset}/{entry['file']}"
    host_words = words(subprocess.run([host, "listen", "--in", wav, "--json"], capture_output=True))
    duo_words = words(subprocess.run(qemu + [duo, "listen", "--in", wav, "--json", "--acoustic-model", duo_acoustic_model,
                                             "--listen-config", "Config/listen"], capture_output=True))
    if host_words is None or duo_words != host_words:
        differ.append(f"{entry['file']}: host {host_words}, duo {duo_words}")
check(not differ, f"listen --in under qemu-riscv64 on {len(chosen)} test-set requests: the host's words, each",
      "; ".join(differ))
process, port = start_server(m15q, "models/tokenizer.bin", False, listen=True)
listened = urllib.request.Request(f"http://127.0.0.1:{port}/v1/listen", data=open(listen_wavs[0], "rb").read(),
                                  headers={"Content-Type": "audio/wav"})
with urllib.request.urlopen(listened, timeout=600) as answer:
    listen_status, heard = answer.status, json.loads(answer.read())
import base64
status, body = request(port, "/v1/generate", {"prompt_audio": base64.b64encode(open(listen_wavs[0], "rb").read()).decode(),
                                              "max_tokens": 24, "seed": 1})
story = json.loads(body)
code, listen_peak = stop_server(process)
beyond = (listen_peak - baseline - file_kib) / 1024
check(listen_status == 200 and heard.get("text") == requests[0] and status == 200
      and story.get("heard", {}).get("text") == requests[0] and code == 0 and beyond <= budget_mb,
      f"serve m15q with listening under qemu-riscv64: /v1/listen and a prompt_audio story, VmHWM "
      f"{listen_peak / 1024:.1f} MB -> {beyond:.1f} MB beyond mapped weights (budget {budget_mb} MB; "
      f"without listening {(serve_peak - baseline - file_kib) / 1024:.1f} MB)")

# --- poll, not epoll -----------------------------------------------------------------------------
symbols = subprocess.run(["riscv64-linux-gnu-nm", ".build-duo/babyllama.unstripped"], capture_output=True,
                         text=True).stdout
epoll = sorted({line.split()[-1] for line in symbols.splitlines() if "epoll" in line})
mhd_config = open(next(os.path.join(root, "MHD_config.h") for root, _, files in os.walk(".build-duo/src")
                       if "MHD_config.h" in files)).read()
check(not epoll and "#define EPOLL_SUPPORT" not in mhd_config and "#define HAVE_POLL 1" in mhd_config
      and any(line.split()[-1] == "poll" for line in symbols.splitlines()),
      "no epoll: libmicrohttpd built without it, no epoll_* symbol in the binary, poll linked",
      ", ".join(epoll))

print(f"check-duo: {'all passed' if not failures else str(len(failures)) + ' FAILED'}")
sys.exit(1 if failures else 0)
