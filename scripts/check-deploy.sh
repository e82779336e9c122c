#!/usr/bin/env bash
# Checks the deployment files without a board:
#  1. syntax: the Duo init script under BusyBox sh (and dash), install.sh and
#     deploy/nginx/replicas.sh under bash, all through shellcheck; the systemd unit
#     and its replica template (babyllama@.service) with systemd-analyze verify;
#  2. the init script's life cycle under `busybox sh` with a fake `babyllama`
#     (start, status, respawn after a crash, log rotation, stop, fallback address);
#  3. install.sh against fake ssh/scp/curl that act on a temporary "board root".
# Needs busybox and shellcheck (scripts/install-deps.sh installs them).
# shellcheck disable=SC2015 # `check && pass || fail`: pass only prints, it cannot fail
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
init_script=$repo/deploy/duo/S99zbabyllama
install_script=$repo/deploy/duo/install.sh
unit=$repo/deploy/systemd/babyllama.service
replica_dropin=$repo/deploy/systemd/babyllama@.service.d/replica.conf
replicas_script=$repo/deploy/nginx/replicas.sh

failures=0
fail() {
    echo "check-deploy: FAIL: $*" >&2
    failures=$((failures + 1))
}
pass() {
    echo "check-deploy: ok: $*"
}
need() {
    command -v "$1" >/dev/null 2>&1 || { echo "check-deploy: error: $1 is missing (run scripts/install-deps.sh)" >&2; exit 1; }
}
need busybox
need shellcheck

work=$(mktemp -d)
cleanup() {
    # Stop whatever the tests started (by PID, from their own pid files) before removing them.
    for pidfile in "$work"/*/run/*.pid "$work"/board/var/run/*.pid "$work"/life/app/sleepers "$work"/board/root/babyllama/sleepers; do
        [ -f "$pidfile" ] || continue
        while read -r pid; do
            case "$pid" in '' | *[!0-9]*) continue ;; esac
            kill -KILL "$pid" 2>/dev/null || true
        done <"$pidfile"
    done
    rm -rf "$work"
}
trap cleanup EXIT

# Polls (0.1 s apart, at most ~30 s) until the command succeeds.
eventually() {
    local tries=0
    until "$@"; do
        tries=$((tries + 1))
        [ "$tries" -lt 300 ] || return 1
        sleep 0.1
    done
}
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
dead() { ! alive "$1"; }
file_has() { grep -q -- "$2" "$1" 2>/dev/null; }

# ---- 1. syntax and lint
if busybox sh -n "$init_script" && dash -n "$init_script"; then pass "init script parses under busybox sh and dash"; else fail "init script syntax"; fi
if bash -n "$install_script" && bash -n "$replicas_script"; then pass "install.sh, replicas.sh parse under bash"; else fail "install.sh/replicas.sh syntax"; fi
if shellcheck -s sh "$init_script" && shellcheck "$install_script" "$replicas_script" "$0"; then
    pass "shellcheck clean"
else
    fail "shellcheck"
fi
if command -v systemd-analyze >/dev/null 2>&1; then
    # verify wants the unit's ExecStart binary to exist; point it at a stand-in.
    mkdir -p "$work/unit"
    sed "s|/usr/local/bin/babyllama|/bin/true|" "$unit" >"$work/unit/babyllama.service"
    if output=$(systemd-analyze verify "$work/unit/babyllama.service" 2>&1) && [ -z "$output" ]; then
        pass "systemd-analyze verify babyllama.service"
    else
        fail "systemd-analyze verify: $output"
    fi
else
    echo "check-deploy: skip: systemd-analyze not installed, the unit is not verified"
fi
if command -v systemd-analyze >/dev/null 2>&1; then
    # The replica template: the same unit installed as babyllama@.service, with its drop-in.
    mkdir -p "$work/unit/babyllama@.service.d"
    cp "$work/unit/babyllama.service" "$work/unit/babyllama@.service"
    sed "s|/usr/local/bin/babyllama|/bin/true|" "$replica_dropin" >"$work/unit/babyllama@.service.d/replica.conf"
    if output=$(SYSTEMD_UNIT_PATH="$work/unit:" systemd-analyze verify babyllama@8081.service 2>&1) && [ -z "$output" ]; then
        pass "systemd-analyze verify babyllama@8081.service (the unit + replica.conf)"
    else
        fail "systemd-analyze verify babyllama@8081.service: $output"
    fi
fi
# shellcheck disable=SC2016 # the unit's own ${...}, matched literally
grep -q '^ExecStart=/usr/local/bin/babyllama serve --config /etc/babyllama/babyllama.json --port %i --threads ${BABYLLAMA_THREADS} --max-connections-per-ip 0$' "$replica_dropin" &&
    pass "replica template serves on the instance's port, with no per-address limit (behind the proxy)" || fail "replica.conf ExecStart"
grep -q '^ExecStart=/usr/local/bin/babyllama serve --config /etc/babyllama/babyllama.json$' "$unit" &&
    grep -q '^Restart=on-failure$' "$unit" && pass "unit runs serve --config, restarts on failure" || fail "unit ExecStart/Restart"

# A stand-in for the server: logs its arguments, exits 0 on SIGTERM like the real
# one, and exits 3 at once while a file `crash` is beside it.
make_fake_server() {
    cat >"$1" <<'EOF'
#!/bin/sh
here=$(dirname "$0")
echo "fake babyllama $$: $*"
if [ -e "$here/crash" ]; then
    echo "fake babyllama $$: crashing"
    exit 3
fi
sleep 1000 &
sleeper=$!
echo "$sleeper" >>"$here/sleepers"
trap 'kill $sleeper; echo "fake babyllama $$: SIGTERM, exiting 0"; exit 0' TERM
wait
EOF
    chmod 755 "$1"
}

# ---- 2. the init script's life cycle under busybox sh
life=$work/life
mkdir -p "$life/app" "$life/run"
make_fake_server "$life/app/babyllama"
echo '{}' >"$life/app/babyllama.json"
export BABYLLAMA_DIR=$life/app BABYLLAMA_LOG=$life/log/babyllama.log BABYLLAMA_PIDDIR=$life/run \
    BABYLLAMA_HOST=127.0.0.1 BABYLLAMA_SHELL="busybox sh" BABYLLAMA_LOG_MAX_KB=4
init() { busybox sh "$init_script" "$@"; }
supervisor_pid() { cat "$life/run/babyllama-supervisor.pid" 2>/dev/null || true; }
server_pid() { cat "$life/run/babyllama.pid" 2>/dev/null || true; }

status_code=0
init status >/dev/null || status_code=$?
[ "$status_code" = 3 ] && pass "status before start: not running (3)" || fail "status before start gave $status_code, expected 3"

init start
supervisor=$(supervisor_pid)
if eventually file_has "$BABYLLAMA_LOG" "fake babyllama .*serve --config $life/app/babyllama.json --host 127.0.0.1"; then
    pass "start runs: babyllama serve --config ... --host 127.0.0.1"
else
    fail "start: the server did not log its start; log: $(cat "$BABYLLAMA_LOG" 2>/dev/null)"
fi
first=$(server_pid)
if init status | grep -q "running (supervisor $supervisor, server $first)" && alive "$supervisor" && alive "$first"; then
    pass "status: running (supervisor $supervisor, server $first)"
else
    fail "status after start: $(init status || true)"
fi
output=$(init start)
case "$output" in *"already running"*) pass "a second start says already running" ;; *) fail "second start: $output" ;; esac
[ "$(supervisor_pid)" = "$supervisor" ] || fail "a second start replaced the supervisor"

kill -KILL "$first" || true
respawned() { local pid; pid=$(server_pid); [ -n "$pid" ] && [ "$pid" != "$first" ] && alive "$pid"; }
if eventually respawned; then
    pass "server killed (-9): supervisor started a new one ($(server_pid))"
else
    fail "no new server after killing $first"
fi
file_has "$BABYLLAMA_LOG" "server exited with status 137; starting again in 1 s" && pass "the crash is logged" ||
    fail "crash not logged"

# A server that fails at once is started again, later each time: the two killed
# above ran under a minute, so the delays so far were 1 s and 2 s; next is 4 s.
second=$(server_pid)
touch "$life/app/crash"
kill -KILL "$second" 2>/dev/null || true
if eventually file_has "$BABYLLAMA_LOG" "server exited with status 3; starting again in 4 s"; then
    pass "a server failing at start is retried with backoff (1 s, 2 s, 4 s)"
else
    fail "no backoff after a failing start; log: $(cat "$BABYLLAMA_LOG")"
fi
started_servers=$(grep -c . "$life/app/sleepers")
rm -f "$life/app/crash"
# Each fake server that gets past the crash check adds a line to `sleepers`.
recovered() { [ "$(grep -c . "$life/app/sleepers")" -gt "$started_servers" ] && alive "$(server_pid)"; }
eventually recovered && pass "the server runs again once it stops failing ($(server_pid))" || fail "the server did not come back"

# Log rotation: the supervisor checks the size on its tick (SIGUSR1).
head -c 6000 /dev/zero | tr '\0' 'x' >>"$BABYLLAMA_LOG"
kill -USR1 "$supervisor" || true
if eventually file_has "$BABYLLAMA_LOG" "moved to $BABYLLAMA_LOG.1" && file_has "$BABYLLAMA_LOG.1" xxxx &&
    [ "$(wc -c <"$BABYLLAMA_LOG")" -lt 1024 ]; then
    pass "log over BABYLLAMA_LOG_MAX_KB moved to babyllama.log.1"
else
    fail "log not rotated"
fi
alive "$supervisor" && alive "$(server_pid)" && pass "rotation left both running" || fail "rotation stopped the service"

last=$(server_pid)
init stop
if dead "$supervisor" && dead "$last"; then pass "stop: supervisor and server are gone"; else fail "stop left a process"; fi
file_has "$BABYLLAMA_LOG" "fake babyllama $last: SIGTERM, exiting 0" && file_has "$BABYLLAMA_LOG" "server stopped (exit status 0)" &&
    pass "stop sent SIGTERM and logged exit status 0" || fail "stop not logged: $(tail -5 "$BABYLLAMA_LOG")"
[ ! -e "$life/run/babyllama.pid" ] && [ ! -e "$life/run/babyllama-supervisor.pid" ] && pass "pid files removed" ||
    fail "pid files left"
status_code=0
init status >/dev/null || status_code=$?
[ "$status_code" = 3 ] && pass "status after stop: not running (3)" || fail "status after stop gave $status_code"

# The address never appears: the server listens on 0.0.0.0 and says why.
BABYLLAMA_HOST=192.0.2.254 BABYLLAMA_WAIT_S=0 init start >/dev/null
if eventually file_has "$BABYLLAMA_LOG" "fake babyllama .*--host 0.0.0.0" &&
    file_has "$BABYLLAMA_LOG" "address 192.0.2.254 did not appear within 0 s (is usb0 up?): listening on 0.0.0.0 instead"; then
    pass "missing address: falls back to 0.0.0.0 with a log line"
else
    fail "no fallback to 0.0.0.0"
fi
init restart >/dev/null
eventually alive "$(server_pid)" && pass "restart" || fail "restart"
init stop >/dev/null

# Missing binary: a clear error, non-zero.
mv "$life/app/babyllama" "$life/app/babyllama.off"
if output=$(init start 2>&1); then fail "start without a binary succeeded"; else
    case "$output" in *"is missing or not executable"*) pass "start without a binary: $output" ;; *) fail "start without binary: $output" ;; esac
fi
unset BABYLLAMA_DIR BABYLLAMA_LOG BABYLLAMA_PIDDIR BABYLLAMA_HOST BABYLLAMA_SHELL BABYLLAMA_LOG_MAX_KB

# ---- 3. install.sh against a fake board
board=$work/board
fakes=$work/fakes
build=$work/build
mkdir -p "$board/etc/init.d" "$board/var/run" "$board/var/log" "$board/root" "$fakes" "$build/espeak-ng-data/voices" \
    "$build/alsa/pcm" "$build/pocketsphinx-model/en-us"
make_fake_server "$build/babyllama"
chmod 700 "$build/babyllama"                  # install.sh must set the modes itself
echo phondata >"$build/espeak-ng-data/phondata"
echo voice >"$build/espeak-ng-data/voices/en"
echo 'pcm.null { type null }' >"$build/alsa/alsa.conf"
echo 'pcm.dmix {}' >"$build/alsa/pcm/dmix.conf"
echo mdef >"$build/pocketsphinx-model/en-us/mdef"
head -c 1000 /dev/urandom >"$work/story_q80.bin"
head -c 500 /dev/urandom >"$work/tokenizer.bin"
chmod 600 "$work/story_q80.bin"

# ssh HOST COMMAND: runs COMMAND with the board's absolute paths moved under $board,
# and the init script's paths pointed there too.
cat >"$fakes/ssh" <<EOF
#!/bin/sh
while [ \$# -gt 0 ]; do case "\$1" in -o|-p|-i) shift 2 ;; -*) shift ;; *) break ;; esac; done
host=\$1; shift
echo "ssh \$host \$*" >>"$work/fake.log"
command=\$(echo "\$*" | sed 's#\\(^\\| \\)/#\\1$board/#g')
BABYLLAMA_DIR=$board/root/babyllama BABYLLAMA_LOG=$board/var/log/babyllama.log \\
BABYLLAMA_PIDDIR=$board/var/run BABYLLAMA_HOST=127.0.0.1 BABYLLAMA_SHELL="busybox sh" \\
    exec busybox sh -c "\$command"
EOF
# scp [-O] [-r] SOURCES... HOST:PATH: copies under $board (new files take the source's mode, as scp does).
cat >"$fakes/scp" <<EOF
#!/bin/sh
echo "scp \$*" >>"$work/fake.log"
recursive=""
while [ \$# -gt 0 ]; do case "\$1" in -o|-P|-i) shift 2 ;; -r) recursive=-r; shift ;; -*) shift ;; *) break ;; esac; done
for last; do :; done
case "\$last" in *:/*) ;; *) echo "fake scp: destination must be HOST:/PATH" >&2; exit 1 ;; esac
destination=$board\${last#*:}
[ -d "\$destination" ] || { echo "fake scp: \$destination: no such directory" >&2; exit 1; }
while [ \$# -gt 1 ]; do
    if [ -d "\$1" ] && [ -z "\$recursive" ]; then echo "fake scp: \$1: not a regular file" >&2; exit 1; fi
    cp \$recursive "\$1" "\$destination" || exit 1
    shift
done
EOF
# curl URL: answers like /healthz while the board's server (pid file) is alive.
cat >"$fakes/curl" <<EOF
#!/bin/sh
echo "curl \$*" >>"$work/fake.log"
pid=\$(cat $board/var/run/babyllama.pid 2>/dev/null) && kill -0 "\$pid" 2>/dev/null || { echo "curl: (7) refused" >&2; exit 7; }
echo '{"status":"ok"}'
EOF
chmod 755 "$fakes/ssh" "$fakes/scp" "$fakes/curl"
export SSH=$fakes/ssh SCP="$fakes/scp -O" CURL=$fakes/curl BABYLLAMA_BUILD_DIR=$build BABYLLAMA_HEALTH_TRIES=30

mode() { stat -c %a "$1" 2>/dev/null; }
check_file() { # path mode [same-as]
    if [ ! -f "$1" ]; then fail "install: ${1#"$board"} missing"; return; fi
    [ "$(mode "$1")" = "$2" ] || fail "install: ${1#"$board"} has mode $(mode "$1"), expected $2"
    if [ -n "${3:-}" ] && ! cmp -s "$1" "$3"; then fail "install: ${1#"$board"} differs from $3"; fi
}

# Dry run: prints the commands, runs none.
: >"$work/fake.log"
if output=$("$install_script" --dry-run --model "$work/story_q80.bin" --tokenizer "$work/tokenizer.bin" root@duo.test 2>&1) &&
    [ ! -s "$work/fake.log" ] && echo "$output" | grep -q "^+ $fakes/scp -O -r .*root@duo.test:/root/babyllama/" &&
    echo "$output" | grep -q "^+ $fakes/curl -fsS --max-time 5 http://duo.test:8080/healthz"; then
    pass "--dry-run prints the ssh/scp/curl commands and runs none"
else
    fail "--dry-run: $output"
fi

# No build: says how to make one.
if output=$(BABYLLAMA_BUILD_DIR=$work/nothing "$install_script" 2>&1); then fail "install without a build succeeded"; else
    case "$output" in *"scripts/build-duo.sh"*) pass "install without a build: $output" ;; *) fail "no-build message: $output" ;; esac
fi
if output=$("$install_script" --model "$work/none.bin" 2>&1); then fail "install with a missing model succeeded"; else
    case "$output" in *"none.bin not found"*) pass "missing model: $output" ;; *) fail "missing-model message: $output" ;; esac
fi

: >"$work/fake.log"
if output=$("$install_script" --model "$work/story_q80.bin" --tokenizer "$work/tokenizer.bin" 2>&1); then
    pass "install.sh to the fake board (default host) exits 0"
else
    fail "install.sh failed: $output"
fi
echo "$output" | grep -q "http://192.168.42.1:8080/healthz: {\"status\":\"ok\"}" && pass "health checked at 192.168.42.1:8080" ||
    fail "health check output: $output"
grep -q "^ssh root@192.168.42.1 " "$work/fake.log" && grep -q "^scp -O -r " "$work/fake.log" && pass "ssh/scp -O to root@192.168.42.1" ||
    fail "commands used: $(cat "$work/fake.log")"
dir=$board/root/babyllama
check_file "$dir/babyllama" 755 "$build/babyllama"
check_file "$dir/babyllama.json" 644
check_file "$dir/story_q80.bin" 644 "$work/story_q80.bin"
check_file "$dir/tokenizer.bin" 644 "$work/tokenizer.bin"
check_file "$dir/espeak-ng-data/voices/en" 644 "$build/espeak-ng-data/voices/en"
check_file "$dir/alsa/alsa.conf" 644 "$build/alsa/alsa.conf"
check_file "$dir/alsa/pcm/dmix.conf" 644 "$build/alsa/pcm/dmix.conf"
check_file "$dir/pocketsphinx-model/en-us/mdef" 644 "$build/pocketsphinx-model/en-us/mdef"
check_file "$dir/listen/story.gram" 644 "$repo/Config/listen/story.gram"
check_file "$dir/listen/decoder.args" 644 "$repo/Config/listen/decoder.args"
check_file "$board/etc/init.d/S99zbabyllama" 755 "$init_script"
[ ! -e "$dir/S99zbabyllama" ] || fail "install: the init script was left in $dir"
if file_has "$dir/babyllama.json" '"checkpoint": "/root/babyllama/story_q80.bin"' &&
    file_has "$dir/babyllama.json" '"tokenizer": "/root/babyllama/tokenizer.bin"' &&
    file_has "$dir/babyllama.json" '"data_path": "/root/babyllama/espeak-ng-data"' &&
    file_has "$dir/babyllama.json" '"config_dir": "/root/babyllama/listen"' &&
    file_has "$dir/babyllama.json" '"acoustic_model": "/root/babyllama/pocketsphinx-model/en-us"' &&
    file_has "$dir/babyllama.json" '"host": "192.168.42.1"'; then
    pass "configuration names the board's files"
else
    fail "configuration: $(cat "$dir/babyllama.json")"
fi
if command -v python3 >/dev/null 2>&1; then
    python3 -m json.tool "$dir/babyllama.json" >/dev/null && pass "configuration is valid JSON" || fail "configuration is not JSON"
fi
board_server() { cat "$board/var/run/babyllama.pid" 2>/dev/null || true; }
first=$(board_server)
alive "$first" && file_has "$board/var/log/babyllama.log" "serve --config $dir/babyllama.json --host 127.0.0.1" &&
    pass "the installed init script started the server ($first)" || fail "server not started on the fake board"

# Installing again (an upgrade) stops the running server first, then starts the new one.
if "$install_script" --model "$work/story_q80.bin" --tokenizer "$work/tokenizer.bin" >/dev/null 2>&1 &&
    dead "$first" && file_has "$board/var/log/babyllama.log" "fake babyllama $first: SIGTERM, exiting 0" && alive "$(board_server)"; then
    pass "reinstall stopped the old server ($first) and started $(board_server)"
else
    fail "reinstall"
fi
BABYLLAMA_DIR=$dir BABYLLAMA_LOG=$board/var/log/babyllama.log BABYLLAMA_PIDDIR=$board/var/run \
    busybox sh "$board/etc/init.d/S99zbabyllama" stop >/dev/null

# A board that does not answer: a clear error and a non-zero exit.
if output=$(SSH=false "$install_script" 2>&1); then fail "install with ssh failing succeeded"; else
    case "$output" in *"could not reach root@192.168.42.1 over ssh"*) pass "unreachable board: clear error" ;; *) fail "unreachable: $output" ;; esac
fi

if [ "$failures" -gt 0 ]; then
    echo "check-deploy: $failures check(s) failed" >&2
    exit 1
fi
echo "check-deploy: all passed"
