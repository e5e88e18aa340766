#!/usr/bin/env bash
# Builds the Java binding, the module `rmsg`, with javac and jar from a JDK
# 22 or newer found by jdk.sh (no build tool, nothing downloaded), and runs
# its tests or benchmark. Output goes to target/java/ of the checkout
# ($RMSG_JAVA_OUT to change it).
#
#   bash bindings/java/build.sh          # target/java/rmsg.jar (rebuilt when a source is newer)
#   bash bindings/java/build.sh test     # the jar, then the tests (tests/)
#   bash bindings/java/build.sh bench    # the jar, then the benchmark (bench/); args follow
#   bash bindings/java/build.sh decode-cost # the jar, then the decode alone, per item and
#                                        # through the view (bench/DecodeCost.java); args follow
#   bash bindings/java/build.sh java-cmd # the jar, then prints the java command that runs
#                                        # a program against it, one argument a line
#
# The library is found as the binding finds it (RMSG_LIBRARY, else this
# checkout's target/release then target/debug, else librmsg.so.0): build it
# first with `cargo build --release`. The tests also need a C compiler
# (cc) and python3, for the peers they pass descriptors to.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${RMSG_JAVA_OUT:-$root/target/java}
jdk=$(bash "$here/jdk.sh")
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1)
mkdir -p "$out"

# Every source newer than the jar (or no jar) means a rebuild.
build_jar() {
    local jar=$out/rmsg.jar
    if [ -f "$jar" ] && [ -z "$(find "$here/src" -name '*.java' -newer "$jar" | head -n 1)" ]; then
        return 0
    fi
    local tmp
    tmp=$(mktemp -d "$out/build.XXXXXX")
    # shellcheck disable=SC2046
    "$jdk/bin/javac" --release 22 -Xlint:all,-restricted -Werror -d "$tmp/classes" \
        $(find "$here/src" -name '*.java' | sort)
    "$jdk/bin/jar" --create --file "$tmp/rmsg.jar" --module-version "$version" -C "$tmp/classes" .
    mv "$tmp/rmsg.jar" "$jar"
    rm -rf "$tmp"
    echo "built $jar (JDK: $jdk)" >&2
}

# (-restricted: calling native code is what the binding is for.)

# How every program of the binding runs: the module on the module path,
# allowed to call native code.
java_cmd() {
    printf '%s\n' "$jdk/bin/java" --module-path "$out/rmsg.jar" --add-modules rmsg \
        --enable-native-access=rmsg,ALL-UNNAMED
}

run_tests() {
    local classes=$out/tests
    rm -rf "$classes"
    # shellcheck disable=SC2046
    "$jdk/bin/javac" --release 22 -Xlint:all,-restricted -Werror -d "$classes" \
        --module-path "$out/rmsg.jar" --add-modules rmsg $(find "$here/tests" -name '*.java' | sort)
    # The C peer uses only libc's recvmsg/sendmsg and CMSG macros: an
    # independent check of what the binding sends and receives.
    cc -std=c99 -Wall -Wextra -Werror -o "$out/fdpeer" "$here/tests/fdpeer.c"
    mapfile -t java < <(java_cmd)
    # --add-opens: the layout test reads the binding's struct layouts and
    # constants (package-private) to compare them with the header.
    "${java[@]}" --add-opens rmsg/rmsg=ALL-UNNAMED -cp "$classes" \
        -Drmsg.test.root="$root" -Drmsg.test.fdpeer="$out/fdpeer" -Drmsg.test.work="$out" \
        RmsgTests "$@"
}

run_bench() {
    local classes=$out/bench
    rm -rf "$classes"
    "$jdk/bin/javac" --release 22 -Xlint:all,-restricted -Werror -d "$classes" \
        --module-path "$out/rmsg.jar" --add-modules rmsg "$here/bench/Bench.java"
    mapfile -t java < <(java_cmd)
    "${java[@]}" -cp "$classes" Bench "$@"
}

# The decode alone; it reaches the binding's two decoders by reflection.
run_decode_cost() {
    local classes=$out/decode-cost
    rm -rf "$classes"
    "$jdk/bin/javac" --release 22 -Xlint:all,-restricted -Werror -d "$classes" \
        --module-path "$out/rmsg.jar" --add-modules rmsg "$here/bench/DecodeCost.java"
    mapfile -t java < <(java_cmd)
    "${java[@]}" --add-opens rmsg/rmsg=ALL-UNNAMED -cp "$classes" DecodeCost "$@"
}

what=${1:-jar}
[ $# -gt 0 ] && shift
build_jar
case $what in
    jar) ;;
    test) run_tests "$@" ;;
    bench) run_bench "$@" ;;
    decode-cost) run_decode_cost "$@" ;;
    java-cmd) java_cmd ;;
    *) echo "usage: build.sh [jar|test|bench|decode-cost|java-cmd]" >&2; exit 2 ;;
esac
