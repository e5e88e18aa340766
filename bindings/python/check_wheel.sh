#!/usr/bin/env bash
# Builds the binding's wheel against the release library, gives it its
# manylinux tag with auditwheel (patchelf from the system), installs it into
# a fresh venv and checks, outside the checkout, that the installed package
# uses its compiled module and its bundled, stripped librmsg. Run from the
# repository root after `cargo build --release` (.ci/run does).
set -euo pipefail
cd "$(dirname "$0")/../.."

out=target/python-wheel
rm -rf "$out"
mkdir -p "$out"

# The tools, pinned, in a venv of their own.
python3 -m venv "$out/tools"
"$out/tools/bin/pip" install --quiet --disable-pip-version-check \
    auditwheel==6.1.0 pyelftools==0.33 packaging==26.4

RMSG_LIBRARY="$PWD/target/release/librmsg.so" python3 -m pip wheel \
    --no-deps --no-index --quiet --disable-pip-version-check -w "$out/raw" ./bindings/python
raw=$(ls "$out"/raw/rmsg-*.whl)
# The most compatible tag the wheel's symbols allow, as auditwheel says.
plat=$("$out/tools/bin/auditwheel" show "$raw" | tr '\n' ' ' |
    sed -n 's/.*platform tag: *"\(manylinux_[0-9a-z_]*\)".*/\1/p')
[ -n "$plat" ] || { echo "auditwheel found no manylinux tag for $raw" >&2; exit 1; }
"$out/tools/bin/auditwheel" repair --plat "$plat" -w "$out/wheelhouse" "$raw" 2>&1 | tail -n 1
whl=$(ls "$out"/wheelhouse/rmsg-*.whl)
case "$(basename "$whl")" in
    rmsg-*-cp3*-abi3-manylinux_*.whl | rmsg-*-cp3*-cp3*-manylinux_*.whl) ;;
    *) echo "not a manylinux binary wheel: $whl" >&2; exit 1 ;;
esac
echo "wheel: $(basename "$whl")"

python3 -m venv "$out/venv"
"$out/venv/bin/pip" install --quiet --no-index --disable-pip-version-check "$whl"
lib=$("$out/venv/bin/python" -c 'import os, rmsg; print(os.path.dirname(rmsg.__file__))')/librmsg.so.0
if readelf -S "$lib" | grep -q '\.debug_info'; then
    echo "the bundled library is not stripped: $lib" >&2
    exit 1
fi
(cd "$out" && env -u RMSG_LIBRARY -u RMSG_IMPL -u PYTHONPATH venv/bin/python - <<'PY'
import os, socket, sys
import rmsg
here = os.path.dirname(rmsg.__file__)
assert rmsg.implementation == "compiled", rmsg.implementation
assert rmsg.library_path == os.path.join(here, "librmsg.so.0"), rmsg.library_path
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
r, w = os.pipe()
rmsg.sendmsg(b, [b"wheel"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, w.to_bytes(4, sys.byteorder))])
(data, anc, flags, addr), = rmsg.recvmsg_batch(a, 4, 16, rmsg.CMSG_SPACE(4))
fd = int.from_bytes(anc[0][2], sys.byteorder)
os.write(fd, b"!")
assert data == b"wheel" and os.read(r, 1) == b"!"
print("installed wheel: %s path, %s" % (rmsg.implementation, rmsg.library_path))
PY
)
