#!/usr/bin/env bash
# Installs the Duo build on a Milk-V Duo over its USB-Ethernet link and starts it:
#
#   deploy/duo/install.sh [--model FILE] [--tokenizer FILE] [--dry-run] [--no-start] [HOST]
#
# HOST defaults to root@192.168.42.1. Copies .build-duo/babyllama (made by
# scripts/build-duo.sh), the model and its tokenizer, .build-duo/espeak-ng-data,
# .build-duo/alsa (alsa-lib's configuration, used when the board has no
# /usr/share/alsa), a configuration made from Config/duo.json and the init script
# deploy/duo/S99zbabyllama into /root/babyllama on the board, installs the
# script as /etc/init.d/S99zbabyllama (so it starts at every boot, after usb0 is
# up), starts it, and asks the server's /healthz from this machine.
#
# The default model is the bundled one (models/stories260K.bin, models/tok512.bin:
# llama2.c's tiny stories260K, 1 MB, short simple stories). For longer, better ones:
#   deploy/duo/install.sh --model models/stories15M_q80.bin --tokenizer models/tokenizer.bin
# (a Q8_0 file: the fp32 stories15M.bin, 61 MB, does not fit in the Duo's RAM.)
#
# Environment: SSH, SCP and CURL replace the commands used (default ssh,
# scp -O where supported, since the board's dropbear has no sftp-server, and
# curl); BABYLLAMA_BUILD_DIR the build directory (.build-duo); BABYLLAMA_REMOTE_DIR
# the directory on the board (/root/babyllama); BABYLLAMA_HEALTH_TRIES how many
# times /healthz is asked, a second apart (30).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)

die() {
    echo "install.sh: error: $*" >&2
    exit 1
}

usage() {
    sed -n '2,26s/^# \{0,1\}//p' "$0"
}

host=root@192.168.42.1
model=$repo/models/stories260K.bin
tokenizer=$repo/models/tok512.bin
dry_run=0
start=1
host_given=0
while [ $# -gt 0 ]; do
    case "$1" in
        --model) [ $# -ge 2 ] || die "--model needs a file"; model=$2; shift 2 ;;
        --model=*) model=${1#*=}; shift ;;
        --tokenizer) [ $# -ge 2 ] || die "--tokenizer needs a file"; tokenizer=$2; shift 2 ;;
        --tokenizer=*) tokenizer=${1#*=}; shift ;;
        --dry-run | -n) dry_run=1; shift ;;
        --no-start) start=0; shift ;;
        -h | --help) usage; exit 0 ;;
        -*) die "unknown option $1 (see --help)" ;;
        *)
            [ "$host_given" = 0 ] || die "more than one HOST given: $host and $1"
            host=$1
            host_given=1
            shift
            ;;
    esac
done

build_dir=${BABYLLAMA_BUILD_DIR:-$repo/.build-duo}
remote_dir=${BABYLLAMA_REMOTE_DIR:-/root/babyllama}
health_tries=${BABYLLAMA_HEALTH_TRIES:-30}
binary=$build_dir/babyllama
speech_data=$build_dir/espeak-ng-data
alsa_config=$build_dir/alsa
listen_config=$repo/Config/listen
acoustic_model=$build_dir/pocketsphinx-model
init_script=$repo/deploy/duo/S99zbabyllama
config_template=$repo/Config/duo.json

# Remote commands go through the board's shell: keep the directory a plain path.
case "$remote_dir" in
    /*) ;;
    *) die "BABYLLAMA_REMOTE_DIR must be an absolute path, got '$remote_dir'" ;;
esac
case "$remote_dir" in
    *[!A-Za-z0-9/._-]*) die "BABYLLAMA_REMOTE_DIR may hold only letters, digits and / . _ -, got '$remote_dir'" ;;
esac
case "$health_tries" in
    '' | *[!0-9]*) die "BABYLLAMA_HEALTH_TRIES must be a number, got '$health_tries'" ;;
esac

[ -f "$binary" ] || die "$binary not found: build it first with scripts/build-duo.sh"
[ -x "$binary" ] || die "$binary is not executable: build it again with scripts/build-duo.sh"
[ -f "$model" ] || die "model $model not found (--model FILE)"
[ -f "$tokenizer" ] || die "tokenizer $tokenizer not found (--tokenizer FILE)"
[ -f "$init_script" ] || die "$init_script is missing"
[ -f "$config_template" ] || die "$config_template is missing"
model_name=$(basename "$model")
tokenizer_name=$(basename "$tokenizer")
for name in "$model_name" "$tokenizer_name"; do
    case "$name" in
        *[!A-Za-z0-9._-]*) die "file names on the board may hold only letters, digits and . _ -: rename '$name'" ;;
        babyllama | babyllama.json | S99zbabyllama | espeak-ng-data | alsa | listen | pocketsphinx-model) die "'$name' is a name the install uses; rename it" ;;
    esac
done
[ "$model_name" != "$tokenizer_name" ] || die "the model and the tokenizer have the same file name ($model_name)"
# The Duo has ~55 MB free with the ION carve-out off (~28 MB on the stock image).
model_kib=$(($(wc -c <"$model") / 1024))
if [ "$model_kib" -gt 40960 ]; then
    echo "install.sh: warning: $model_name is $((model_kib / 1024)) MB, more than the Duo's 64 MB RAM can hold beside the server; use a Q8_0 file (export.py --version 2)" >&2
fi
if [ ! -d "$speech_data" ]; then
    echo "install.sh: warning: $speech_data not found: the server will run without speech (requests for it get 501)" >&2
fi
if [ ! -f "$listen_config/story.gram" ] || [ ! -f "$acoustic_model/en-us/mdef" ]; then
    echo "install.sh: warning: $listen_config or $acoustic_model is missing: the server will run without listening (requests for it get 501)" >&2
fi
if [ ! -d "$alsa_config" ]; then
    echo "install.sh: warning: $alsa_config not found: on a board without /usr/share/alsa nothing can be played (WAV answers still work)" >&2
fi

if [ -n "${SCP:-}" ]; then
    scp_command=$SCP
elif scp -O 2>&1 | grep -qiE "unknown option|illegal option|invalid option"; then
    scp_command=scp
else
    # OpenSSH 9 speaks SFTP by default; dropbear only understands the old protocol.
    scp_command="scp -O"
fi
ssh_command=${SSH:-ssh}
curl_command=${CURL:-curl}
read -r -a ssh_argv <<<"$ssh_command"
read -r -a scp_argv <<<"$scp_command"
read -r -a curl_argv <<<"$curl_command"

# Prints and runs a command (only prints it with --dry-run).
run() {
    printf '+'
    printf ' %q' "$@"
    printf '\n'
    [ "$dry_run" = 1 ] && return 0
    "$@"
}

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
# The configuration: Config/duo.json with this install's directory and files.
sed -e "s|\"checkpoint\": *\"[^\"]*\"|\"checkpoint\": \"$remote_dir/$model_name\"|" \
    -e "s|\"tokenizer\": *\"[^\"]*\"|\"tokenizer\": \"$remote_dir/$tokenizer_name\"|" \
    -e "s|\"data_path\": *\"[^\"]*\"|\"data_path\": \"$remote_dir/espeak-ng-data\"|" \
    -e "s|\"config_dir\": *\"[^\"]*\"|\"config_dir\": \"$remote_dir/listen\"|" \
    -e "s|\"acoustic_model\": *\"[^\"]*\"|\"acoustic_model\": \"$remote_dir/pocketsphinx-model/en-us\"|" \
    "$config_template" >"$staging/babyllama.json"
grep -q "\"checkpoint\": \"$remote_dir/$model_name\"" "$staging/babyllama.json" ||
    die "could not set the model path in the configuration made from $config_template"

# Port for the health check, from the configuration the board will read.
port=$(sed -n 's/.*"port": *\([0-9][0-9]*\).*/\1/p' "$staging/babyllama.json" | head -n 1)
port=${port:-8080}
address=${host##*@}

init=/etc/init.d/S99zbabyllama
echo "== installing on $host: $model_name, $tokenizer_name into $remote_dir"
# The running server is stopped first: its binary cannot be overwritten while it runs.
run "${ssh_argv[@]}" "$host" "mkdir -p $remote_dir && if [ -x $init ]; then $init stop; fi && rm -rf $remote_dir/espeak-ng-data $remote_dir/alsa $remote_dir/listen $remote_dir/pocketsphinx-model" ||
    die "could not reach $host over ssh (is the Duo plugged in, and usb0 up? try: ssh $host)"
sources=("$binary" "$staging/babyllama.json" "$init_script" "$model" "$tokenizer")
[ -d "$speech_data" ] && sources+=("$speech_data")
[ -d "$alsa_config" ] && sources+=("$alsa_config")
# Listening: the grammar folder (as listen/) and pocketsphinx's acoustic model.
if [ -f "$listen_config/story.gram" ] && [ -d "$acoustic_model" ]; then
    cp -r "$listen_config" "$staging/listen"
    sources+=("$staging/listen" "$acoustic_model")
fi
run "${scp_argv[@]}" -r "${sources[@]}" "$host:$remote_dir/" || die "copying to $host:$remote_dir failed"
setup="chmod 755 $remote_dir/babyllama $remote_dir/S99zbabyllama"
setup="$setup && chmod 644 $remote_dir/babyllama.json $remote_dir/$model_name $remote_dir/$tokenizer_name"
setup="$setup && mv -f $remote_dir/S99zbabyllama $init"
[ "$start" = 1 ] && setup="$setup && $init start"
run "${ssh_argv[@]}" "$host" "$setup" || die "installing $init on $host failed"

if [ "$start" = 0 ]; then
    echo "== installed; start it with: ssh $host $init start"
    exit 0
fi

url="http://$address:$port/healthz"
echo "== waiting for $url"
if [ "$dry_run" = 1 ]; then
    run "${curl_argv[@]}" -fsS --max-time 5 "$url"
    exit 0
fi
for ((try = 1; try <= health_tries; try++)); do
    # 503 until the model is loaded; refused until the server listens.
    if answer=$("${curl_argv[@]}" -fsS --max-time 5 "$url" 2>/dev/null); then
        echo "== $url: $answer"
        echo "== installed and running; logs: ssh $host tail -f /var/log/babyllama.log"
        exit 0
    fi
    sleep 1
done
die "$url did not answer within $health_tries tries; see the log: ssh $host tail /var/log/babyllama.log"
