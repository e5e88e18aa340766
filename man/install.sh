#!/bin/sh
# Installs rmsg's manual pages: man/*.1, *.3 and *.7 into
# <destdir><mandir>/man1, man3 and man7, and for every function a section-3
# page documents beside its own (the page's further .Nm names) a symbolic
# link to that page, so that `man rmsg_recvmsg_with` finds rmsg_recvmsg(3).
# cargo-c installs the library, headers and rmsg.pc but no pages; run this
# after it with the same --prefix and --destdir.
#
# Usage: man/install.sh [--prefix=/usr/local] [--mandir=PREFIX/share/man]
#                       [--destdir=STAGE]
set -eu
prefix=/usr/local
mandir=
destdir=
for arg in "$@"; do
    case $arg in
    --prefix=*) prefix=${arg#--prefix=} ;;
    --mandir=*) mandir=${arg#--mandir=} ;;
    --destdir=*) destdir=${arg#--destdir=} ;;
    -h | --help)
        sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "man/install.sh: unknown argument $arg (see --help)" >&2
        exit 2
        ;;
    esac
done
[ -n "$mandir" ] || mandir=$prefix/share/man
src=$(cd "$(dirname "$0")" && pwd)
root=$destdir$mandir

pages=0
links=0
for page in "$src"/*.1 "$src"/*.3 "$src"/*.7; do
    [ -f "$page" ] || continue
    file=${page##*/}
    section=${file##*.}
    dir=$root/man$section
    mkdir -p "$dir"
    install -m 644 "$page" "$dir/$file"
    pages=$((pages + 1))
    # The .Nm names of the NAME section, up to .Nd, other than the page's own.
    for name in $(sed -n '/^\.Sh NAME/,/^\.Nd/s/^\.Nm \([A-Za-z0-9_.-]*\).*/\1/p' "$page"); do
        [ "$name.$section" = "$file" ] && continue
        ln -sf "$file" "$dir/$name.$section"
        links=$((links + 1))
    done
done
echo "installed $pages manual pages and $links links under $root"
