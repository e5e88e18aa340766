#!/usr/bin/env bash
# The manual pages of a staged install: man/install.sh into STAGE (a new
# temporary one when none is given), then every function include/rmsg.h
# declares has a page or link in STAGE's man3, each resolves to a page that
# exists, `man` finds every one through MANPATH alone, and each page renders
# with man-db (groff) without a warning.
# Usage: .ci/check-man-install.sh [STAGE]   (needs man-db)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
    stage=$1
else
    stage=$(mktemp -d)
    trap 'rm -rf "$stage"' EXIT
fi
fail() {
    echo "man install: $*" >&2
    exit 1
}

sh man/install.sh --prefix=/usr --destdir="$stage"
mandir=$stage/usr/share/man
export MANPATH=$mandir
# The system's pages are out of the way: only the stage is searched.
unset MANOPT MANSECT

functions=$(${CC:-cc} -fpreprocessed -dD -E -P -x c include/rmsg.h | grep -v '^#' |
    grep -oE '\brmsg_[a-z0-9_]+ *\(' | tr -d '( ' | sort -u)
missing=()
for f in $functions; do
    [ -e "$mandir/man3/$f.3" ] || missing+=("$f")
done
[ ${#missing[@]} -eq 0 ] || fail "no page or link in man3 for: ${missing[*]}"
dangling=$(find "$mandir" -type l ! -exec test -e {} \; -print)
[ -z "$dangling" ] || fail "links that lead nowhere: $dangling"

# `man -w` says which file each name is found in.
wrong=()
for f in $functions; do
    found=$(man -w "$f" 2>/dev/null || true)
    case $found in
    "$mandir"/man3/*) ;;
    *) wrong+=("$f") ;;
    esac
done
[ ${#wrong[@]} -eq 0 ] || fail "man does not find through MANPATH: ${wrong[*]}"

# The input lines of a page's SYNOPSIS section (first and last).
synopsis_lines() {
    awk '/^\.Sh SYNOPSIS/ { a = NR } a && !b && /^\.Sh / && !/SYNOPSIS/ { b = NR - 1 }
         END { print a + 0, b + 0 }' "$1"
}

# Every page renders without a warning from groff, with one exception: a
# prototype whose name and first parameter are wider than 80 columns
# (rmsg_cmsg_builder_add_alg_aead_assoclen's) cannot be broken in the
# SYNOPSIS, where mdoc keeps them together; groff says "can't break line"
# for such a line, which overflows by a few columns and is left as it is.
pages=0
long_prototypes=0
for page in "$mandir"/man?/*; do
    [ -L "$page" ] && continue
    warnings=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null || true)
    if [ -n "$warnings" ]; then
        read -r first last < <(synopsis_lines "$page")
        rest=""
        while IFS= read -r w; do
            n=$(sed -nE "s/^troff: <standard input>:([0-9]+): warning .*can't break line\$/\1/p" <<<"$w")
            if [ -n "$n" ] && [ "$n" -ge "$first" ] && [ "$n" -le "$last" ]; then
                long_prototypes=$((long_prototypes + 1))
            else
                rest+="$w"$'\n'
            fi
        done <<<"$warnings"
        [ -z "$rest" ] || fail "$page renders with warnings: $rest"
    fi
    pages=$((pages + 1))
done
first=$(MANWIDTH=80 man -P cat rmsg_recvmsg_with 2>/dev/null | head -n 1)
grep -q 'RMSG_RECVMSG(3)' <<<"$first" || fail "man rmsg_recvmsg_with shows '$first'"
echo "man install: $(wc -w <<<"$functions") functions, each found by" \
    "'MANPATH=<stage>/usr/share/man man NAME'; $pages pages render without warnings" \
    "(but $long_prototypes SYNOPSIS line(s) too wide to break at 80 columns)"
