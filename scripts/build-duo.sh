#!/usr/bin/env bash
# Builds babyllama for the Milk-V Duo: one static riscv64 binary with the engine,
# the HTTP service, speech and ALSA playback, in .build-duo/babyllama, with the
# English espeak-ng data beside it in .build-duo/espeak-ng-data and alsa-lib's
# configuration in .build-duo/alsa. One command on a fresh Debian machine:
#
#   scripts/build-duo.sh                  (rv64gc: the C906's scalar ISA)
#   DUO_VECTOR=rvv scripts/build-duo.sh   (rv64gcv, RVV 1.0 boards: .build-duo/babyllama-rvv)
#
# Steps, each skipped when its stamp in .build-duo/stamps says it is done (a rerun
# with everything in place takes seconds):
#  1. the cross tools from Debian (scripts/install-deps.sh: gcc-riscv64-linux-gnu,
#     qemu-user, autotools...);
#  2. the sources of libmicrohttpd, jansson, espeak-ng and alsa-lib from Debian's source
#     packages, through a private apt configuration in .build-duo/apt (the
#     machine's own sources.list and package lists are not touched);
#  3. those four cross-built static for riscv64 into .build-duo/prefix;
#  4. the Swift targets of Package.swift the Duo's program is made of (Support,
#     LlamaKernels, LlamaCore, StorySpeech, StoryService, BabyLlamaCLI and the entry
#     point BabyLlamaDuo) as Embedded Swift, whole targets, the same sources as the
#     host build; the C targets CPosix, CRiscvKernels (the riscv64 kernels) and
#     CLinkedLibraries with swift's clang; linked with riscv64-linux-gnu-gcc -static.
# The binary is glibc-static: it runs on the Duo's musl image as it is (static
# binaries carry their libc) and under qemu-riscv64 here. alsa-lib is built in
# (PCM only) for a Duo S's audio out or an I2S DAC on a Duo; its configuration tree
# goes beside the binary as .build-duo/alsa, used when the board has no
# /usr/share/alsa. The Duo 64M itself has no audio pins: there `say --out` and the
# service's "audio": "wav" answers carry the speech.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=$repo/.build-duo
stamps=$work/stamps
prefix=$work/prefix
host=riscv64-linux-gnu
sysroot=/usr/$host
jobs=$(nproc)
mkdir -p "$stamps"

step() { printf 'duo-build: %s\n' "$*"; }
done_stamp() { [ -e "$stamps/$1" ]; }
mark() { touch "$stamps/$1"; }

# --- 1. tools -----------------------------------------------------------------
# The project's one package list (it holds the cross tools too).
bash scripts/install-deps.sh
command -v swiftc >/dev/null || { echo "duo-build: swiftc not found (Swift 6.3 on PATH)" >&2; exit 1; }

# --- 2. sources -----------------------------------------------------------------
# Pinned to the releases that are known to build and download: bookworm's
# libmicrohttpd 0.9.75, jansson 2.14 and alsa-lib 1.2.8; espeak-ng from trixie (1.52), because
# bookworm's espeak-ng 1.51 source tarball was missing from the mirror (404) in a
# trial while trixie's downloaded. The .dsc checksums are verified by apt.
sources=(libmicrohttpd/bookworm jansson/bookworm espeak-ng/trixie alsa-lib/bookworm)
apt_dir=$work/apt
apt_options=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
             -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
             -o "Dir::Etc::Preferences=$apt_dir/preferences" -o "Dir::Etc::PreferencesParts=$apt_dir/preferences.d"
             -o "APT::Sandbox::User=root" -o "Acquire::Languages=none")
# The stamp holds the list fetched: a build directory from before a package was
# added (alsa-lib) fetches again.
if [ "$(cat "$stamps/sources" 2>/dev/null)" != "${sources[*]}" ]; then
    step "fetching sources: ${sources[*]}"
    # Fresh sources are built again (the checks read libmicrohttpd's configure result).
    rm -rf "$apt_dir" "$work/src" "$stamps"/{jansson,libmicrohttpd,espeak-ng,alsa-lib}
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/sources.list.d" \
             "$apt_dir/preferences.d" "$work/src"
    cat > "$apt_dir/sources.list" <<'EOF'
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
EOF
    touch "$apt_dir/preferences"
    apt-get "${apt_options[@]}" update
    (cd "$work/src" && apt-get "${apt_options[@]}" source "${sources[@]}")
    echo "${sources[*]}" > "$stamps/sources"
fi
# The unpacked source directory of a package (name-version).
source_dir() { find "$work/src" -maxdepth 1 -type d -name "$1-[0-9]*" | head -1; }

# --- 3. C libraries, static riscv64 ------------------------------------------------
export PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig
configure_flags=(--host=$host --prefix="$prefix" --enable-static --disable-shared CFLAGS="-O2")

if ! done_stamp jansson; then
    step "building jansson"
    dir=$(source_dir jansson)
    (cd "$dir" && autoreconf -fi >/dev/null 2>&1 && ./configure "${configure_flags[@]}" >/dev/null \
        && make -j"$jobs" >/dev/null && make install >/dev/null)
    mark jansson
fi

if ! done_stamp libmicrohttpd; then
    step "building libmicrohttpd"
    dir=$(source_dir libmicrohttpd)
    # No TLS, no epoll (the Duo's kernel has none): poll() and a pipe to wake threads.
    (cd "$dir" && ./configure "${configure_flags[@]}" --disable-https --without-gnutls --disable-epoll \
        --enable-poll=yes --enable-itc=pipe --disable-doc --disable-examples --disable-curl >/dev/null \
        && make -j"$jobs" >/dev/null && make install >/dev/null)
    mark libmicrohttpd
fi

if ! done_stamp espeak-ng; then
    step "building espeak-ng"
    dir=$(source_dir espeak-ng)
    # Without pcaudiolib, speechPlayer (C++), sonic, MBROLA and the async thread it is
    # plain C: CXX is only the linker automake picks, so the C cross compiler serves.
    (cd "$dir" && ./autogen.sh >/dev/null 2>&1 \
        && ./configure "${configure_flags[@]}" CXX=$host-gcc --without-pcaudiolib --without-speechplayer \
            --without-sonic --without-mbrola --without-async --without-extdict-ru --without-extdict-cmn \
            --without-extdict-yue >/dev/null \
        && make -j"$jobs" src/libespeak-ng.la src/espeak-ng >/dev/null)
    # The data (phonemes, intonations, the English dictionary) is compiled by the
    # freshly built tool, a riscv64 program: run it under qemu-riscv64 (the files it
    # writes are byte-identical to an x86 build's). Only English is compiled: the
    # Duo speaks en-us, and the whole set would take minutes under QEMU and ~15 MB.
    run_tool() { ESPEAK_DATA_PATH="$dir" qemu-riscv64 -L "$sysroot" "$dir/src/espeak-ng" "$@" >>"$work/espeak-data.log" 2>&1; }
    (cd "$dir" && run_tool --compile-intonations && run_tool --compile-phonemes)
    (cd "$dir/dictsource" && rm -f ../espeak-ng-data/en_dict && run_tool --compile=en)
    mkdir -p "$prefix/lib" "$prefix/include/espeak-ng"
    cp "$dir/src/.libs/libespeak-ng.a" "$prefix/lib/"
    cp "$dir/src/espeak-ng.h" "$dir/src/speak_lib.h" "$dir/src/encoding.h" "$prefix/include/espeak-ng/" 2>/dev/null \
        || cp "$dir"/src/include/espeak-ng/*.h "$prefix/include/espeak-ng/"
    # English data only: the phoneme tables, intonations, en_dict, the English
    # language files and the voice variants (en-us+f3 and friends).
    data=$prefix/share/espeak-ng-data
    rm -rf "$data" && mkdir -p "$data/lang"
    cp "$dir"/espeak-ng-data/{phondata,phondata-manifest,phonindex,phontab,intonations,en_dict} "$data/"
    cp -r "$dir/espeak-ng-data/lang/gmw" "$data/lang/"
    find "$data/lang/gmw" -type f ! -name 'en*' -delete
    mkdir -p "$data/voices" && cp -r "$dir/espeak-ng-data/voices/!v" "$data/voices/"   # no MBROLA voices
    mark espeak-ng
fi

if ! done_stamp alsa-lib; then
    step "building alsa-lib"
    dir=$(source_dir alsa-lib)
    # PCM playback only: no mixer, MIDI, hwdep, sequencer, UCM or topology. No
    # dlopen (--with-libdl=no): a static binary has its PCM plugins (hw, plug, null,
    # file, dmix...) built in. The configuration directory compiled in is the
    # system's (/usr/share/alsa, the board's own when it has one); the tree itself
    # is installed into the prefix and shipped beside the binary as alsa/, which
    # the Duo entry point hands alsa-lib (ALSA_CONFIG_DIR) when the system has none.
    (cd "$dir" && ./configure "${configure_flags[@]}" --disable-python --disable-ucm --disable-topology \
            --disable-old-symbols --disable-mixer --disable-rawmidi --disable-hwdep --disable-seq \
            --disable-aload --with-libdl=no --with-configdir=/usr/share/alsa >/dev/null \
        && make -j"$jobs" -C include >/dev/null && make -j"$jobs" -C src >/dev/null \
        && make -C include install >/dev/null \
        && make -C src install alsaconfigdir="$prefix/share/alsa" ALSA_CONFIG_DIR="$prefix/share/alsa" >/dev/null)
    [ -f "$prefix/lib/libasound.a" ] && [ -f "$prefix/share/alsa/alsa.conf" ] \
        || { echo "duo-build: alsa-lib did not install libasound.a and alsa.conf into $prefix" >&2; exit 1; }
    mark alsa-lib
fi

# --- 4. babyllama ------------------------------------------------------------------
# DUO_VECTOR=rvv builds for RVV 1.0 boards (rv64gcv) as babyllama-rvv. The C906's
# vectors are RVV 0.7.1 (XTheadVector), which only GCC >= 14 targets:
# DUO_VECTOR=xtheadvector compiles the kernel files (Sources/CRiscvKernels/riscv_kernels_*.c)
# with DUO_KERNEL_CC (default riscv64-linux-gnu-gcc, which must be GCC >= 14) and
# -march=rv64gc_xtheadvector into babyllama-xtheadvector; the kernels for it are a
# documented slot (riscv_kernels_xtheadvector.c). Without that, the Duo gets rv64gc.
kernel_cc=""
case "${DUO_VECTOR:-}" in
    "") march=rv64gc; name=babyllama ;;
    rvv) march=rv64gcv; name=babyllama-rvv ;;
    xtheadvector)
        march=rv64gc_xtheadvector; name=babyllama-xtheadvector; kernel_cc=${DUO_KERNEL_CC:-$host-gcc}
        if ! echo 'int x;' | "$kernel_cc" -march=$march -mabi=lp64d -x c -c - -o /dev/null 2>/dev/null; then
            echo "duo-build: DUO_VECTOR=xtheadvector needs a riscv64 GCC >= 14 (set DUO_KERNEL_CC);" \
                 "'$kernel_cc' rejects -march=$march" >&2
            exit 1
        fi ;;
    *) echo "duo-build: DUO_VECTOR must be empty, rvv or xtheadvector, got '$DUO_VECTOR'" >&2; exit 1 ;;
esac
objects=$work/obj-$march
binary=$work/$name
# The Swift targets (in dependency order) and C targets of the Duo's program,
# whole: every source file under Sources/<target>.
swift_targets=(Support LlamaKernels LlamaCore StorySpeech StoryService BabyLlamaCLI BabyLlamaDuo)
# The C wrappers of the libraries are targets too; their *_forwarders.c (which open
# the shared libraries at run time on the host) are left out: the Duo links the
# libraries statically.
c_targets=(CPosix CRiscvKernels CLinkedLibraries CMicroHTTPD CJansson CEspeak CAlsa)
target_sources() { find "Sources/$1" -name "*.$2" ! -name "*_forwarders.c" | LC_ALL=C sort; }
swift_sources=(); c_sources=()
for target in "${swift_targets[@]}"; do mapfile -t -O "${#swift_sources[@]}" swift_sources < <(target_sources "$target" swift); done
for target in "${c_targets[@]}"; do mapfile -t -O "${#c_sources[@]}" c_sources < <(target_sources "$target" c); done
# Everything the binary is made of: when none of it changed, nothing is rebuilt.
inputs_hash=$( { printf '%s\n' "$march" "$(swiftc --version 2>&1 | head -1)"
                 cat "${swift_sources[@]}" "${c_sources[@]}" Sources/*/include/* scripts/build-duo.sh; } \
               | sha256sum | cut -d' ' -f1)
if [ -x "$binary" ] && [ "$(cat "$stamps/$name.inputs" 2>/dev/null)" = "$inputs_hash" ]; then
    step "$binary is up to date"
else
    step "compiling babyllama ($march)"
    rm -rf "$objects" && mkdir -p "$objects/include"
    # The cross-built alsa-lib's headers (CAlsa.h includes them) for the C files.
    cp -r "$prefix/include/alsa" "$objects/include/"
    # The Swift code is rv64gc in both builds: the vector code is the C kernels
    # (Sources/CRiscvKernels/riscv_kernels_*.c, tested one by one by check-duo-kernels.sh).
    # Letting LLVM auto-vectorize the Swift for rv64gcv would add vector code nothing
    # tests (and Debian's QEMU 7.2 aborts on some of it, e.g. vfncvt.rtz.x.f.w in the
    # quantizer: "decode_save_opc: Assertion `ctx->insn_start != NULL' failed").
    swift_flags=(-enable-experimental-feature Embedded -target riscv64-none-none-eabi
                 -Xcc -march=rv64gc -Xcc -mabi=lp64d
                 -Xcc -isystem -Xcc "$sysroot/include" -Xcc -isystem -Xcc "$prefix/include"
                 -Xcc -isystem -Xcc "$objects/include"
                 -wmo -parse-as-library -I "$objects" -I Sources/CPosix/include -I Sources/CRiscvKernels/include
                 -I Sources/CEspeak/include -I Sources/CAlsa/include
                 -I Sources/CMicroHTTPD/include -I Sources/CJansson/include)
    # Each Swift target is one module, compiled whole. As in Package.swift, only the
    # kernels drop overflow checks (-Ounchecked).
    for target in "${swift_targets[@]}"; do
        optimization=-O; [ "$target" = LlamaKernels ] && optimization=-Ounchecked
        mapfile -t sources < <(target_sources "$target" swift)
        swiftc "${swift_flags[@]}" $optimization -module-name "$target" \
            -emit-module -emit-module-path "$objects/$target.swiftmodule" \
            -c "${sources[@]}" -o "$objects/$target.o"
    done
    clang="$(dirname "$(command -v swiftc)")/clang"
    resource_dir=$("$clang" -print-resource-dir)
    for source in "${c_sources[@]}"; do
        if [ -n "$kernel_cc" ] && [[ "$source" == */riscv_kernels_* ]]; then
            "$kernel_cc" -march=$march -mabi=lp64d -O2 -Wall -Wextra -I Sources/CRiscvKernels/include \
                -c "$source" -o "$objects/c-$(basename "$source" .c).o"
            continue
        fi
        # Only the kernel files see a vector -march; the rest is plain rv64gc C, as
        # the Swift is.
        c_march=rv64gc; [[ "$source" == */riscv_kernels_* ]] && c_march=$march
        "$clang" --target=$host -march=$c_march -mabi=lp64d -nostdinc -O2 -Wall -Wextra \
            -isystem "$resource_dir/include" -isystem "$sysroot/include" -isystem "$prefix/include" \
            -isystem "$objects/include" \
            -I Sources/CPosix/include -I Sources/CRiscvKernels/include -I Sources/CLinkedLibraries/include \
            -I Sources/CMicroHTTPD/include -I Sources/CJansson/include -I Sources/CLazyLibrary/include \
            -c "$source" -o "$objects/c-$(basename "$source" .c).o"
    done
    # Embedded Swift's Unicode tables (String comparison and normalization) ship for
    # riscv64-none-none-eabi marked with the soft-float ABI, which ld refuses to mix
    # with our lp64d objects. They are integer-only table lookups (checked here: no
    # floating-point instruction), so a copy is re-marked double-float and linked.
    mkdir -p "$objects/unicode"
    (cd "$objects/unicode" && ar x "$(dirname "$(command -v swiftc)")/../lib/swift/embedded/riscv64-none-none-eabi/libswiftUnicodeDataTables.a")
    if $host-objdump -d "$objects"/unicode/*.o | awk -F'\t' 'NF >= 3 && $3 ~ /^f/ && $3 !~ /^fence/ { found = 1 } END { exit !found }'; then
        echo "duo-build: libswiftUnicodeDataTables.a has floating-point code; cannot re-mark its ABI" >&2
        exit 1
    fi
    python3 - "$objects"/unicode/*.o <<'PY'
import struct, sys
EF_RISCV_FLOAT_ABI = 0x6
EF_RISCV_FLOAT_ABI_DOUBLE = 0x4
for path in sys.argv[1:]:
    with open(path, "r+b") as f:
        header = f.read(64)
        assert header[:4] == b"\x7fELF" and header[4] == 2, path   # ELF64
        (flags,) = struct.unpack_from("<I", header, 0x30)
        f.seek(0x30)
        f.write(struct.pack("<I", (flags & ~EF_RISCV_FLOAT_ABI) | EF_RISCV_FLOAT_ABI_DOUBLE))
PY
    rm -f "$objects/libunicode-tables.a" && ar rcs "$objects/libunicode-tables.a" "$objects"/unicode/*.o
    # One static executable: glibc, libm, pthreads, the four C libraries, the tables.
    $host-gcc -static -o "$binary.unstripped" "$objects"/*.o \
        -L "$prefix/lib" -lmicrohttpd -ljansson -lespeak-ng -lasound -L "$objects" -lunicode-tables \
        -lm -lrt -lpthread
    $host-strip -o "$binary" "$binary.unstripped"
    rm -rf "$work/espeak-ng-data" && cp -r "$prefix/share/espeak-ng-data" "$work/espeak-ng-data"
    rm -rf "$work/alsa" && cp -r "$prefix/share/alsa" "$work/alsa"
    echo "$inputs_hash" > "$stamps/$name.inputs"
fi
step "built $binary ($(du -k "$binary" | cut -f1) KiB) with espeak-ng-data ($(du -sk "$work/espeak-ng-data" | cut -f1) KiB) and alsa ($(du -sk "$work/alsa" | cut -f1) KiB) beside it"
