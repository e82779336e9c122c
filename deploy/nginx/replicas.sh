#!/usr/bin/env bash
# Starts, stops and lists N `babyllama serve` replicas on consecutive ports of one
# host, for deploy/nginx/babyllama.conf to balance (the systemd way is
# deploy/systemd/babyllama@.service). No root needed.
#
#   deploy/nginx/replicas.sh start 3                      # 127.0.0.1:8081..8083, Config/babyllama.json
#   deploy/nginx/replicas.sh start 3 -- --config /etc/babyllama/babyllama.json --model models/stories15M.bin
#   deploy/nginx/replicas.sh status
#   deploy/nginx/replicas.sh stop
#
# Options (before `--`; what follows `--` goes to every `babyllama serve`):
#   --base-port P   the first replica's port (default 8081); replica i listens on P+i
#   --host ADDRESS  where they listen (default 127.0.0.1)
#   --threads T     matmul threads per replica (default: the CPUs shared out, at least 1)
#   --binary PATH   babyllama (default: the one on PATH, else .build/release/babyllama)
#   --run-dir DIR   PORT.pid and PORT.log files (default ${XDG_RUNTIME_DIR:-/tmp}/babyllama-replicas)
#   --wait S        seconds `start` waits for each /healthz to answer 200 (default 60)
# `start` returns once every replica has loaded its model, or stops them all and
# fails with the failing one's log. `stop` sends SIGTERM (stories in progress are
# finished, up to shutdown_grace_s) and waits for each to exit.
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}
die() {
    echo "replicas: error: $*" >&2
    exit 1
}

[ $# -ge 1 ] || usage
command=$1
shift
count=0
if [ "$command" = start ]; then
    [ $# -ge 1 ] || usage
    count=$1
    shift
    case "$count" in '' | *[!0-9]* | 0) die "the number of replicas must be a positive integer, got '$count'" ;; esac
fi

base_port=8081
host=127.0.0.1
threads=""
binary=""
run_dir=${XDG_RUNTIME_DIR:-/tmp}/babyllama-replicas
wait_s=60
serve_args=()
while [ $# -gt 0 ]; do
    case "$1" in
    --base-port) base_port=${2:?--base-port needs a port}; shift 2 ;;
    --host) host=${2:?--host needs an address}; shift 2 ;;
    --threads) threads=${2:?--threads needs a number}; shift 2 ;;
    --binary) binary=${2:?--binary needs a path}; shift 2 ;;
    --run-dir) run_dir=${2:?--run-dir needs a directory}; shift 2 ;;
    --wait) wait_s=${2:?--wait needs seconds}; shift 2 ;;
    --) shift; serve_args=("$@"); break ;;
    -h | --help) usage ;;
    *) die "unknown option '$1' (serve's own options go after --)" ;;
    esac
done

alive() { kill -0 "$1" 2>/dev/null; }
healthy() { curl -sf --noproxy '*' -o /dev/null --max-time 2 "http://$1/healthz"; }
url_host() { case "$host" in *:*) echo "[$host]" ;; *) echo "$host" ;; esac; }

# The replicas the run directory knows about: "PORT PID" lines.
recorded() {
    local file
    for file in "$run_dir"/*.pid; do
        [ -f "$file" ] || continue
        echo "$(basename "$file" .pid) $(cat "$file")"
    done
}

stop_all() {
    local port pid tries
    while read -r port pid; do
        if alive "$pid"; then
            kill -TERM "$pid" 2>/dev/null || true
            tries=0
            while alive "$pid" && [ "$tries" -lt 300 ]; do
                sleep 0.1
                tries=$((tries + 1))
            done
            if alive "$pid"; then
                echo "replicas: $port (pid $pid) did not stop in 30 s: killing it" >&2
                kill -KILL "$pid" 2>/dev/null || true
            fi
            echo "replicas: stopped $port (pid $pid)"
        fi
        rm -f "$run_dir/$port.pid"
    done < <(recorded)
}

start_all() {
    case "$base_port" in '' | *[!0-9]*) die "--base-port must be a port number, got '$base_port'" ;; esac
    [ $((base_port + count - 1)) -le 65535 ] || die "ports $base_port..$((base_port + count - 1)) go past 65535"
    if [ -z "$binary" ]; then
        binary=$(command -v babyllama || echo .build/release/babyllama)
    fi
    [ -x "$binary" ] || die "no babyllama binary at '$binary' (swift build -c release, or --binary)"
    if [ -z "$threads" ]; then
        threads=$(( $(getconf _NPROCESSORS_ONLN) / count ))
        [ "$threads" -ge 1 ] || threads=1
    fi
    mkdir -p "$run_dir"
    local port pid
    while read -r port pid; do
        alive "$pid" && die "replica $port (pid $pid) is already running: replicas.sh stop --run-dir $run_dir first"
        rm -f "$run_dir/$port.pid"
    done < <(recorded)

    local i
    for ((i = 0; i < count; i++)); do
        port=$((base_port + i))
        "$binary" serve --host "$host" --port "$port" --threads "$threads" --max-connections-per-ip 0 "${serve_args[@]}" \
            </dev/null >"$run_dir/$port.log" 2>&1 &
        echo $! >"$run_dir/$port.pid"
    done

    local address deadline
    deadline=$((SECONDS + wait_s))
    for ((i = 0; i < count; i++)); do
        port=$((base_port + i))
        pid=$(cat "$run_dir/$port.pid")
        address="$(url_host):$port"
        until healthy "$address"; do
            if ! alive "$pid" || [ "$SECONDS" -ge "$deadline" ]; then
                echo "replicas: error: replica $port (pid $pid) did not become healthy; its log:" >&2
                tail -n 20 "$run_dir/$port.log" >&2
                stop_all >/dev/null
                exit 1
            fi
            sleep 0.1
        done
        echo "replicas: http://$address (pid $pid, $threads threads, log $run_dir/$port.log)"
    done
}

status_all() {
    local port pid state found=0
    while read -r port pid; do
        found=1
        if ! alive "$pid"; then
            state="not running"
        elif healthy "$(url_host):$port"; then
            state="healthy"
        else
            state="running, /healthz not 200"
        fi
        echo "replicas: $port (pid $pid): $state"
    done < <(recorded)
    [ "$found" = 1 ] || echo "replicas: none recorded in $run_dir"
}

case "$command" in
start) start_all ;;
stop) stop_all ;;
status) status_all ;;
*) usage ;;
esac
