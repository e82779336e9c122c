#!/usr/bin/env bash
# Builds babyllama for the Milk-V Duo: one static riscv64 binary with the engine,
# the HTTP service, speech and ALSA playback, in .build-duo/babyllama, with the
# English espeak-ng data beside it in .build-duo/espeak-ng-data, alsa-lib's
# configuration in .build-duo/alsa and pocketsphinx's en-us acoustic model in
# .build-duo/pocketsphinx-model/en-us. One command on a fresh Debian machine:
#
#   scripts/build-duo.sh                           (rv64gc: the C906's scalar ISA)
#   DUO_VECTOR=xtheadvector scripts/build-duo.sh   (the C906's vector unit: .build-duo/babyllama-c906)
#   DUO_VECTOR=rvv scripts/build-duo.sh            (RVV 1.0 boards, and the C906 build's twin
#                                                   QEMU runs: .build-duo/babyllama-rvv)
#
# Steps, each skipped when its stamp in .build-duo/stamps says it is done (a rerun
# with everything in place takes seconds):
#  1. the cross tools from Debian (scripts/install-deps.sh: gcc-riscv64-linux-gnu,
#     qemu-user, autotools...);
#  2. the sources of libmicrohttpd, jansson, espeak-ng, alsa-lib, sphinxbase and
#     pocketsphinx from Debian's source packages, through a private apt configuration
#     in .build-duo/apt (the machine's own sources.list and package lists are not touched);
#  3. those six cross-built static for riscv64 into .build-duo/prefix;
#  4. for DUO_VECTOR=xtheadvector only: GNU as and objdump from trixie's binutils
#     source (bookworm's 2.40 does not know XTheadVector), into .build-duo/binutils;
#  5. the Swift targets of Package.swift the Duo's program is made of (Support,
#     LlamaKernels, LlamaCore, StorySpeech, StoryListening, StoryService, BabyLlamaCLI and the entry
#     point BabyLlamaDuo) as Embedded Swift, whole targets, the same sources as the
#     host build, compiled once for every variant; the C targets CPosix, CRiscvKernels
#     (the riscv64 kernels), CLinkedLibraries and the libraries' wrappers (CMicroHTTPD,
#     CJansson, CEspeak, CAlsa, CPocketSphinx) with swift's clang, and the vector
#     kernels (riscv_kernels_vector.S) with GNU as; linked with riscv64-linux-gnu-gcc -static.
# The binary is glibc-static: it runs on the Duo's musl image as it is (static
# binaries carry their libc) and under qemu-riscv64 here. alsa-lib is built in
# (PCM only) for a Duo S's audio out or an I2S DAC on a Duo; its configuration tree
# goes beside the binary as .build-duo/alsa, used when the board has no
# /usr/share/alsa. The Duo 64M itself has no audio pins: there `say --out` and the
# service's "audio": "wav" answers carry the speech.
set -euo pipefail
# `--assembler`: only what the XTheadVector assembler needs (steps 1, 2 and 4), for
# scripts/check-duo-kernels.sh.
only_assembler=0
[ "${1:-}" = --assembler ] && only_assembler=1
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
# trial while trixie's downloaded. sphinxbase (0.8+5prealpha+1-16) and pocketsphinx
# (0.8+5prealpha+1-15) are bookworm's, the versions of the host's libsphinxbase3 and
# libpocketsphinx3, so the Duo decodes as the host does. The .dsc checksums are
# verified by apt.
sources=(libmicrohttpd/bookworm jansson/bookworm espeak-ng/trixie alsa-lib/bookworm
         sphinxbase/bookworm pocketsphinx/bookworm)
apt_dir=$work/apt
apt_options=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
             -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
             -o "Dir::Etc::Preferences=$apt_dir/preferences" -o "Dir::Etc::PreferencesParts=$apt_dir/preferences.d"
             -o "APT::Sandbox::User=root" -o "Acquire::Languages=none")
# The stamp holds the list fetched. A build directory from before packages were
# added (alsa-lib, then sphinxbase and pocketsphinx) fetches and builds just those;
# any other change of the list (a package dropped or its release changed) fetches
# everything again.
fetched=$(cat "$stamps/sources" 2>/dev/null || true)
if [ "$fetched" != "${sources[*]}" ]; then
    added=()
    for source in "${sources[@]}"; do [[ " $fetched " == *" $source "* ]] || added+=("$source"); done
    only_added=0
    if [ -n "$fetched" ] && [ -d "$work/src" ] && [ -f "$apt_dir/sources.list" ]; then
        only_added=1
        for source in $fetched; do [[ " ${sources[*]} " == *" $source "* ]] || only_added=0; done
    fi
    if [ $only_added = 1 ]; then
        fetch=("${added[@]}")
    else
        # Fresh sources are built again (the checks read libmicrohttpd's configure result).
        fetch=("${sources[@]}")
        rm -rf "$apt_dir" "$work/src"
        mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/sources.list.d" \
                 "$apt_dir/preferences.d" "$work/src"
        cat > "$apt_dir/sources.list" <<'EOF'
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
EOF
        touch "$apt_dir/preferences"
    fi
    step "fetching sources: ${fetch[*]}"
    for source in "${fetch[@]}"; do
        package=${source%/*}
        rm -rf "${stamps:?}/$package" "$work/src/$package"-[0-9]* "$work/src/${package}_"*
    done
    apt-get "${apt_options[@]}" update
    (cd "$work/src" && apt-get "${apt_options[@]}" source "${fetch[@]}")
    echo "${sources[*]}" > "$stamps/sources"
fi
# The unpacked source directory of a package (name-version).
source_dir() { find "$work/src" -maxdepth 1 -type d -name "$1-[0-9]*" | head -1; }

# --- 3. C libraries, static riscv64 (not with --assembler) ---------------------------
if [ $only_assembler = 0 ]; then
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

# pocketsphinx is built against the sphinxbase in the prefix: a new sphinxbase
# builds it again.
done_stamp sphinxbase || rm -f "$stamps/pocketsphinx"
if ! done_stamp sphinxbase; then
    step "building sphinxbase"
    dir=$(source_dir sphinxbase)
    # Debian's patches (applied by apt-get source) touch configure.ac's m4 and a
    # Makefile.am, so the tarball's automake 1.13 output is out of date: autoreconf,
    # as Debian's build does. Only libsphinxbase (and its headers): no Python/SWIG,
    # no libsphinxad (no audio backend: the host's PulseAudio/ALSA headers, which
    # Debian's cross gcc sees in /usr/include, are ruled out; we read WAV and ALSA
    # ourselves), no tools. Without a riscv64 LAPACK, matrix.c uses the bundled
    # clapack_lite (only MLLR/LDA use it, not decoding).
    (cd "$dir" && autoreconf -fi >"$work/sphinxbase.log" 2>&1 \
        && ./configure "${configure_flags[@]}" --without-python \
            ac_cv_header_pulse_pulseaudio_h=no ac_cv_header_alsa_asoundlib_h=no >>"$work/sphinxbase.log" 2>&1 \
        && make -j"$jobs" -C include >>"$work/sphinxbase.log" 2>&1 \
        && make -j"$jobs" -C src/libsphinxbase >>"$work/sphinxbase.log" 2>&1 \
        && make -C include install >/dev/null && make -C src/libsphinxbase install >/dev/null \
        && make install-pkgconfigDATA >/dev/null) \
        || { echo "duo-build: building sphinxbase failed (see $work/sphinxbase.log)" >&2; exit 1; }
    # As Debian's package does: the headers name sphinx_config.h by its folder
    # (<sphinxbase/...>), so -I prefix/include alone finds them all; and no
    # libsphinxad in sphinxbase.pc, there is none.
    sed -i 's#sphinx_config\.h#sphinxbase/sphinx_config.h#' "$prefix"/include/sphinxbase/{ad,prim_type,sbthread}.h
    sed -i 's/ -lsphinxad//' "$prefix/lib/pkgconfig/sphinxbase.pc"
    rm -f "$prefix/lib/libsphinxbase.la"
    if [ ! -f "$prefix/lib/libsphinxbase.a" ] || [ ! -f "$prefix/include/sphinxbase/sphinx_config.h" ]; then
        echo "duo-build: sphinxbase did not install libsphinxbase.a and its headers into $prefix" >&2
        exit 1
    fi
    mark sphinxbase
fi

if ! done_stamp pocketsphinx; then
    step "building pocketsphinx"
    dir=$(source_dir pocketsphinx)
    # autoreconf for Debian's configure.ac patch (PKG_PROG_PKG_CONFIG: the prefix's
    # sphinxbase.pc, found through PKG_CONFIG_LIBDIR). --with-sphinxbase=auto: that
    # installed sphinxbase, not the source tree beside this one. Only the library
    # and its headers (into include/pocketsphinx): no Python, no programs.
    (cd "$dir" && autoreconf -fi >"$work/pocketsphinx.log" 2>&1 \
        && ./configure "${configure_flags[@]}" --without-python --with-sphinxbase=auto >>"$work/pocketsphinx.log" 2>&1 \
        && make -j"$jobs" -C src/libpocketsphinx >>"$work/pocketsphinx.log" 2>&1 \
        && make -C include install >/dev/null && make -C src/libpocketsphinx install >/dev/null) \
        || { echo "duo-build: building pocketsphinx failed (see $work/pocketsphinx.log)" >&2; exit 1; }
    rm -f "$prefix/lib/libpocketsphinx.la"
    # The en-us acoustic model, only what decoding reads: not the 26 MB language
    # model nor the full dictionary (the project's own dictionary and grammar are in
    # Config/listen). It must be Debian's pocketsphinx-en-us, byte for byte, the
    # model the host decodes with.
    model=$prefix/share/pocketsphinx/model/en-us/en-us
    model_files=(feat.params mdef means noisedict sendump transition_matrices variances)
    rm -rf "$model" && mkdir -p "$model"
    for file in "${model_files[@]}"; do
        cp "$dir/model/en-us/en-us/$file" "$model/"
        if [ -f "/usr/share/pocketsphinx/model/en-us/en-us/$file" ] \
           && ! cmp -s "$model/$file" "/usr/share/pocketsphinx/model/en-us/en-us/$file"; then
            echo "duo-build: pocketsphinx's model/en-us/en-us/$file differs from pocketsphinx-en-us's" >&2
            exit 1
        fi
    done
    if [ ! -f "$prefix/lib/libpocketsphinx.a" ] || [ ! -f "$prefix/include/pocketsphinx/pocketsphinx.h" ]; then
        echo "duo-build: pocketsphinx did not install libpocketsphinx.a and its headers into $prefix" >&2
        exit 1
    fi
    mark pocketsphinx
fi
fi

# --- 4. the XTheadVector assembler (DUO_VECTOR=xtheadvector or --assembler) ---------
# Bookworm's binutils (2.40) does not know XTheadVector; GNU as has since 2.42.
# Trixie's binutils source package (2.44; fetched as espeak-ng is above, its .dsc
# verified by apt) is built as a riscv64 cross assembler and objdump, nothing else
# (about 2 minutes on 2 cores), into .build-duo/binutils/bin. scripts/check-c906.py
# disassembles both vector builds with that objdump.
binutils=$work/binutils
xt_as=$binutils/bin/$host-as
xt_objdump=$binutils/bin/$host-objdump
if { [ "${DUO_VECTOR:-}" = xtheadvector ] || [ $only_assembler = 1 ]; } && ! done_stamp binutils; then
    step "building binutils from trixie's source: $host-as and $host-objdump for XTheadVector"
    rm -rf "$binutils" && mkdir -p "$binutils/src" "$binutils/build" "$binutils/bin"
    fetch_binutils() { (cd "$binutils/src" && apt-get "${apt_options[@]}" source binutils/trixie >"$binutils/source.log" 2>&1); }
    # The package lists may be older than the mirror (a newer trixie upload removes
    # the files they name): refresh them once and try again.
    fetch_binutils || { apt-get "${apt_options[@]}" update >/dev/null && fetch_binutils; } \
        || { echo "duo-build: apt-get source binutils/trixie failed (see $binutils/source.log)" >&2; exit 1; }
    dir=$(find "$binutils/src" -maxdepth 1 -type d -name 'binutils-[0-9]*' | head -1)
    # Only gas and objdump: no linker, gdb, gprof(ng), simulator, NLS or plugins;
    # MAKEINFO=true because Debian's patches touch manuals nothing here reads.
    (cd "$binutils/build" \
        && "$dir/configure" --target=$host --prefix="$binutils" --disable-nls --disable-werror --disable-gdb \
            --disable-gdbserver --disable-sim --disable-gprof --disable-gprofng --disable-ld --disable-libctf \
            --disable-readline --disable-plugins --without-zstd >"$binutils/configure.log" 2>&1 \
        && make -j"$jobs" MAKEINFO=true all-gas >"$binutils/make.log" 2>&1 \
        && make -j"$jobs" MAKEINFO=true configure-binutils >>"$binutils/make.log" 2>&1 \
        && make -j"$jobs" MAKEINFO=true -C binutils objdump >>"$binutils/make.log" 2>&1) \
        || { echo "duo-build: building binutils failed (see $binutils/*.log)" >&2; exit 1; }
    cp "$binutils/build/gas/as-new" "$xt_as"
    cp "$binutils/build/binutils/objdump" "$xt_objdump"
    rm -rf "$binutils/src" "$binutils/build"   # ~470 MB; the two programs are what is used
    if ! echo 'th.vsetvli t0, a0, e32, m4' | "$xt_as" -march=rv64gc_xtheadvector -o /dev/null -; then
        echo "duo-build: $xt_as does not assemble XTheadVector" >&2
        exit 1
    fi
    mark binutils
fi
if [ $only_assembler = 1 ]; then
    step "XTheadVector assembler: $xt_as"
    exit 0
fi

# --- 5. babyllama ------------------------------------------------------------------
# DUO_VECTOR chooses the vector kernels linked beside the scalar ones:
#   (unset)        none: rv64gc, the C906's scalar ISA                  → babyllama
#   rvv            riscv_kernels_vector.S expanded for RVV 1.0           → babyllama-rvv
#   xtheadvector   the same source expanded for the C906's XTheadVector  → babyllama-c906
# Everything else, Swift and C, is rv64gc in every build (so the Swift objects are
# compiled once for all three), and a vector build runs its scalar kernels, after
# one warning line, on a CPU without that vector unit (riscv_kernels.c).
case "${DUO_VECTOR:-}" in
    "") variant=rv64gc; name=babyllama; kernel_defines=() ;;
    rvv) variant=rvv; name=babyllama-rvv; kernel_defines=(-DRISCV_KERNELS_RVV) ;;
    xtheadvector) variant=xtheadvector; name=babyllama-c906; kernel_defines=(-DRISCV_KERNELS_XTHEADVECTOR) ;;
    *) echo "duo-build: DUO_VECTOR must be empty, rvv or xtheadvector, got '$DUO_VECTOR'" >&2; exit 1 ;;
esac
swift_objects=$work/obj-swift
objects=$work/obj-$variant
binary=$work/$name
# The Swift targets (in dependency order) and C targets of the Duo's program,
# whole: every source file under Sources/<target>.
swift_targets=(Support LlamaKernels LlamaCore StorySpeech StoryListening StoryService BabyLlamaCLI BabyLlamaDuo)
# The C wrappers of the libraries are targets too; their *_forwarders.c (which open
# the shared libraries at run time on the host) are left out: the Duo links the
# libraries statically.
c_targets=(CPosix CRiscvKernels CLinkedLibraries CMicroHTTPD CJansson CEspeak CAlsa CPocketSphinx)
target_sources() { find "Sources/$1" -name "*.$2" ! -name "*_forwarders.c" | LC_ALL=C sort; }
swift_sources=(); c_sources=()
for target in "${swift_targets[@]}"; do mapfile -t -O "${#swift_sources[@]}" swift_sources < <(target_sources "$target" swift); done
for target in "${c_targets[@]}"; do mapfile -t -O "${#c_sources[@]}" c_sources < <(target_sources "$target" c); done
# Everything each part is made of: when none of it changed, nothing is rebuilt.
swift_hash=$( { swiftc --version 2>&1 | head -1; cat "${swift_sources[@]}" Sources/*/include/* scripts/build-duo.sh; } \
              | sha256sum | cut -d' ' -f1)
inputs_hash=$( { printf '%s\n' "$variant" "$swift_hash"
                 [ "$variant" = xtheadvector ] && "$xt_as" --version | sed -n 1p
                 cat "${c_sources[@]}" Sources/CRiscvKernels/*.h Sources/CRiscvKernels/*.S; } \
               | sha256sum | cut -d' ' -f1)
clang="$(dirname "$(command -v swiftc)")/clang"
if [ -x "$binary" ] && [ "$(cat "$stamps/$name.inputs" 2>/dev/null)" = "$inputs_hash" ]; then
    step "$binary is up to date"
else
  if [ "$(cat "$stamps/swift.inputs" 2>/dev/null)" != "$swift_hash" ]; then
    step "compiling the Swift targets (rv64gc)"
    rm -rf "$swift_objects" "$stamps/swift.inputs" && mkdir -p "$swift_objects/include"
    # The cross-built alsa-lib's headers (CAlsa.h includes them), for Swift and C.
    cp -r "$prefix/include/alsa" "$swift_objects/include/"
    # The Swift code is rv64gc in every build: the vector code is the kernels
    # (Sources/CRiscvKernels, tested one by one by check-duo-kernels.sh).
    # Letting LLVM auto-vectorize the Swift for rv64gcv would add vector code nothing
    # tests (and Debian's QEMU 7.2 aborts on some of it, e.g. vfncvt.rtz.x.f.w in the
    # quantizer: "decode_save_opc: Assertion `ctx->insn_start != NULL' failed").
    swift_flags=(-enable-experimental-feature Embedded -target riscv64-none-none-eabi
                 -Xcc -march=rv64gc -Xcc -mabi=lp64d
                 -Xcc -isystem -Xcc "$sysroot/include" -Xcc -isystem -Xcc "$prefix/include"
                 -Xcc -isystem -Xcc "$swift_objects/include"
                 -wmo -parse-as-library -I "$swift_objects" -I Sources/CPosix/include -I Sources/CRiscvKernels/include
                 -I Sources/CEspeak/include -I Sources/CAlsa/include
                 -I Sources/CMicroHTTPD/include -I Sources/CJansson/include -I Sources/CPocketSphinx/include
                 -Xcc -isystem -Xcc "$prefix/include/pocketsphinx")
    # Each Swift target is one module, compiled whole. As in Package.swift, only the
    # kernels drop overflow checks (-Ounchecked).
    for target in "${swift_targets[@]}"; do
        optimization=-O; [ "$target" = LlamaKernels ] && optimization=-Ounchecked
        mapfile -t sources < <(target_sources "$target" swift)
        swiftc "${swift_flags[@]}" $optimization -module-name "$target" \
            -emit-module -emit-module-path "$swift_objects/$target.swiftmodule" \
            -c "${sources[@]}" -o "$swift_objects/$target.o"
    done
    # Embedded Swift's Unicode tables (String comparison and normalization) ship for
    # riscv64-none-none-eabi marked with the soft-float ABI, which ld refuses to mix
    # with our lp64d objects. They are integer-only table lookups (checked here: no
    # floating-point instruction), so a copy is re-marked double-float and linked.
    mkdir -p "$swift_objects/unicode"
    (cd "$swift_objects/unicode" && ar x "$(dirname "$(command -v swiftc)")/../lib/swift/embedded/riscv64-none-none-eabi/libswiftUnicodeDataTables.a")
    if $host-objdump -d "$swift_objects"/unicode/*.o | awk -F'\t' 'NF >= 3 && $3 ~ /^f/ && $3 !~ /^fence/ { found = 1 } END { exit !found }'; then
        echo "duo-build: libswiftUnicodeDataTables.a has floating-point code; cannot re-mark its ABI" >&2
        exit 1
    fi
    python3 - "$swift_objects"/unicode/*.o <<'PY'
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
    ar rcs "$swift_objects/libunicode-tables.a" "$swift_objects"/unicode/*.o
    echo "$swift_hash" > "$stamps/swift.inputs"
  fi
    step "compiling the C targets and linking $name ($variant kernels)"
    rm -rf "$objects" && mkdir -p "$objects"
    resource_dir=$("$clang" -print-resource-dir)
    for source in "${c_sources[@]}"; do
        "$clang" --target=$host -march=rv64gc -mabi=lp64d -nostdinc -O2 -Wall -Wextra "${kernel_defines[@]}" \
            -isystem "$resource_dir/include" -isystem "$sysroot/include" -isystem "$prefix/include" \
            -isystem "$prefix/include/pocketsphinx" -isystem "$swift_objects/include" \
            -I Sources/CPosix/include -I Sources/CRiscvKernels/include -I Sources/CLinkedLibraries/include \
            -I Sources/CMicroHTTPD/include -I Sources/CJansson/include -I Sources/CLazyLibrary/include \
            -I Sources/CPocketSphinx/include \
            -c "$source" -o "$objects/c-$(basename "$source" .c).o"
    done
    # The vector kernels: one source, preprocessed by GCC's cpp and assembled by GNU
    # as for either ISA (the two builds differ in nothing else).
    vector_source=Sources/CRiscvKernels/riscv_kernels_vector.S
    case $variant in
        rvv) $host-gcc -march=rv64gcv -mabi=lp64d "${kernel_defines[@]}" -c "$vector_source" -o "$objects/vector.o" ;;
        xtheadvector)
            $host-gcc -E -P -x assembler-with-cpp "${kernel_defines[@]}" "$vector_source" -o "$objects/vector.s"
            "$xt_as" -march=rv64gc_xtheadvector -mabi=lp64d "$objects/vector.s" -o "$objects/vector.o" ;;
    esac
    # One static executable: glibc, libm, pthreads, the six C libraries, the tables.
    # pocketsphinx before sphinxbase, which it calls.
    $host-gcc -static -o "$binary.unstripped" "$swift_objects"/*.o "$objects"/*.o \
        -L "$prefix/lib" -lmicrohttpd -ljansson -lespeak-ng -lasound -lpocketsphinx -lsphinxbase \
        -L "$swift_objects" -lunicode-tables -lm -lrt -lpthread
    $host-strip -o "$binary" "$binary.unstripped"
    rm -rf "$work/espeak-ng-data" && cp -r "$prefix/share/espeak-ng-data" "$work/espeak-ng-data"
    rm -rf "$work/alsa" && cp -r "$prefix/share/alsa" "$work/alsa"
    rm -rf "$work/pocketsphinx-model" && mkdir -p "$work/pocketsphinx-model"
    cp -r "$prefix/share/pocketsphinx/model/en-us/en-us" "$work/pocketsphinx-model/en-us"
    echo "$inputs_hash" > "$stamps/$name.inputs"
fi
step "built $binary ($(du -k "$binary" | cut -f1) KiB) with espeak-ng-data ($(du -sk "$work/espeak-ng-data" | cut -f1) KiB), alsa ($(du -sk "$work/alsa" | cut -f1) KiB) and pocketsphinx-model ($(du -sk "$work/pocketsphinx-model" | cut -f1) KiB) beside it"
