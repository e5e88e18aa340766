"""A minimal PEP 517 build backend for the rmsg Python package.

It needs nothing but the standard library, so ``pip install ./bindings/python``
works without reaching a package index.

The wheel holds the pure-Python package and, when one is found, a copy of
the shared library built by cargo, as ``rmsg/librmsg.so.0``: the path in
``RMSG_LIBRARY`` if set, else ``target/release/librmsg.so`` then
``target/debug/librmsg.so`` of the repository this directory belongs to
(``../../target`` from here; pip builds a local directory in place). A
wheel with the library is tagged for this platform; without it the wheel is
pure Python and the installed package finds the library at run time through
``RMSG_LIBRARY`` or the system loader (``librmsg.so.0``). No machine path is
recorded anywhere: the library travels inside the wheel.
"""

import base64
import hashlib
import io
import os
import re
import sysconfig
import tarfile
import zipfile

_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PKG = "rmsg"


def _project():
    text = open(os.path.join(_HERE, "pyproject.toml"), encoding="utf-8").read()
    section = text.split("[project]", 1)[1].split("\n[", 1)[0]

    def field(name):
        m = re.search(r'^%s\s*=\s*"([^"]*)"' % name, section, re.M)
        return m.group(1) if m else ""

    return {
        "name": field("name"),
        "version": field("version"),
        "summary": field("description"),
        "requires_python": field("requires-python"),
    }


def _metadata():
    p = _project()
    lines = [
        "Metadata-Version: 2.1",
        "Name: %s" % p["name"],
        "Version: %s" % p["version"],
        "Summary: %s" % p["summary"],
        "License: MIT OR Apache-2.0",
    ]
    if p["requires_python"]:
        lines.append("Requires-Python: %s" % p["requires_python"])
    return "\n".join(lines) + "\n"


def _library():
    env = os.environ.get("RMSG_LIBRARY")
    if env:
        if not os.path.exists(env):
            raise FileNotFoundError("RMSG_LIBRARY names a missing file: %s" % env)
        return env
    root = os.path.dirname(os.path.dirname(_HERE))
    for profile in ("release", "debug"):
        p = os.path.join(root, "target", profile, "librmsg.so")
        if os.path.exists(p):
            return p
    return None


def _package_files():
    pkg_dir = os.path.join(_HERE, _PKG)
    for name in sorted(os.listdir(pkg_dir)):
        if name.endswith(".py"):
            yield "%s/%s" % (_PKG, name), os.path.join(pkg_dir, name)


def _record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "%s,sha256=%s,%d" % (arcname, digest.decode(), len(data))


def _write_wheel(wheel_directory, files, pure):
    p = _project()
    dist = "%s-%s" % (p["name"], p["version"])
    if pure:
        tag = "py3-none-any"
    else:
        tag = "py3-none-" + re.sub(r"[-.]", "_", sysconfig.get_platform())
    name = "%s-%s.whl" % (dist, tag)
    info = dist + ".dist-info"
    wheel_meta = (
        "Wheel-Version: 1.0\nGenerator: rmsg_build\nRoot-Is-Purelib: %s\nTag: %s\n"
        % ("true" if pure else "false", tag)
    )
    entries = list(files) + [
        (info + "/METADATA", _metadata().encode()),
        (info + "/WHEEL", wheel_meta.encode()),
        (info + "/top_level.txt", (_PKG + "\n").encode()),
    ]
    record = [_record_line(a, d) for a, d in entries] + [info + "/RECORD,,"]
    entries.append((info + "/RECORD", ("\n".join(record) + "\n").encode()))
    path = os.path.join(wheel_directory, name)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for arcname, data in entries:
            zi = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            mode = 0o755 if arcname.endswith(".so.0") else 0o644
            zi.external_attr = (0o100000 | mode) << 16
            z.writestr(zi, data)
    return name


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = []
    for arcname, src in _package_files():
        with open(src, "rb") as f:
            files.append((arcname, f.read()))
    lib = _library()
    if lib is not None:
        with open(lib, "rb") as f:
            files.append((_PKG + "/librmsg.so.0", f.read()))
    return _write_wheel(wheel_directory, files, pure=lib is None)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    # An editable install points at this directory; the package then finds
    # the repository's target/ build itself (see rmsg/_native.py).
    pth = (_HERE + "\n").encode()
    return _write_wheel(wheel_directory, [("rmsg_editable.pth", pth)], pure=True)


def build_sdist(sdist_directory, config_settings=None):
    p = _project()
    base = "%s-%s" % (p["name"], p["version"])
    name = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as tar:
        for rel in ["pyproject.toml", "build_backend/rmsg_build.py"] + [
            a for a, _ in _package_files()
        ]:
            tar.add(os.path.join(_HERE, rel), arcname="%s/%s" % (base, rel))
        pkg_info = _metadata().encode()
        ti = tarfile.TarInfo("%s/PKG-INFO" % base)
        ti.size = len(pkg_info)
        tar.addfile(ti, io.BytesIO(pkg_info))
    return name
