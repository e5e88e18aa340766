#!/bin/sh
# The linker rustc calls for this repository on Linux (.cargo/config.toml),
# so that librmsg.so carries the symbol versions of abi/rmsg.map.
#
# Why: rustc links every cdylib with a version script of its own, an
# anonymous one ({ global: <exported symbols>; local: *; }). A second
# script with named nodes cannot simply be added: GNU ld refuses to combine
# an anonymous version with named ones, and lld accepts both but gives each
# symbol to the first version that names it, so rustc's unversioned global
# wins and the nodes stay empty. Symbol-name versions (.symver in
# global_asm!) work with lld only, and only while each directive lands in
# the same codegen unit as its function. So for the one link that passes
# the version script build.rs generated (rmsg-versions.map), this replaces
# rustc's script with it, after checking that both export exactly the same
# symbols. Every other link (tests, examples, rmsg-inspect) passes through
# untouched. The real linker driver is $RMSG_LINKER_CC, or cc as rustc's own
# default is.
set -eu
driver=${RMSG_LINKER_CC:-cc}

ours=
theirs=
for arg in "$@"; do
    case $arg in
    -Wl,--version-script=*/rmsg-versions.map) ours=${arg#-Wl,--version-script=} ;;
    -Wl,--version-script=*) theirs=${arg#-Wl,--version-script=} ;;
    @*)
        echo "abi/linker.sh: linker arguments in a response file ($arg) are not supported" >&2
        exit 1
        ;;
    esac
done
[ -n "$ours" ] || exec "$driver" "$@"
if [ -z "$theirs" ]; then
    echo "abi/linker.sh: rustc's own version script is not among the linker arguments;" \
        "the way rustc passes it has changed and this script must follow" >&2
    exit 1
fi

# The global names of a version script: the lines that are one name and a
# semicolon, outside "local:" sections.
globals() {
    sed 's:/\*.*\*/::' "$1" | awk '
        /local:/ { local = 1; next }
        /global:/ { local = 0; next }
        /[{}]/ { local = 0 }
        !local && $0 ~ /^[ \t]*[A-Za-z_][A-Za-z0-9_]*;[ \t]*$/ { gsub(/[ \t;]/, ""); print }
    ' | sort
}
# Test hooks (rmsg_testing_*, exported by builds with debug assertions
# only, never declared in the header) go in a node of their own.
exported=$(globals "$theirs" | grep -v '^rmsg_testing_' || true)
hooks=$(globals "$theirs" | grep '^rmsg_testing_' || true)
versioned=$(globals "$ours")
if [ "$exported" != "$versioned" ]; then
    {
        echo "abi/linker.sh: the exported functions and the version nodes of abi/rmsg.map differ:"
        missing=$(printf '%s\n' "$exported" | grep -vxF -e "$versioned" || true)
        stale=$(printf '%s\n' "$versioned" | grep -vxF -e "$exported" || true)
        for name in $missing; do
            echo "  $name is exported but in no node: add it to the newest node of abi/rmsg.map"
        done
        for name in $stale; do
            echo "  $name is in abi/rmsg.map but not exported"
        done
    } >&2
    exit 1
fi

script=$ours
if [ -n "$hooks" ]; then
    # Beside rustc's script, in the directory rustc removes after the link.
    script=${theirs%/*}/rmsg-versions-testing.map
    {
        cat "$ours"
        printf '\n/* Test hooks of builds with debug assertions. */\nRMSG_TESTING {\n  global:\n'
        printf '    %s;\n' $hooks
        printf '};\n'
    } >"$script"
fi

# rustc's script out, ours in.
for arg in "$@"; do
    shift
    case $arg in
    "-Wl,--version-script=$theirs") ;;
    "-Wl,--version-script=$ours") set -- "$@" "-Wl,--version-script=$script" ;;
    *) set -- "$@" "$arg" ;;
    esac
done
exec "$driver" "$@"
