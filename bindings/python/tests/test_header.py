"""The binding's copies of the C declarations against include/rmsg.h: a C
program compiled against the header prints the size and alignment of
every struct that rmsg/_native.py declares, the offset, size and
signedness of each of its fields, and the value of every RMSG_ constant
that _native.py defines; they must equal what ctypes and _native.py say.
The program also names every C function the binding loads, so a function
missing from the header fails to compile. Needs a C compiler (cc, gcc or
$CC): without one the test is skipped, saying so."""

import ast
import ctypes
import os
import shutil
import struct
import subprocess

import pytest

import rmsg
from rmsg import _native as _n
from rmsg import _recv

TESTS = os.path.dirname(os.path.abspath(__file__))
INCLUDE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(TESTS))), "include")
PACKAGE_DIR = os.path.dirname(os.path.abspath(rmsg.__file__))

# ctypes type codes of the integer types, whose signedness can be compared.
_INTEGER_CODES = "bBhHiIlLqQ?"


def compiler():
    for cc in (os.environ.get("CC"), "cc", "gcc"):
        if cc and shutil.which(cc):
            return cc
    return None


def constants():
    return sorted(name for name in vars(_n) if name.startswith("RMSG_"))


def functions():
    """The C names of the functions _native.py loads."""
    return sorted({
        f.__name__ for f in vars(_n).values()
        if isinstance(f, ctypes._CFuncPtr)
    })


def element(ctype):
    """The type of one element of an array type, else the type itself."""
    while issubclass(ctype, ctypes.Array):
        ctype = ctype._type_
    return ctype


def field_facts():
    """(key, C expression, value ctypes gives), for every struct and field."""
    out = []
    for cls in _n.STRUCTS:
        t = "struct %s" % cls.c_name
        out.append(("sizeof %s" % cls.c_name, "sizeof(%s)" % t, ctypes.sizeof(cls)))
        out.append(("alignof %s" % cls.c_name, "_Alignof(%s)" % t, ctypes.alignment(cls)))
        for fname, ftype in cls._fields_:
            key = "%s.%s" % (cls.c_name, fname)
            member = "((%s *)0)->%s" % (t, fname)
            out.append(("offsetof " + key, "offsetof(%s, %s)" % (t, fname),
                        getattr(cls, fname).offset))
            out.append(("sizeof " + key, "sizeof(%s)" % member, ctypes.sizeof(ftype)))
            one = element(ftype)
            if one is not ftype:
                member += "[0]"
                out.append(("element sizeof " + key, "sizeof(%s)" % member,
                            ctypes.sizeof(one)))
            if issubclass(one, ctypes.Structure):
                # The member is of the struct that ctypes nests there.
                out.append(("type " + key,
                            "_Generic(%s, struct %s: 1, default: 0)" % (member, one.c_name),
                            1))
            elif issubclass(one, ctypes._SimpleCData) and one._type_ in _INTEGER_CODES:
                out.append(("signed " + key, "(__typeof__(%s))-1 < 0" % member,
                            int(one(-1).value < 0)))
    return out


def c_program(facts):
    lines = [
        "#include <stddef.h>",
        "#include <stdio.h>",
        '#include "rmsg.h"',
        "",
        "int main(void) {",
    ]
    for name in functions():
        lines.append("    (void)&%s;" % name)
    for key, expr, _ in facts:
        lines.append('    printf("%%s=%%lld\\n", "%s", (long long)(%s));' % (key, expr))
    for name in constants():
        lines.append('    printf("%%s=%%lld\\n", "const %s", (long long)(%s));' % (name, name))
    lines += ["    return 0;", "}", ""]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def header(tmp_path_factory):
    """What the compiled program printed, as a dict."""
    cc = compiler()
    if cc is None:
        pytest.skip("no C compiler found (cc, gcc or $CC): cannot compile "
                    "against include/rmsg.h to compare the declarations")
    d = tmp_path_factory.mktemp("header")
    src = d / "layout.c"
    exe = d / "layout"
    src.write_text(c_program(field_facts()))
    build = subprocess.run(
        [cc, "-std=c11", "-Wall", "-Werror", "-I", INCLUDE, "-o", str(exe), str(src)],
        capture_output=True, text=True,
    )
    assert build.returncode == 0, "%s failed:\n%s" % (cc, build.stderr)
    run = subprocess.run([str(exe)], capture_output=True, text=True, check=True)
    return dict(line.split("=", 1) for line in run.stdout.splitlines())


def test_every_struct_matches_the_header(header):
    facts = field_facts()
    assert _n.STRUCTS
    # Every ctypes struct the module has is in STRUCTS (so it is compared).
    declared = {v for v in vars(_n).values()
                if isinstance(v, type) and issubclass(v, ctypes.Structure)}
    assert declared == set(_n.STRUCTS)
    wrong = ["%s: header %s, ctypes %s" % (key, header.get(key), value)
             for key, _, value in facts if header.get(key) != str(value)]
    assert not wrong, "\n".join(wrong)


def test_every_constant_matches_the_header(header):
    wrong = ["%s: header %s, _native %s" % (name, header.get("const " + name),
                                             getattr(_n, name))
             for name in constants()
             if header.get("const " + name) != str(getattr(_n, name))]
    assert not wrong, "\n".join(wrong)


def test_item_view_record_matches_the_struct():
    # The hot path unpacks rmsg_item_view records with the struct module
    # (native alignment; a zero count, "0P", only pads to the alignment).
    codes = _recv._VIEW.format.lstrip("@")
    assert len(codes) == len(_n.ItemView._fields_)
    for i, (fname, ftype) in enumerate(_n.ItemView._fields_):
        offset = struct.calcsize("@" + codes[:i] + "0" + codes[i])
        assert offset == getattr(_n.ItemView, fname).offset, fname
        assert struct.calcsize("@" + codes[i]) == ctypes.sizeof(ftype), fname
    assert _recv._VIEW.size == ctypes.sizeof(_n.ItemView)


def sources():
    for name in sorted(os.listdir(PACKAGE_DIR)):
        if name.endswith(".py"):
            yield os.path.join(PACKAGE_DIR, name)
    for name in sorted(os.listdir(TESTS)):
        if name.endswith(".py"):
            yield os.path.join(TESTS, name)


def test_constants_are_defined_once_in_native():
    # Only _native.py assigns RMSG_ names; every RMSG_ name used anywhere in
    # the package or its tests is one of them.
    defined = set(constants())
    for path in sources():
        with open(path) as f:
            tree = ast.parse(f.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id.startswith("RMSG_"):
                if isinstance(node.ctx, ast.Store):
                    assert path.endswith(os.path.join("rmsg", "_native.py")), (
                        "%s assigns %s" % (path, node.id))
                assert node.id in defined, "%s: %s" % (path, node.id)
            if isinstance(node, ast.Attribute) and node.attr.startswith("RMSG_"):
                assert node.attr in defined, "%s: %s" % (path, node.attr)
