#!/usr/bin/env bash
# The Python wheel bundles a stripped librmsg and the licence files, and is
# tagged for the platform; with no built library to bundle, building it fails
# loudly instead of producing a library-less py3-none-any wheel.
# Usage: .ci/wheel.sh (after cargo build --release)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
wheel() { python3 -m pip wheel --no-deps --no-build-isolation --disable-pip-version-check -q -w "$@"; }

wheel "$work/out" ./bindings/python
whl=$(ls "$work"/out/rmsg-*.whl)
case $whl in
*-py3-none-any.whl) echo "wheel: $whl is tagged pure" >&2; exit 1 ;;
esac
(cd "$work" && python3 -m zipfile -e "$whl" unpacked)
lib="$work/unpacked/rmsg/librmsg.so.0"
[ -f "$lib" ] || { echo "wheel: no rmsg/librmsg.so.0 in $whl" >&2; exit 1; }
sections=$(readelf -S -W "$lib") # read whole: grep -q would SIGPIPE readelf
if grep -qE '\.debug_|\.symtab' <<<"$sections"; then
    echo "wheel: the bundled library is not stripped" >&2
    exit 1
fi
for f in LICENSE-MIT LICENSE-APACHE; do
    cmp "$work"/unpacked/rmsg-*.dist-info/licenses/"$f" "$f"
done
echo "wheel: $(basename "$whl"), bundled librmsg.so.0 stripped ($(stat -c %s "$lib") bytes), licence files in"

# The same package copied away from any build: the build must fail, saying why.
mkdir -p "$work/elsewhere/bindings"
cp -r bindings/python "$work/elsewhere/bindings/"
if wheel "$work/none" "$work/elsewhere/bindings/python" >"$work/log" 2>&1; then
    echo "wheel: built a wheel with no library to bundle:" >&2
    ls "$work/none" >&2
    exit 1
fi
grep -q 'no librmsg.so to put in the wheel' "$work/log" ||
    { cat "$work/log" >&2; echo "wheel: failed, but not for the missing library" >&2; exit 1; }
echo "wheel: without a built library the build fails: $(grep -o 'rmsg: no librmsg.so[^.]*' "$work/log" | head -1)"
