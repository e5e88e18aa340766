#!/usr/bin/env bash
# Prints the home directory of a JDK whose javac is version 22 or newer
# (the release that made java.lang.foreign final): $JAVA_HOME when it
# qualifies, else the newest one under /usr/lib/jvm. With none, says why on
# stderr and exits 1. Used by build.sh and by tests/readme.rs.
set -euo pipefail

# The feature version (22, 25 ...) of a JDK home, or nothing.
feature() {
    local v
    [ -x "$1/bin/javac" ] && [ -x "$1/bin/java" ] && [ -x "$1/bin/jar" ] || return 0
    v=$("$1/bin/javac" -version 2>&1 | sed -n 's/^javac \([0-9][0-9]*\).*/\1/p' | head -n 1)
    printf '%s' "$v"
}

best="" best_v=0
if [ -n "${JAVA_HOME:-}" ]; then
    v=$(feature "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge 22 ]; then
        printf '%s\n' "$JAVA_HOME"
        exit 0
    fi
fi
for home in /usr/lib/jvm/*/; do
    home=${home%/}
    [ -L "$home" ] && continue # Debian's aliases name the same JDKs again
    v=$(feature "$home")
    if [ -n "$v" ] && [ "$v" -ge 22 ] && [ "$v" -gt "$best_v" ]; then
        best=$home best_v=$v
    fi
done
if [ -z "$best" ]; then
    echo "no JDK 22 or newer: JAVA_HOME is ${JAVA_HOME:-unset} and /usr/lib/jvm has none" \
        "(the Java binding needs the final java.lang.foreign API)" >&2
    exit 1
fi
printf '%s\n' "$best"
