#!/usr/bin/env bash
# Fuzzes the code that reads untrusted bytes with libFuzzer and AddressSanitizer:
# request bodies and queries, the JSON layer, the tokenizer's encode, the checkpoint
# and tokenizer loaders. Each target is one file Tests/Fuzz/Targets/NAME.swift that
# defines `func fuzz(_ input: [UInt8])`; Tests/Fuzz/Common/ holds the libFuzzer entry
# point that calls it. Seeds are in Tests/Fuzz/Corpus/NAME/ (a dictionary, if any,
# in Tests/Fuzz/Dictionaries/NAME.dict).
#
#   scripts/fuzz.sh                       every target, FUZZ_SECONDS (default 20) each
#   FUZZ_SECONDS=300 scripts/fuzz.sh json   one target, five minutes
#   FUZZ_SECONDS=0 scripts/fuzz.sh        only replay the seed corpora (a regression check)
#   scripts/fuzz.sh --build               only build (.build-fuzz/NAME)
#   .build-fuzz/NAME CRASH-FILE           replay one input
#
# The project's Swift targets the fuzzers reach (Support, LlamaKernels, LlamaCore,
# StorySpeech, StoryListening, StoryService) are compiled with swiftc, whole module, -O, with
# coverage and ASan (-sanitize=fuzzer,address) and -enable-testing (so targets can
# `@testable import` internal parsers); the C shims with swift's clang. jansson,
# libmicrohttpd, espeak-ng and ALSA are reached through the same lazy-loading
# forwarders as the product (dlopen at the first call); the libraries themselves
# are not instrumented. Found inputs go to .build-fuzz/corpus/NAME (not the repo).
# Any crash, sanitizer report, failed property, leak, timeout (FUZZ_TIMEOUT s per
# input) or out-of-memory (FUZZ_RSS_MB) fails the script with the reproducer printed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
out=$repo/.build-fuzz
seconds=${FUZZ_SECONDS:-20}
timeout=${FUZZ_TIMEOUT:-10}
rss_mb=${FUZZ_RSS_MB:-2048}
build_only=0
requested=()
for argument in "$@"; do
    case $argument in
        --build) build_only=1 ;;
        -h|--help) sed -n "2,23p" "$repo/scripts/fuzz.sh" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) requested+=("$argument") ;;
    esac
done

mapfile -t all_targets < <(find Tests/Fuzz/Targets -name '*.swift' -printf '%f\n' | sed 's/\.swift$//' | LC_ALL=C sort)
targets=("${requested[@]:-${all_targets[@]}}")
for target in "${targets[@]}"; do
    [ -f "Tests/Fuzz/Targets/$target.swift" ] || {
        echo "fuzz: no target '$target' (have: ${all_targets[*]})" >&2; exit 2; }
done

swiftc=$(command -v swiftc) || { echo "fuzz: swiftc not found (Swift 6.3 on PATH)" >&2; exit 1; }
clang=$(dirname "$(readlink -f "$swiftc")")/clang
[ -x "$clang" ] || clang=$(command -v clang) || { echo "fuzz: no clang beside swiftc" >&2; exit 1; }

# --- build ------------------------------------------------------------------------
# As Package.swift: x86-64 builds name the CPU so the kernels' SIMD code is AVX2/FMA.
cpu=(); [ "$(uname -m)" = x86_64 ] && cpu=(-Xcc -march=haswell -target-cpu haswell)
# The C targets: the shims, and the forwarders that dlopen jansson, libmicrohttpd, espeak-ng, ALSA.
c_targets=(CPosix CLazyLibrary CRiscvKernels CX86Kernels CJansson CMicroHTTPD CEspeak CAlsa CPocketSphinx)
c_includes=()
for target in "${c_targets[@]}"; do c_includes+=(-I "$repo/Sources/$target/include"); done
swift_flags=("-sanitize=fuzzer,address" -parse-as-library -O -g -wmo -I "$out/modules" "${cpu[@]}" "${c_includes[@]}")
modules=(Support LlamaKernels LlamaCore StorySpeech StoryListening StoryService)

# The modules are rebuilt when a source or this script is newer than the last build;
# a target when its file, Tests/Fuzz/Common or the modules are newer than it.
stamp=$out/modules/built
if [ ! -e "$stamp" ] || [ -n "$(find Sources "$repo/scripts/fuzz.sh" -newer "$stamp" -print -quit)" ]; then
    rm -rf "$out/modules" "$out/objects"
    mkdir -p "$out/modules" "$out/objects"
    for target in "${c_targets[@]}"; do
        while IFS= read -r source; do
            "$clang" -fsanitize=fuzzer-no-link,address -O1 -g -fPIC "${c_includes[@]}" \
                -c "$source" -o "$out/objects/$target-$(basename "$source" .c).o"
        done < <(find "Sources/$target" -name '*.c' | LC_ALL=C sort)
    done
    for module in "${modules[@]}"; do
        mapfile -t sources < <(find "Sources/$module" -name '*.swift' | LC_ALL=C sort)
        "$swiftc" "${swift_flags[@]}" -enable-testing -module-name "$module" \
            -emit-module -emit-module-path "$out/modules/$module.swiftmodule" \
            -c "${sources[@]}" -o "$out/objects/$module.o"
        echo "fuzz: built $module"
    done
    touch "$stamp"
fi
mapfile -t common < <(find Tests/Fuzz/Common -name '*.swift' | LC_ALL=C sort)
for target in "${all_targets[@]}"; do
    binary=$out/$target
    if [ -e "$binary" ] && [ -z "$(find "$stamp" "${common[@]}" "Tests/Fuzz/Targets/$target.swift" -newer "$binary" -print -quit)" ]; then
        continue
    fi
    # Linking with -g leaves the target's module files in the working directory: $out/link.
    mkdir -p "$out/link"
    (cd "$out/link" && "$swiftc" "${swift_flags[@]}" -module-name "Fuzz_$target" -use-ld=lld \
        "${common[@]/#/$repo/}" "$repo/Tests/Fuzz/Targets/$target.swift" "$out"/objects/*.o -o "$binary")
    echo "fuzz: built .build-fuzz/$target"
done
[ "$build_only" = 1 ] && exit 0

# --- run ---------------------------------------------------------------------------
# Swift's own crash backtracer would run inside ASan's report (and trip it); libFuzzer
# and ASan print the stack.
export SWIFT_BACKTRACE=enable=no
# LeakSanitizer needs ptrace-like access to the process, which some containers deny;
# there the runs go on without leak detection, and say so.
leaks=1
mkdir -p "$out/empty"
if "$out/${targets[0]}" -runs=0 -detect_leaks=1 "$out/empty" 2>&1 | grep -q 'LeakSanitizer has encountered a fatal error'; then
    leaks=0
    echo "fuzz: warning: LeakSanitizer does not work here (no ptrace?); leaks are not checked" >&2
fi
failed=()
for target in "${targets[@]}"; do
    corpus=$out/corpus/$target
    artifacts=$out/artifacts/$target/
    # Reproducers of this run only (an earlier run's were printed then).
    rm -rf "$artifacts"
    mkdir -p "$corpus" "$artifacts" "Tests/Fuzz/Corpus/$target"
    # libFuzzer reads -max_total_time=0 as "no limit": 0 here means the seeds once each.
    duration=(-max_total_time="$seconds"); [ "$seconds" = 0 ] && duration=(-runs=0)
    options=("${duration[@]}" -timeout="$timeout" -rss_limit_mb="$rss_mb" -print_final_stats=1
             -artifact_prefix="$artifacts" -detect_leaks="$leaks")
    dict=Tests/Fuzz/Dictionaries/$target.dict
    [ -f "$dict" ] && options+=(-dict="$dict")
    log=$out/$target.log
    echo "fuzz: $target for ${seconds}s (log: .build-fuzz/$target.log)"
    # The first corpus directory takes what the run finds; the seeds are only read.
    # shellcheck disable=SC2086  # FUZZ_ARGS is a list of extra libFuzzer flags
    if "$out/$target" "${options[@]}" ${FUZZ_ARGS:-} "$corpus" "Tests/Fuzz/Corpus/$target" >"$log" 2>&1; then
        # The last status line (#runs, cov, ft, corpus) and the final statistics.
        grep -E '^#[0-9]+' "$log" | tail -1 | sed "s/^/fuzz: $target: /"
        grep -E '^stat::number_of_executed_units' "$log" | sed "s/^/fuzz: $target: /"
    else
        failed+=("$target")
        echo "fuzz: $target FAILED; the end of its log:" >&2
        tail -60 "$log" >&2
        while IFS= read -r crash; do
            echo "fuzz: reproducer $crash ($(stat -c %s "$crash") bytes), base64:" >&2
            base64 -w 76 "$crash" | head -40 >&2
            echo "fuzz: replay with: .build-fuzz/$target $crash" >&2
        done < <(find "$artifacts" -type f)
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: FAILED: ${failed[*]}" >&2
    exit 1
fi
if [ "$seconds" = 0 ]; then
    echo "fuzz: ${#targets[@]} targets, their corpora replayed: no crash"
else
    echo "fuzz: ${#targets[@]} targets, ${seconds}s each: no crash"
fi
