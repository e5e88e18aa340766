#!/usr/bin/env bash
# The cdylib must export exactly the functions include/rmsg.h declares,
# each with the version node abi/rmsg.map gives it, and the nodes of
# released versions must hold what they held when released.
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
dynsyms=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}')
exported=$(sed 's/@.*//' <<<"$dynsyms" | sort -u)
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

# Symbol versions. abi/rmsg.map as "name node" lines, and the nodes in order.
map=abi/rmsg.map
mapped=$(sed 's:/\*.*\*/::' "$map" | awk '
    /^[ \t]*[A-Za-z_][A-Za-z0-9_.]*[ \t]*\{/ { node = $1; local = 0; next }
    /local:/ { local = 1; next }
    /global:/ { local = 0; next }
    /^[ \t]*}/ { local = 0 }
    !local && node != "" && $0 ~ /^[ \t]*[A-Za-z_][A-Za-z0-9_]*;[ \t]*$/ { gsub(/[ \t;]/, ""); print $0, node }
' | sort)
nodes=$(sed 's:/\*.*\*/::' "$map" | sed -n 's/^[ \t]*\([A-Za-z_][A-Za-z0-9_.]*\)[ \t]*{.*/\1/p')
fail=0
# Every exported symbol carries a default version, the node the map names.
actual=$(grep -E '^rmsg_' <<<"$dynsyms" | sed -n 's/^\([^@]*\)@@\(.*\)$/\1 \2/p' | sort)
unversioned=$(grep -E '^rmsg_[a-z0-9_]+$' <<<"$dynsyms" || true)
if [ -n "$unversioned" ]; then
    echo "exported without a symbol version (was $so linked through abi/linker.sh?):" >&2
    sed 's/^/  /' <<<"$unversioned" >&2
    fail=1
fi
if [ "$actual" != "$mapped" ] && [ -z "$unversioned" ]; then
    echo "symbol versions of $so and the nodes of $map differ:" >&2
    diff <(echo "$actual") <(echo "$mapped") >&2 || true
    echo "(< in $so, > in $map)" >&2
    fail=1
fi
# The nodes are RMSG_<major>.<minor>, each inheriting the one before, and
# those are the version definitions of the library.
prev=
while read -r node; do
    [[ $node =~ ^RMSG_[0-9]+\.[0-9]+$ ]] || { echo "$map: node $node is not named RMSG_<major>.<minor>" >&2; fail=1; }
    if [ -n "$prev" ] && ! grep -qE "^}[ \t]*$prev[ \t]*;" <(sed -n "/^$node[ \t]*{/,/^}/p" "$map"); then
        echo "$map: node $node does not inherit $prev (close it with \"} $prev;\")" >&2
        fail=1
    fi
    prev=$node
done <<<"$nodes"
defined=$(readelf -V -W "$so" | sed -n 's/.*Flags: none.*Name: \(RMSG_[^ ]*\).*/\1/p' | sort)
if [ "$defined" != "$(sort <<<"$nodes")" ]; then
    echo "version definitions of $so ($(echo $defined)) are not the nodes of $map ($(echo $nodes))" >&2
    fail=1
fi
# A released node is frozen: it holds what abi/rmsg.abi (the baseline of
# .ci/check-abi.sh) holds with that version. The last release is the first
# "## x.y.z" heading of CHANGELOG.md.
release=$(sed -n 's/^## \([0-9][0-9]*\)\.\([0-9][0-9]*\)\.[0-9][0-9]*.*/\1.\2/p' CHANGELOG.md | head -n 1)
baseline=$(sed -n "s/.*<elf-symbol name=[\"']\([^\"']*\)[\"'] version=[\"']\([^\"']*\)[\"'].*/\1 \2/p" abi/rmsg.abi | sort)
while read -r node; do
    v=${node#RMSG_}
    # Released: its version is not above the last release.
    [ "$(printf '%s\n%s\n' "$v" "$release" | sort -V | tail -n 1)" = "$release" ] || continue
    now=$(awk -v n="$node" '$2 == n {print $1}' <<<"$mapped")
    then=$(awk -v n="$node" '$2 == n {print $1}' <<<"$baseline")
    if [ "$now" != "$then" ]; then
        echo "$map: $node belongs to a released version ($release or earlier) and changed:" >&2
        diff <(echo "$then") <(echo "$now") | sed -n 's/^> \(.*\)/  \1 added: put it in the newest node instead/p; s/^< \(.*\)/  \1 removed or moved: a released function keeps its node/p' >&2
        fail=1
    fi
done <<<"$nodes"
[ "$fail" -eq 0 ] || exit 1
echo "symbols: $(echo "$exported" | wc -l) exported functions, all declared in $header and none missing; every header name prefixed"
echo "versions: every function in the node $map gives it ($(awk '{print $2}' <<<"$mapped" | sort | uniq -c | awk '{printf "%s%s %s", sep, $2, $1; sep=", "}')); released nodes (up to $release) as in abi/rmsg.abi"
