#!/usr/bin/env python3
"""Checks the manual pages in man/ against include/rmsg.h, and the header's
doc comments.

Usage: .ci/check-man.py [--examples LIBDIR]
       .ci/check-man.py --synopsis FUNCTION...   (prints the mdoc SYNOPSIS
                                                lines of header functions,
                                                for writing a page)

1. Every function the header declares is named (.Nm) by exactly one
   section-3 page, and every .Nm of a section-3 page is a header function.
2. Each page's SYNOPSIS declares each of its functions exactly as the
   header does (return type, name, every parameter's type and name).
3. Every cross reference to an rmsg page (.Xr rmsg... N) names a page or a
   link that the install makes, and every page has the sections a C
   programmer looks for.
4. rmsg-kinds(7) has one entry per RMSG_KIND_* of the header (RAW aside),
   each naming its accessor, and no entry the header lacks.
5. Every item the header exports (function, type, struct member, enum
   constant, macro) has a doc comment.
6. With --examples LIBDIR: every EXAMPLES program of the section-3 and
   section-7 pages (every literal block there is a complete C program)
   compiles as C99 with strict warnings against include/ and
   LIBDIR/librmsg.so, runs, exits 0 and ends with no more open descriptors
   than it started with. (rmsg-inspect(1)'s examples are transcripts of two
   shells, as in the README, and are not run.)

Each failure names the page, the function or the header line, and what to
add; the exit status is 1 when anything failed.
"""

import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER = os.path.join(ROOT, "include", "rmsg.h")
MAN = os.path.join(ROOT, "man")
# The sections every section-3 page has, in mdoc's conventional order.
REQUIRED_3 = ["NAME", "LIBRARY", "SYNOPSIS", "DESCRIPTION", "RETURN VALUES", "ERRORS", "SEE ALSO"]

errors = []


def fail(msg):
    errors.append(msg)


def norm(text):
    """One spelling of a C declaration: single spaces, none inside '*'
    runs or before punctuation."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s*\*\s*", " *", text)
    text = re.sub(r"\*\s+\*", "**", text)
    text = re.sub(r"\s*([(),;])\s*", r"\1", text)
    text = re.sub(r"\*\s+(?=\w)", "*", text)
    return text.replace(",", ", ")


def header_functions():
    """name -> normalised prototype, from the header without its comments."""
    code = subprocess.run(
        [os.environ.get("CC", "cc"), "-fpreprocessed", "-dD", "-E", "-P", "-x", "c", HEADER],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    code = "\n".join(line for line in code.splitlines() if not line.startswith("#"))
    protos = {}
    for m in re.finditer(r"([^;{}]*?\b(rmsg_\w+)\s*\([^;{}]*\))\s*;", code):
        decl, name = m.group(1), m.group(2)
        if "typedef" in decl or "(*" in decl:
            continue
        decl = decl.replace('extern "C"', "")
        protos[name] = norm(decl)
    return protos


def unescape(text):
    """The text of a roff line as a program would see it."""
    for esc, ch in (("\\e", "\\"), ("\\&", ""), ("\\-", "-"), ("\\(aq", "'"), ("\\(dq", '"')):
        text = text.replace(esc, ch)
    return text


def macro_args(line):
    """The arguments of a roff macro line, with double-quoted groups kept."""
    return [a[1:-1] if a.startswith('"') else a for a in re.findall(r'"[^"]*"|\S+', line)][1:]


class Page:
    def __init__(self, path):
        self.path = path
        self.file = os.path.basename(path)
        self.name, _, self.section = self.file.rpartition(".")
        with open(path, encoding="utf-8") as f:
            self.lines = f.read().splitlines()
        self.sections = []
        self.names = []
        self.synopsis = {}
        self.examples = []
        self.xrefs = []
        self.parse()

    def parse(self):
        sh = None
        ft = None
        fo = None
        block = None
        for n, line in enumerate(self.lines, 1):
            if line.startswith(".Sh "):
                sh = line[4:].strip().strip('"')
                self.sections.append(sh)
                continue
            if sh == "NAME" and line.startswith(".Nm "):
                self.names.append(macro_args(line)[0])
            if sh == "SYNOPSIS":
                if line.startswith(".Ft "):
                    ft = " ".join(macro_args(line))
                elif line.startswith(".Fo "):
                    fo = (macro_args(line)[0], [], n)
                elif line.startswith(".Fa ") and fo:
                    fo[1].append(" ".join(macro_args(line)))
                elif line.startswith(".Fc") and fo:
                    self.add_proto(ft, fo[0], fo[1], fo[2])
                    fo = None
                elif line.startswith(".Fn "):
                    args = macro_args(line)
                    self.add_proto(ft, args[0], args[1:], n)
            if sh == "EXAMPLES":
                if line.startswith(".Bd ") and "-literal" in line:
                    block = (n, [])
                elif line.startswith(".Ed") and block:
                    self.examples.append((block[0], "\n".join(block[1]) + "\n"))
                    block = None
                elif block is not None:
                    block[1].append(unescape(line))
            for m in re.finditer(r"^\.Xr (\S+) (\d)", line):
                self.xrefs.append((n, m.group(1), m.group(2)))

    def add_proto(self, ft, name, params, line):
        if ft is None:
            fail(f"man/{self.file}:{line}: {name} has no .Ft (return type) before it")
            ft = ""
        self.synopsis[name] = (norm(f"{ft} {name}({', '.join(params)})"), line)


def load_pages():
    pages = []
    for f in sorted(os.listdir(MAN)):
        if re.search(r"\.[137]$", f):
            pages.append(Page(os.path.join(MAN, f)))
    return pages


def check_functions(pages, protos):
    owner = {}
    for p in pages:
        if p.section != "3":
            continue
        if not p.names or p.names[0] != p.name:
            fail(f"man/{p.file}: the first .Nm must be {p.name}, the page's own name")
        for name in p.names:
            if name in owner:
                fail(f"man/{p.file}: {name} is already named by man/{owner[name].file}")
                continue
            owner[name] = p
            if name not in protos:
                fail(f"man/{p.file}: {name} is not a function of include/rmsg.h: remove its .Nm and SYNOPSIS entry")
        for name in p.synopsis:
            if name not in p.names:
                fail(f"man/{p.file}: SYNOPSIS declares {name}, which NAME does not list (.Nm {name})")
    for name, proto in sorted(protos.items()):
        page = owner.get(name)
        if page is None:
            fail(
                f"{name}: no manual page: add man/{name}.3, or add it to the page of its family "
                f"(.Nm in NAME, .Ft/.Fo/.Fa/.Fc in SYNOPSIS, and its description)"
            )
            continue
        if name not in page.synopsis:
            fail(f"man/{page.file}: {name} is in NAME but not in SYNOPSIS; the header declares\n    {proto};")
            continue
        got, line = page.synopsis[name]
        if got != proto:
            fail(f"man/{page.file}:{line}: SYNOPSIS of {name} differs from include/rmsg.h\n    page:   {got};\n    header: {proto};")


def check_structure(pages):
    links = {p.name + "." + p.section for p in pages}
    for p in pages:
        links |= {n + "." + p.section for n in p.names}
    for p in pages:
        if p.section == "3":
            missing = [s for s in REQUIRED_3 if s not in p.sections]
            if missing:
                fail(f"man/{p.file}: no section {', '.join(missing)}")
        for line, name, sec in p.xrefs:
            if name.startswith("rmsg") and f"{name}.{sec}" not in links:
                fail(f"man/{p.file}:{line}: .Xr {name} {sec}: no such page or link in man/")


KIND_FIELDS = ["Kind", "Names", "Enabled by", "Accessor", "Payload"]


def check_kinds(pages):
    """rmsg-kinds(7) against enum rmsg_kind: one entry (.Ss) per kind, each
    with the fields of KIND_FIELDS, its .Dv RMSG_KIND_* under Kind and, under
    Accessor, every rmsg_item_* function the enumerator's doc comment names."""
    with open(HEADER, encoding="utf-8") as f:
        header = f.read()
    kinds = {}
    for m in re.finditer(r"/\*\*((?:(?!\*/).)*)\*/\s*(RMSG_KIND_\w+) = \d+", header, re.S):
        kinds[m.group(2)] = set(re.findall(r"`(rmsg_item_\w+)`", m.group(1)))
    page = next((p for p in pages if p.file == "rmsg-kinds.7"), None)
    if page is None:
        fail("man/rmsg-kinds.7 is missing")
        return
    entries = []  # [title, {field: [lines]}]
    field = None
    for line in page.lines:
        if line.startswith(".Sh "):
            field = None
            if entries and line != ".Sh KINDS":
                break
        elif line.startswith(".Ss "):
            entries.append([line[4:].strip(), {}])
            field = None
        elif line.startswith(".It ") and entries:
            field = line[4:].strip()
            entries[-1][1][field] = []
        elif field and entries and not line.startswith(".El"):
            entries[-1][1][field].append(line)
    by_kind = {}
    for title, fields in entries:
        missing = [f for f in KIND_FIELDS if f not in fields]
        if missing:
            fail(f"man/rmsg-kinds.7: the entry {title!r} has no {', '.join(missing)}")
        named = [macro_args(l)[0] for l in fields.get("Kind", []) if l.startswith(".Dv RMSG_KIND_")]
        if len(named) != 1:
            fail(f"man/rmsg-kinds.7: the entry {title!r} must name one RMSG_KIND_* under Kind")
            continue
        accessors = {macro_args(l)[0] for l in fields.get("Accessor", []) if l.startswith(".Fn ")}
        if named[0] in by_kind:
            fail(f"man/rmsg-kinds.7: {named[0]} has two entries")
        by_kind[named[0]] = accessors
    for kind, accessors in sorted(kinds.items()):
        if kind not in by_kind:
            fail(f"man/rmsg-kinds.7: no entry for {kind} (a .Ss with .It Kind / .Dv {kind}, Names, Enabled by, Accessor, Payload)")
            continue
        absent = accessors - by_kind[kind]
        if absent:
            fail(f"man/rmsg-kinds.7: the entry of {kind} does not name {', '.join(sorted(absent))} under Accessor")
    for kind in sorted(set(by_kind) - set(kinds)):
        fail(f"man/rmsg-kinds.7: {kind} is not an enumerator of enum rmsg_kind in include/rmsg.h")


def check_doc_comments():
    """Every exported item of the header follows a /** ... */ comment:
    macros, types, struct members, enumerators, functions."""
    with open(HEADER, encoding="utf-8") as f:
        lines = f.read().splitlines()
    in_comment = doc = last_doc = False
    body = None  # "struct" or "enum" while inside one
    depth = 0
    continued = False  # the line goes on a preprocessor line ending in a backslash
    for n, raw in enumerate(lines, 1):
        line = raw.strip()
        if continued:
            continued = line.endswith("\\")
            continue
        if line.startswith("#") and line.endswith("\\"):
            continued = True
        if in_comment:
            if "*/" in line:
                in_comment = False
                last_doc = doc
            continue
        if line.startswith("/*"):
            doc = line.startswith("/**")
            if "*/" in line[2:]:
                last_doc = doc
            else:
                in_comment = True
            continue
        # Blank lines, conditionals and C++ linkage do not part a comment
        # from its item.
        if not line or (line.startswith("#") and not line.startswith("#define")) or 'extern "C"' in line:
            continue
        item = None
        m = re.match(r"#define (\w+)", line)
        if m:
            if m.group(1).startswith("RMSG_") and m.group(1) != "RMSG_H":
                item = "macro " + m.group(1)
        elif depth == 0:
            m = (
                re.match(r"enum (rmsg_\w+)$", line)
                or re.match(r"typedef struct (rmsg_\w+) (?:\1;|\{)$", line)
                or re.match(r"__extension__ typedef \w+ (rmsg_\w+);", line)
            )
            if m:
                item = "type " + m.group(1)
                body = "enum" if line.startswith("enum") else "struct" if line.endswith("{") else None
            elif not line.startswith("typedef"):
                m = re.search(r"\b(rmsg_\w+)\s*\(", line)
                if m:
                    item = "function " + m.group(1)
        elif body == "enum" and re.match(r"RMSG_\w+", line):
            item = "enumerator " + re.match(r"RMSG_\w+", line).group(0)
        elif body == "struct" and line.endswith(";") and not line.startswith("}"):
            item = "member " + re.sub(r"\[.*", "", line.rstrip(";").split()[-1]).lstrip("*")
        if item and not last_doc:
            fail(f"include/rmsg.h:{n}: {item} has no doc comment (give it one in src/, or in build.rs for macros it writes, and rebuild)")
        if not line.startswith("#"):
            depth += line.count("{") - line.count("}")
            if depth == 0 and line.startswith("}"):
                body = None
        last_doc = False


def run_examples(pages, libdir):
    cc = os.environ.get("CC", "cc")
    flags = ["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]
    count = 0
    with tempfile.TemporaryDirectory() as tmp:
        fdcheck = os.path.join(tmp, "fdcheck.c")
        with open(fdcheck, "w") as f:
            f.write(FDCHECK)
        for p in pages:
            if p.section == "1":
                continue
            for i, (line, code) in enumerate(p.examples):
                count += 1
                where = f"man/{p.file}:{line}"
                if "int main" not in code:
                    fail(f"{where}: an EXAMPLES block is not a complete program (no main)")
                    continue
                src = os.path.join(tmp, f"{p.name}-{i}.c")
                exe = src[:-2]
                with open(src, "w") as f:
                    f.write(code)
                cmd = [cc, *flags, "-I", os.path.join(ROOT, "include"), src, fdcheck,
                       "-L", libdir, "-lrmsg", "-o", exe]
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode != 0:
                    fail(f"{where}: the example does not compile:\n{r.stderr}")
                    continue
                env = dict(os.environ, LD_LIBRARY_PATH=libdir)
                try:
                    r = subprocess.run([exe], capture_output=True, text=True, env=env, timeout=20,
                                       stdin=subprocess.DEVNULL)
                except subprocess.TimeoutExpired:
                    fail(f"{where}: the example did not finish within 20 s")
                    continue
                if r.returncode != 0:
                    fail(f"{where}: the example exited with {r.returncode}:\n{r.stdout}{r.stderr}")
    return count


# Linked into every example: counts the open descriptors before main and
# after it returns, and fails the program when it leaked one.
FDCHECK = r"""
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
static int open_fds(void) {
    int n = -1; /* the directory's own descriptor */
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    while (readdir(d)) n++;
    closedir(d);
    return n - 2; /* . and .. */
}
static int at_start;
__attribute__((constructor)) static void fd_start(void) { at_start = open_fds(); }
__attribute__((destructor)) static void fd_end(void) {
    int now = open_fds();
    if (now > at_start) {
        fprintf(stderr, "example leaked %d descriptor(s)\n", now - at_start);
        _exit(3);
    }
}
"""


def print_synopsis(names):
    protos = header_functions()
    for name in names:
        if name not in protos:
            sys.exit(f"{name} is not a function of include/rmsg.h")
        ret, params = protos[name].split(name + "(", 1)
        print(f".Ft {ret.strip()}")
        print(f".Fo {name}")
        for param in params[:-1].split(", "):
            print(f'.Fa "{param}"')
        print(".Fc")


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--synopsis":
        print_synopsis(sys.argv[2:])
        return
    examples = None
    if len(sys.argv) == 3 and sys.argv[1] == "--examples":
        examples = os.path.abspath(sys.argv[2])
    elif len(sys.argv) != 1:
        sys.exit("usage: check-man.py [--examples LIBDIR]")
    protos = header_functions()
    pages = load_pages()
    check_functions(pages, protos)
    check_structure(pages)
    check_kinds(pages)
    check_doc_comments()
    ran = run_examples(pages, examples) if examples else 0
    if errors:
        for e in errors:
            print(e, file=sys.stderr)
        print(f"man: {len(errors)} problem(s)", file=sys.stderr)
        sys.exit(1)
    links = sum(len(p.names) - 1 for p in pages if p.section == "3")
    print(
        f"man: {len(protos)} functions of include/rmsg.h on {sum(p.section == '3' for p in pages)} "
        f"section-3 pages ({links} as links), every SYNOPSIS as the header declares it; "
        f"rmsg-kinds(7) lists every kind; every exported item of the header documented"
        + (f"; {ran} examples built and run" if examples else "")
    )


if __name__ == "__main__":
    main()
