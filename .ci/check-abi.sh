#!/usr/bin/env bash
# Compares the ABI of this tree's librmsg.so with the committed baseline,
# abi/rmsg.abi, with libabigail (Debian's abigail-tools): fails on a
# function or symbol version removed, a signature changed, or a change in
# the size, alignment or members of any struct or enum C sees; reports the
# functions added since the baseline without failing.
#
# The release library is stripped, so the ABI is read from the same code
# built with full debug information (`cargo build --profile abi`: the
# release profile, LTO included, plus DWARF), and abi/normalise.py reduces
# it to what C sees (see there).
#
# Usage: .ci/check-abi.sh            compare
#        .ci/check-abi.sh --update   rewrite abi/rmsg.abi from this tree
# Update the baseline when a release is made, and when an addition has been
# reviewed (its page and version node are in place): never to make a
# removal or an incompatible change pass.
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=abi/rmsg.abi

cargo build --quiet --profile abi --lib
current=target/abi/rmsg.abi
abidw --no-corpus-path --no-comp-dir-path --no-elf-needed --no-show-locs target/abi/librmsg.so |
    python3 abi/normalise.py include/rmsg.h >"$current"

if [ "${1:-}" = --update ]; then
    cp "$current" "$baseline"
    echo "abi: $baseline rewritten from this tree ($(grep -c '<elf-symbol ' "$baseline") symbols)"
    exit 0
fi

# Removals and changes fail (additions are left out of this report).
status=0
report=$(abidiff --no-added-syms "$baseline" "$current") || status=$?
if [ "$status" -ne 0 ]; then
    echo "$report" >&2
    echo "abi: librmsg.so differs from $baseline in more than additions (abidiff status $status):" \
        "a function, symbol version or type that programs use was removed or changed." \
        "Keep the old ABI (add a new function instead), or, if the break is intended," \
        "bump the SONAME's major version as README.md's ABI policy says." >&2
    exit 1
fi
# Additions are reported.
added=$(abidiff "$baseline" "$current" | sed -n "s/^  \[A\] 'function \(.*\)'.*{\(.*\)}$/  \2: \1/p" || true)
if [ -n "$added" ]; then
    echo "abi: functions added since the baseline (run .ci/check-abi.sh --update once they are reviewed):"
    echo "$added"
fi
echo "abi: no function, symbol version or type of $baseline removed or changed" \
    "($(grep -c '<elf-symbol ' "$current") symbols compared)"
