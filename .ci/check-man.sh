#!/usr/bin/env bash
# The manual pages in man/: `mandoc -Tlint` reports nothing, then
# .ci/check-man.py checks them against include/rmsg.h (a page or link for
# every function, each SYNOPSIS as the header declares it, rmsg-kinds(7)
# against enum rmsg_kind and against the registry of kinds that
# LIBDIR/librmsg.so hands out, a doc comment on every exported item) and
# builds and runs every EXAMPLES program against LIBDIR/librmsg.so.
# Usage: .ci/check-man.sh LIBDIR   (needs mandoc, python3, a C compiler)
# The staged install of the pages is checked by .ci/check-man-install.sh,
# which .ci/consumers.sh runs on its stage.
set -euo pipefail
libdir=$(cd "${1:?usage: check-man.sh LIBDIR}" && pwd)
cd "$(dirname "$0")/.."

pages=(man/*.[137])
# mandoc looks cross references up in its own databases (mandoc.db), which
# Debian's man-db does not keep, so "referenced manual not found" says
# nothing here; check-man.py checks that every rmsg reference resolves.
# mandoc writes its messages to stdout and its notes about those databases
# to stderr.
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
lint=$(mandoc -Tlint -Wstyle "${pages[@]}" 2>"$errors" |
    grep -v 'STYLE: referenced manual not found' || true)
lint+=$(grep -v 'mandoc\.db' "$errors" || true)
if [ -n "$lint" ]; then
    echo "$lint" >&2
    echo "mandoc -Tlint: the pages above need fixing" >&2
    exit 1
fi
echo "mandoc -Tlint: ${#pages[@]} pages, no message"
python3 .ci/check-man.py --examples "$libdir"
