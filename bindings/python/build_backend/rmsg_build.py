"""A minimal PEP 517 build backend for the rmsg Python package.

It needs nothing but the standard library and a C compiler, so
``pip install ./bindings/python`` works without reaching a package index.

The wheel holds:

- the Python package;
- the compiled fast path, the extension module ``rmsg._rmsg`` built from
  ``ext/_rmsg.c`` against ``include/rmsg.h`` with the C compiler (``$CC``,
  ``cc`` or ``gcc``). On CPython 3.11 and newer it is built for the limited
  API (``_rmsg.abi3.so``, wheel tag ``cp311-abi3``: one wheel for every
  later CPython); on older ones for that interpreter's full API. Without a
  compiler or ``Python.h`` (or with ``RMSG_BUILD_EXTENSION=0``) the wheel
  has no extension and the package uses its ctypes path; a compiler that
  fails is an error;
- a copy of the shared library built by cargo, as ``rmsg/librmsg.so.0``:
  the path in ``RMSG_LIBRARY`` if set, else ``target/release/librmsg.so``
  then ``target/debug/librmsg.so`` of the repository this directory belongs
  to (``../../target`` from here; pip builds a local directory in place).
  With no library to bundle the build fails, saying how to build one: a
  wheel without it would install a package that cannot work. The copy is
  stripped (release builds already are; a debug build is stripped with
  ``strip``, ``$STRIP`` if set) and checked to carry no symbol table or
  debug sections. The extension does not link the library: rmsg/_native.py
  loads it and hands the extension the address of each function, so the
  extension needs no RPATH.

The wheel is tagged for this platform (``linux_x86_64``; ``auditwheel
repair`` turns that into the manylinux tag). The metadata comes from
``pyproject.toml``: ``[project]`` and ``[project.urls]``, and the licence
files named in ``[tool.rmsg_build]`` (the repository's, outside this
directory, where PEP 639's ``license-files`` cannot point), which go into
the wheel's ``.dist-info/licenses/`` and the sdist. No machine path is
recorded anywhere: the library travels inside the wheel.

In a checkout, ``python3 build_backend/rmsg_build.py`` builds the extension
in place (``rmsg/_rmsg*.so``, ignored by git), for the tests and the
benchmark.
"""

import base64
import hashlib
import io
import os
import re
import shutil
import struct
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import zipfile

_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PKG = "rmsg"


def _section(text, name):
    """The body of the TOML table ``[name]`` (up to the next table)."""
    m = re.search(r"^\[%s\][ \t]*$" % re.escape(name), text, re.M)
    if not m:
        return ""
    rest = text[m.end():]
    nxt = re.search(r"^\[", rest, re.M)
    return rest[: nxt.start()] if nxt else rest


def _project():
    text = open(os.path.join(_HERE, "pyproject.toml"), encoding="utf-8").read()
    project = _section(text, "project")

    def field(name):
        m = re.search(r'^%s\s*=\s*"([^"]*)"' % re.escape(name), project, re.M)
        return m.group(1) if m else ""

    urls = re.findall(r'^([A-Za-z][\w -]*?)\s*=\s*"([^"]+)"', _section(text, "project.urls"), re.M)
    m = re.search(r"^license-files\s*=\s*\[([^\]]*)\]", _section(text, "tool.rmsg_build"), re.M)
    licence_files = re.findall(r'"([^"]+)"', m.group(1)) if m else []
    m = re.search(r'^license\s*=\s*\{\s*text\s*=\s*"([^"]*)"', project, re.M)
    return {
        "name": field("name"),
        "version": field("version"),
        "summary": field("description"),
        "requires_python": field("requires-python"),
        "license": m.group(1) if m else "",
        "urls": urls,
        "licence_files": licence_files,
    }


def _licence_files():
    """(file name, path) of each licence file: where pyproject.toml says, or
    beside it as in an sdist. A missing one is an error."""
    out = []
    for rel in _project()["licence_files"]:
        path = os.path.normpath(os.path.join(_HERE, rel))
        if not os.path.isfile(path):
            path = os.path.join(_HERE, os.path.basename(rel))
        if not os.path.isfile(path):
            raise FileNotFoundError("rmsg: licence file %s (from pyproject.toml) is missing" % rel)
        out.append((os.path.basename(path), path))
    return out


def _metadata():
    p = _project()
    lines = [
        "Metadata-Version: 2.1",
        "Name: %s" % p["name"],
        "Version: %s" % p["version"],
        "Summary: %s" % p["summary"],
    ]
    for label, url in p["urls"]:
        if label.lower() == "homepage":
            lines.append("Home-page: %s" % url)
        lines.append("Project-URL: %s, %s" % (label, url))
    if p["license"]:
        lines.append("License: %s" % p["license"])
    for name, _ in _licence_files():
        lines.append("License-File: %s" % name)
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
    tried = []
    for profile in ("release", "debug"):
        p = os.path.join(root, "target", profile, "librmsg.so")
        if os.path.exists(p):
            return p
        tried.append(p)
    raise RuntimeError(
        "rmsg: no librmsg.so to put in the wheel, and a wheel without it "
        "would not work. Build the library first (`cargo build --release` "
        "in the repository), or set RMSG_LIBRARY to a built librmsg.so. "
        "Looked for:\n  " + "\n  ".join(tried)
    )


# --- the extension module -------------------------------------------------------

_EXT_SOURCE = os.path.join(_HERE, "ext", "_rmsg.c")
# The first of these that holds rmsg.h: the repository's include/ (a
# checkout), or the copy an sdist carries.
_INCLUDE_DIRS = (
    os.path.join(os.path.dirname(os.path.dirname(_HERE)), "include"),
    os.path.join(_HERE, "ext", "include"),
)
# The limited API of this CPython version, where it has the buffer
# protocol (3.11).
_LIMITED = (3, 11)


def _compiler():
    for cc in (os.environ.get("CC"), "cc", "gcc"):
        if cc and shutil.which(cc.split()[0]):
            return cc.split()
    return None


def _header_dir():
    for d in _INCLUDE_DIRS:
        if os.path.exists(os.path.join(d, "rmsg.h")):
            return d
    return None


def extension_name():
    """The file name of the extension for this interpreter, and whether it
    is built for the limited API."""
    if sys.implementation.name == "cpython" and sys.version_info >= _LIMITED:
        return "_rmsg.abi3.so", True
    return "_rmsg" + sysconfig.get_config_var("EXT_SUFFIX"), False


def _why_no_extension():
    """Why the extension cannot be built here, or None if it can."""
    if os.environ.get("RMSG_BUILD_EXTENSION", "1") == "0":
        return "RMSG_BUILD_EXTENSION=0"
    if sys.implementation.name != "cpython":
        return "not CPython"
    if not os.path.exists(_EXT_SOURCE):
        return "no ext/_rmsg.c"
    if _compiler() is None:
        return "no C compiler (cc, gcc or $CC)"
    if _header_dir() is None:
        return "no rmsg.h"
    if not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")):
        return "no Python.h (install the python3-dev package)"
    return None


def build_extension(out_dir):
    """Compiles ext/_rmsg.c into ``out_dir``; returns the path written.
    Raises if the compiler fails."""
    name, limited = extension_name()
    out = os.path.join(out_dir, name)
    cmd = _compiler() + [
        "-shared", "-fPIC", "-O2", "-std=c11", "-D_GNU_SOURCE",
        "-Wall", "-Wextra", "-fvisibility=hidden", "-s",
        "-I", _header_dir(), "-I", sysconfig.get_paths()["include"],
    ]
    if limited:
        cmd.append("-DPy_LIMITED_API=0x%02X%02X0000" % _LIMITED)
    cmd += [_EXT_SOURCE, "-o", out]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(
            "rmsg: compiling the extension failed:\n%s\n%s"
            % (" ".join(cmd), run.stderr)
        )
    return out


def _elf_sections(data):
    """The section names of an ELF file (32 or 64 bit, either byte order)."""
    if data[:4] != b"\x7fELF":
        raise ValueError("not an ELF file")
    wide = data[4] == 2
    order = "<" if data[5] == 1 else ">"
    if wide:
        shoff, = struct.unpack_from(order + "Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", data, 0x3A)
        entry = order + "IIQQQQ"
    else:
        shoff, = struct.unpack_from(order + "I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", data, 0x2E)
        entry = order + "IIIIII"
    headers = [struct.unpack_from(entry, data, shoff + i * shentsize) for i in range(shnum)]
    if not headers:
        return []
    names_at, names_len = headers[shstrndx][4], headers[shstrndx][5]
    names = data[names_at:names_at + names_len]
    return [names[h[0]:names.index(b"\0", h[0])].decode("ascii", "replace") for h in headers]


def _unstripped(data):
    return [s for s in _elf_sections(data) if s == ".symtab" or s.startswith(".debug")]


def _stripped_library(path):
    """The library's bytes without symbol table or debug information."""
    with open(path, "rb") as f:
        data = f.read()
    if not _unstripped(data):
        return data
    strip = os.environ.get("STRIP") or shutil.which("strip")
    if not strip:
        raise RuntimeError(
            "rmsg: %s carries %s and there is no `strip` to remove them: "
            "install binutils, set STRIP, or bundle a release build (which "
            "cargo strips)" % (path, ", ".join(_unstripped(data)))
        )
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "librmsg.so.0")
        subprocess.run([strip, "--strip-unneeded", "-o", out, path], check=True)
        with open(out, "rb") as f:
            data = f.read()
    left = _unstripped(data)
    if left:
        raise RuntimeError("rmsg: %s still carries %s after strip" % (path, ", ".join(left)))
    return data


def _package_files():
    pkg_dir = os.path.join(_HERE, _PKG)
    for name in sorted(os.listdir(pkg_dir)):
        if name.endswith(".py"):
            yield "%s/%s" % (_PKG, name), os.path.join(pkg_dir, name)


def _record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "%s,sha256=%s,%d" % (arcname, digest.decode(), len(data))


def _wheel_tag(pure, extension):
    if pure:
        return "py3-none-any"
    platform = re.sub(r"[-.]", "_", sysconfig.get_platform())
    if extension is None:
        return "py3-none-" + platform
    name, limited = extension_name()
    if limited:
        return "cp%d%d-abi3-%s" % (_LIMITED + (platform,))
    ver = "cp%d%d" % sys.version_info[:2]
    return "%s-%s-%s" % (ver, ver, platform)


def _write_wheel(wheel_directory, files, pure, extension=None):
    p = _project()
    dist = "%s-%s" % (p["name"], p["version"])
    tag = _wheel_tag(pure, extension)
    name = "%s-%s.whl" % (dist, tag)
    info = dist + ".dist-info"
    wheel_meta = (
        "Wheel-Version: 1.0\nGenerator: rmsg_build\nRoot-Is-Purelib: %s\nTag: %s\n"
        % ("true" if pure else "false", tag)
    )
    licences = []
    for lname, path in _licence_files():
        with open(path, "rb") as f:
            licences.append((info + "/licenses/" + lname, f.read()))
    entries = list(files) + licences + [
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
            mode = 0o755 if re.search(r"\.so(\.0)?$", arcname) else 0o644
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
    lib = _library()
    files = []
    for arcname, src in _package_files():
        with open(src, "rb") as f:
            files.append((arcname, f.read()))
    files.append((_PKG + "/librmsg.so.0", _stripped_library(lib)))
    ext = None
    why = _why_no_extension()
    if why is None:
        with tempfile.TemporaryDirectory() as d:
            built = build_extension(d)
            with open(built, "rb") as f:
                ext = (_PKG + "/" + os.path.basename(built), f.read())
        files.append(ext)
    else:
        sys.stderr.write("rmsg: no compiled fast path (%s): ctypes only\n" % why)
    return _write_wheel(wheel_directory, files, pure=False, extension=ext)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    # An editable install points at this directory; the package then finds
    # the repository's target/ build itself (see rmsg/_native.py), and the
    # extension is built in place.
    if _why_no_extension() is None:
        build_extension(os.path.join(_HERE, _PKG))
    pth = (_HERE + "\n").encode()
    return _write_wheel(wheel_directory, [("rmsg_editable.pth", pth)], pure=True)


def build_sdist(sdist_directory, config_settings=None):
    p = _project()
    base = "%s-%s" % (p["name"], p["version"])
    name = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as tar:
        for rel in ["pyproject.toml", "build_backend/rmsg_build.py", "ext/_rmsg.c"] + [
            a for a, _ in _package_files()
        ]:
            tar.add(os.path.join(_HERE, rel), arcname="%s/%s" % (base, rel))
        header = _header_dir()
        if header is not None:
            tar.add(os.path.join(header, "rmsg.h"),
                    arcname="%s/ext/include/rmsg.h" % base)
        for lname, path in _licence_files():
            tar.add(path, arcname="%s/%s" % (base, lname))
        pkg_info = _metadata().encode()
        ti = tarfile.TarInfo("%s/PKG-INFO" % base)
        ti.size = len(pkg_info)
        tar.addfile(ti, io.BytesIO(pkg_info))
    return name

if __name__ == "__main__":
    # In a checkout: build the extension in place, next to the package's
    # modules (rmsg/_native.py imports it from there).
    why = _why_no_extension()
    if why is not None:
        sys.exit("rmsg: cannot build the extension: %s" % why)
    print(build_extension(os.path.join(_HERE, _PKG)))
