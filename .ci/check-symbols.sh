#!/usr/bin/env bash
# The cdylib must export exactly the functions include/rmsg.h declares.
# Usage: .ci/check-symbols.sh path/to/librmsg.so
#
# The header is read with its comments removed by the C preprocessor
# (-fpreprocessed: no includes, no macro expansion), so a name mentioned in
# a doc comment, such as "free it with rmsg_message_free()", is never taken
# for a declaration.
set -euo pipefail
so=${1:?usage: check-symbols.sh path/to/librmsg.so}
header=include/rmsg.h
code=$(${CC:-cc} -fpreprocessed -dD -E -P -x c "$header")
exported=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' | sort -u)
declared=$(grep -v '^#' <<<"$code" | grep -oE '\brmsg_[a-z0-9_]+ *\(' | tr -d '( ' | sort -u)
if [ "$exported" != "$declared" ]; then
    echo "exported symbols and header declarations differ:" >&2
    diff <(echo "$exported") <(echo "$declared") >&2 || true
    echo "(< only exported by $so, > only declared in $header)" >&2
    exit 1
fi
# Every macro and type the header defines carries the prefix too, except
# `bool`, which the header defines for C89 only (see its C89 note).
stray=$(grep -E '^#define ' <<<"$code" | awk '{print $2}' | grep -v -E '^(RMSG_|bool$)' || true)
stray+=$(grep -oE '^(typedef (struct|enum) [A-Za-z_0-9]+|struct [A-Za-z_0-9]+|enum [A-Za-z_0-9]+|(__extension__ )?typedef [A-Za-z_0-9 *]+ [A-Za-z_0-9]+;)' <<<"$code" \
    | sed 's/;$//' | awk '{print $NF}' | grep -v -E '^rmsg_' || true)
if [ -n "$stray" ]; then
    echo "header names without the rmsg_/RMSG_ prefix:" >&2
    echo "$stray" >&2
    exit 1
fi
echo "symbols: $(echo "$exported" | wc -l) exported functions, all declared in $header and none missing; every header name prefixed"
