#!/usr/bin/env bash
# The headers compile cleanly in every language mode we claim, with gcc and
# clang and -Wall -Wextra -Wpedantic -Werror:
# - include/rmsg.h as C89, C99, C11 and C17, and as C++11, 14, 17 and 20;
# - include/rmsg.hpp as C++17 and 20, and below C++17 it stops with its one
#   #error line and nothing else.
# Usage: .ci/header-matrix.sh (from anywhere; needs gcc, g++, clang, clang++)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(-Wall -Wextra -Wpedantic -Werror -Iinclude)

# Uses a function, a handle type, an enum value, and the version macros.
cat >"$work/use_h.c" <<'EOF'
#include <rmsg.h>
#include <stdio.h>

int main(void) {
    size_t space = 0;
    rmsg_message *msg = NULL;
    if (rmsg_cmsg_space(sizeof(int), &space) != RMSG_OK) return 1;
    rmsg_message_free(msg);
    printf("%s %s %d\n", RMSG_VERSION_STRING, rmsg_version(), (int)rmsg_message_malformed(msg));
    return 0;
}
EOF
cp "$work/use_h.c" "$work/use_h.cpp"
cat >"$work/use_hpp.cpp" <<'EOF'
#include <rmsg.hpp>

int main() {
    std::size_t space = rmsg::cmsg_space(sizeof(int));
    return space > 0 ? 0 : 1;
}
EOF
# Below C++17 the header alone must give its #error and nothing else.
printf '#include <rmsg.hpp>\n\nint main() { return 0; }\n' >"$work/only_hpp.cpp"

checked=0
compile() { # compiler standard source
    if ! "$1" -std="$2" "${flags[@]}" -c "$work/$3" -o "$work/out.o" 2>"$work/err"; then
        echo "header-matrix: $3 fails with $1 -std=$2:" >&2
        cat "$work/err" >&2
        exit 1
    fi
    checked=$((checked + 1))
}

for cc in gcc clang; do
    for std in c89 c99 c11 c17; do
        compile "$cc" "$std" use_h.c
    done
done
for cxx in g++ clang++; do
    for std in c++11 c++14 c++17 c++20; do
        compile "$cxx" "$std" use_h.cpp
    done
    for std in c++17 c++20; do
        compile "$cxx" "$std" use_hpp.cpp
    done
    for std in c++11 c++14; do
        if "$cxx" -std="$std" "${flags[@]}" -c "$work/only_hpp.cpp" -o "$work/out.o" 2>"$work/err"; then
            echo "header-matrix: rmsg.hpp compiled with $cxx -std=$std; it must stop below C++17" >&2
            exit 1
        fi
        if ! grep -q 'error: .*rmsg.hpp needs C++17 or later' "$work/err" ||
            [ "$(grep -c 'error:' "$work/err")" -ne 1 ]; then
            echo "header-matrix: rmsg.hpp with $cxx -std=$std did not stop with its one #error:" >&2
            cat "$work/err" >&2
            exit 1
        fi
        checked=$((checked + 1))
    done
done
echo "header-matrix: $checked compilations as expected" \
    "(rmsg.h: C89/C99/C11/C17, C++11/14/17/20; rmsg.hpp: C++17/20, #error below; gcc and clang)"
