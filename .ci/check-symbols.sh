#!/usr/bin/env bash
# The cdylib must export exactly the functions include/rmsg.h declares.
# Usage: .ci/check-symbols.sh path/to/librmsg.so
set -euo pipefail
so=${1:?usage: check-symbols.sh path/to/librmsg.so}
header=include/rmsg.h
exported=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' | sort -u)
declared=$(grep -v '^ *//' "$header" | grep -oE '\brmsg_[a-z0-9_]+\(' | tr -d '(' | sort -u)
if [ "$exported" != "$declared" ]; then
    echo "exported symbols and header declarations differ:" >&2
    diff <(echo "$exported") <(echo "$declared") >&2 || true
    echo "(< only exported by $so, > only declared in $header)" >&2
    exit 1
fi
# Every macro and type the header defines carries the prefix too.
stray=$(grep -E '^#define ' "$header" | awk '{print $2}' | grep -v -E '^RMSG_' || true)
stray+=$(grep -oE '^(typedef (struct|enum) [A-Za-z_0-9]+|struct [A-Za-z_0-9]+|enum [A-Za-z_0-9]+)' "$header" \
    | awk '{print $NF}' | grep -v -E '^rmsg_' || true)
if [ -n "$stray" ]; then
    echo "header names without the rmsg_/RMSG_ prefix:" >&2
    echo "$stray" >&2
    exit 1
fi
echo "symbols: $(echo "$exported" | wc -l) exported functions, all declared in $header and none missing; every header name prefixed"
