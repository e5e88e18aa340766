#!/usr/bin/env bash
# rmsg installs and links like a system library. Stages an install with
# cargo-c and the manual pages (man/install.sh, checked by
# .ci/check-man-install.sh), checks what it put where, then builds
# .ci/consumer/ outside the
# repository as its users would and runs it with the staged libdir as the
# only library path:
#   (a) a C program found only through `pkg-config --cflags --libs rmsg`;
#   (b) a CMake project using pkg_check_modules;
#   (c) the same C program linked statically through `pkg-config --static`;
# and last (d) the same program linked against the checkout itself, as the
# README says, after `cargo build --release`.
# Usage: .ci/consumers.sh (needs cargo-c, pkg-config, cmake, a C compiler,
# man-db)
set -euo pipefail
# Tools' output is read into variables before grep -q looks at it: grep -q
# stops at the first match, and under pipefail the writer's SIGPIPE would
# turn a match into a failure.
cd "$(dirname "$0")/.."
repo=$PWD
cc=${CC:-cc}
strict=(-std=c99 -Wall -Wextra -Wpedantic -Werror)

stage=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$stage" "$work"' EXIT
fail() {
    echo "consumers: $*" >&2
    exit 1
}

echo "--- cargo cinstall --release --prefix=/usr --destdir=<stage>"
cargo cinstall --release --prefix=/usr --destdir="$stage"

pc=$(find "$stage" -name rmsg.pc -path '*/pkgconfig/*')
[ -n "$pc" ] || fail "no rmsg.pc in the staged install"
libdir=$(dirname "$(dirname "$pc")")
echo "--- staged libdir: ${libdir#"$stage"}"

# The shared library, its links and its SONAME.
full="$libdir/librmsg.so.0.1.0"
[ -f "$full" ] && [ ! -L "$full" ] || fail "librmsg.so.0.1.0 is not a file"
[ "$(readlink "$libdir/librmsg.so.0")" = librmsg.so.0.1.0 ] ||
    fail "librmsg.so.0 does not link to librmsg.so.0.1.0"
[ -L "$libdir/librmsg.so" ] && [ "$(readlink -f "$libdir/librmsg.so")" = "$(readlink -f "$full")" ] ||
    fail "librmsg.so does not lead to librmsg.so.0.1.0"
ls -l "$libdir"/librmsg.so* | sed "s|$stage||; s/^.* \(\/.*\)/\1/"
soname=$(readelf -d "$full" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = librmsg.so.0 ] || fail "SONAME is '$soname', not librmsg.so.0"
echo "readelf -d: SONAME [$soname]"
# The installed library's functions carry the version nodes of abi/rmsg.map.
bash .ci/check-symbols.sh "$full"
# Installed stripped: no debug sections, no static symbol table.
sections=$(readelf -S -W "$full")
if grep -qE '\.debug_|\.symtab' <<<"$sections"; then
    fail "the installed librmsg.so carries debug information or a symbol table"
fi
echo "librmsg.so.0.1.0: stripped ($(stat -c %s "$full") bytes)"
[ -f "$libdir/librmsg.a" ] || fail "no librmsg.a"

# The headers are the committed ones, unchanged.
for h in rmsg.h rmsg.hpp; do
    installed=$(find "$stage" -name "$h" -path '*/include/*')
    [ -n "$installed" ] || fail "$h not installed"
    cmp "$installed" "include/$h" || fail "installed $h differs from include/$h"
done
echo "headers: rmsg.h and rmsg.hpp installed as committed"

# The manual pages, into the same stage, found by man through MANPATH.
bash .ci/check-man-install.sh "$stage"

# pkg-config sees the staged tree only, with its paths under the stage.
unset PKG_CONFIG_PATH
export PKG_CONFIG_LIBDIR="$libdir/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$stage"
cp .ci/consumer/consumer.c .ci/consumer/CMakeLists.txt "$work/"
cd "$work"

# Runs a consumer with the staged libdir as its only library path, and
# checks that librmsg.so.0 then resolves into the stage.
run_dynamic() {
    local dynamic loaded
    dynamic=$(readelf -d "$1")
    grep -q 'NEEDED.*\[librmsg\.so\.0\]' <<<"$dynamic" || fail "$1 does not need librmsg.so.0"
    if grep -qE 'RPATH|RUNPATH' <<<"$dynamic"; then
        fail "$1 carries a library path of its own"
    fi
    loaded=$(LD_LIBRARY_PATH="$libdir" ldd "$1")
    grep -qF "librmsg.so.0 => $libdir/librmsg.so.0 " <<<"$loaded" ||
        fail "$1 does not load librmsg.so.0 from the stage: $loaded"
    LD_LIBRARY_PATH="$libdir" "$1"
}

echo "--- (a) cc consumer.c \$(pkg-config --cflags --libs rmsg)"
echo "pkg-config --cflags --libs rmsg: $(pkg-config --cflags --libs rmsg | sed "s|$stage|<stage>|g")"
# shellcheck disable=SC2046 # pkg-config's output is a list of words
"$cc" "${strict[@]}" consumer.c $(pkg-config --cflags --libs rmsg) -o consumer-pkgconfig
run_dynamic ./consumer-pkgconfig

echo "--- (b) cmake, pkg_check_modules(RMSG REQUIRED IMPORTED_TARGET rmsg)"
# No build RPATH: the staged libdir must come from LD_LIBRARY_PATH alone.
cmake -S . -B cmake-build -DCMAKE_SKIP_BUILD_RPATH=ON -DCMAKE_C_FLAGS="-Wall -Wextra -Wpedantic -Werror" >cmake.log ||
    { cat cmake.log; fail "cmake could not configure the consumer"; }
cmake --build cmake-build >>cmake.log || { cat cmake.log; fail "cmake could not build the consumer"; }
run_dynamic ./cmake-build/consumer

echo "--- (c) cc consumer.c \$(pkg-config --static --cflags --libs rmsg), the archive"
# With both libraries installed, -lrmsg means librmsg.so to the linker;
# -l:librmsg.a names the archive. The rest of the line is Libs.private,
# what the archive itself needs.
static_libs=$(pkg-config --static --libs rmsg | sed 's/-lrmsg\b/-l:librmsg.a/')
echo "pkg-config --static --libs rmsg, -lrmsg as -l:librmsg.a: ${static_libs//$stage/<stage>}"
# shellcheck disable=SC2046,SC2086
"$cc" "${strict[@]}" consumer.c $(pkg-config --static --cflags rmsg) $static_libs -o consumer-static
dynamic=$(readelf -d consumer-static)
if grep -q 'NEEDED.*librmsg' <<<"$dynamic"; then
    fail "the static consumer still needs librmsg.so"
fi
env -u LD_LIBRARY_PATH ./consumer-static

echo "--- (d) from the checkout: -I include -L target/release -lrmsg, no install"
(cd "$repo" && cargo build --release --quiet)
"$cc" "${strict[@]}" consumer.c -I "$repo/include" -L "$repo/target/release" -lrmsg -o consumer-checkout
LD_LIBRARY_PATH="$repo/target/release" ./consumer-checkout

echo "consumers: all four built outside the repository and ran"
