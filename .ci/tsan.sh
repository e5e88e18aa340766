#!/usr/bin/env bash
# Runs c_tests/threads.c (8 threads) under ThreadSanitizer against a
# librmsg built with -Zsanitizer=thread and the standard library rebuilt
# with it (-Zbuild-std, which needs the nightly toolchain's rust-src), then
# checks that ThreadSanitizer does see into the library: `threads canary`
# races on one builder on purpose and must be reported.
#
# Without a nightly toolchain this says so and does nothing (exit 0).
# Without rust-src (and no way to add it) the library is still built with
# -Zsanitizer=thread, but against the prebuilt, uninstrumented standard
# library: races inside rmsg's own code are seen, races inside std's are
# not. The script says which of the two it ran.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    echo "ThreadSanitizer run skipped: it needs a nightly toolchain and this machine has none"
    exit 0
fi
host=$(rustc +nightly -vV | sed -n 's/^host: //p')
if ! rustup +nightly component list --installed 2>/dev/null | grep -q '^rust-src'; then
    rustup component add rust-src --toolchain nightly >/dev/null 2>&1 || true
fi
out=target/tsan
if rustup +nightly component list --installed 2>/dev/null | grep -q '^rust-src'; then
    echo "building librmsg and std with -Zsanitizer=thread (-Zbuild-std)"
    RUSTFLAGS="-Zsanitizer=thread" cargo +nightly build --quiet -Zbuild-std \
        --target "$host" --target-dir "$out" --lib
else
    echo "rust-src is not available: building librmsg with -Zsanitizer=thread" \
        "against the uninstrumented std (races inside std are not seen)"
    RUSTFLAGS="-Zsanitizer=thread -Cunsafe-allow-abi-mismatch=sanitizer" \
        cargo +nightly build --quiet --target "$host" --target-dir "$out" --lib
fi

# The runtime that matches rustc's instrumentation, linked into the test
# program (the cdylib leaves the __tsan_* symbols to the executable).
runtime=$(ls "$(rustc +nightly --print target-libdir)"/librustc-*_rt.tsan.a | head -n 1)
lib="$out/lib"
mkdir -p "$lib"
cp "$out/$host/debug/librmsg.so" "$lib/librmsg.so.0"
ln -sf librmsg.so.0 "$lib/librmsg.so"
cc -std=c99 -D_DEFAULT_SOURCE -D_GNU_SOURCE -Wall -Wextra -Wpedantic -Werror -g -O1 \
    -fsanitize=thread -Iinclude -Ic_tests -c c_tests/threads.c -o "$out/threads.o"
cc "$out/threads.o" -o "$out/threads" -L"$lib" -lrmsg -Wl,-rpath,"$PWD/$lib" \
    -Wl,--whole-archive "$runtime" -Wl,--no-whole-archive -rdynamic -lpthread -ldl -lm -lrt

export TSAN_OPTIONS="halt_on_error=1 exitcode=66"
if ! "$out/threads" >"$out/threads.log" 2>&1; then
    cat "$out/threads.log"
    echo "threads failed under ThreadSanitizer" >&2
    exit 1
fi
if grep -q "ThreadSanitizer" "$out/threads.log"; then
    cat "$out/threads.log"
    echo "ThreadSanitizer reported a problem" >&2
    exit 1
fi
grep '^ok ' "$out/threads.log"
echo "threads: 8 threads, no data race reported"

# The canary: a race inside librmsg, which must be reported from its code.
status=0
"$out/threads" canary >"$out/canary.log" 2>&1 || status=$?
if [ "$status" -ne 66 ] || ! grep -q "WARNING: ThreadSanitizer: data race" "$out/canary.log" ||
    ! grep -q "rmsg_cmsg_builder_add_ip_ttl" "$out/canary.log"; then
    cat "$out/canary.log"
    echo "the canary race in librmsg was not reported: the library is not instrumented" >&2
    exit 1
fi
echo "canary: ThreadSanitizer reported the deliberate race inside librmsg (as it must)"
