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
4. rmsg-kinds(7) has one entry per RMSG_KIND_* of the header, each naming
   its accessor, and no entry the header lacks.
5. rmsg-kinds(7) against the registry of kinds of the built library
   (LIBDIR/librmsg.so, else target/release or target/debug; loaded with
   ctypes, rows read with rmsg_kind_info_count and rmsg_kind_info_get):
   every row is listed by its name (.It Li LEVEL/TYPE) in the entry of its
   RMSG_KIND_*, the text under it begins with the row's enabled_by and
   names the row's option, and the page lists no name the registry lacks.
   (A row whose enabled_by is empty makes no claim: the page may say what
   the kernel needs for it.) Without a built library this fails.
6. Every item the header exports (function, type, struct member, enum
   constant, macro) has a doc comment.
7. With --examples LIBDIR: every EXAMPLES program of the section-3 and
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


KIND_FIELDS = ["Kind", "Accessor", "Payload"]


class KindEntry:
    """One entry (.Ss) of rmsg-kinds(7): its fields (.It Kind, Accessor,
    Payload ...) and its names (.It Li LEVEL/TYPE), each with the lines
    under it."""

    def __init__(self, title, line):
        self.title = title
        self.line = line
        self.fields = {}
        self.names = {}  # name -> (line number, [lines])

    def kind(self):
        named = [macro_args(l)[0] for l in self.fields.get("Kind", []) if l.startswith(".Dv RMSG_KIND_")]
        return named[0] if len(named) == 1 else None


def kind_entries(page):
    """The entries of the KINDS section of rmsg-kinds(7)."""
    entries = []
    body = None
    in_kinds = False
    for n, line in enumerate(page.lines, 1):
        if line.startswith(".Sh "):
            in_kinds = line == ".Sh KINDS"
            continue
        if not in_kinds:
            continue
        if line.startswith(".Ss "):
            entries.append(KindEntry(line[4:].strip(), n))
            body = None
        elif not entries or line.startswith((".Bl", ".El")):
            body = None
        elif line.startswith(".It Li "):
            name = macro_args(line)[1]
            if name in entries[-1].names:
                fail(f"man/rmsg-kinds.7:{n}: {name} is listed twice in the entry {entries[-1].title!r}")
            body = entries[-1].names.setdefault(name, (n, []))[1]
        elif line.startswith(".It "):
            body = entries[-1].fields.setdefault(line[4:].strip(), [])
        elif body is not None:
            body.append(line)
    return entries


def check_kinds(pages):
    """rmsg-kinds(7) against enum rmsg_kind: one entry (.Ss) per kind, each
    with the fields of KIND_FIELDS and at least one name (.It Li), its
    .Dv RMSG_KIND_* under Kind and, under Accessor, every rmsg_item_*
    function the enumerator's doc comment names. Returns the entries."""
    with open(HEADER, encoding="utf-8") as f:
        header = f.read()
    kinds = {}
    for m in re.finditer(r"/\*\*((?:(?!\*/).)*)\*/\s*(RMSG_KIND_\w+) = \d+", header, re.S):
        kinds[m.group(2)] = set(re.findall(r"`(rmsg_item_\w+)`", m.group(1)))
    page = next((p for p in pages if p.file == "rmsg-kinds.7"), None)
    if page is None:
        fail("man/rmsg-kinds.7 is missing")
        return []
    entries = kind_entries(page)
    by_kind = {}
    for e in entries:
        where = f"man/rmsg-kinds.7:{e.line}: the entry {e.title!r}"
        missing = [f for f in KIND_FIELDS if f not in e.fields]
        if missing:
            fail(f"{where} has no {', '.join(missing)}")
        if not e.names:
            fail(f"{where} lists no level and type (.It Li LEVEL/TYPE)")
        kind = e.kind()
        if kind is None:
            fail(f"{where} must name one RMSG_KIND_* under Kind")
            continue
        accessors = {macro_args(l)[0] for l in e.fields.get("Accessor", []) if l.startswith(".Fn ")}
        if kind in by_kind:
            fail(f"man/rmsg-kinds.7: {kind} has two entries")
        by_kind[kind] = accessors
    for kind, accessors in sorted(kinds.items()):
        if kind not in by_kind:
            fail(f"man/rmsg-kinds.7: no entry for {kind} (a .Ss with .It Kind / .Dv {kind}, its names, Accessor, Payload)")
            continue
        absent = accessors - by_kind[kind]
        if absent:
            fail(f"man/rmsg-kinds.7: the entry of {kind} does not name {', '.join(sorted(absent))} under Accessor")
    for kind in sorted(set(by_kind) - set(kinds)):
        fail(f"man/rmsg-kinds.7: {kind} is not an enumerator of enum rmsg_kind in include/rmsg.h")
    return entries


# mdoc macros that take the words after them, up to the next macro, as
# their arguments and print them as they are.
PLAIN_MACROS = {"Dv", "Li", "Va", "Vt", "Fa", "Ar", "Sy", "Em", "Ev", "Er", "Cm", "No"}
ENCLOSE = {"Pq": "()", "Qq": '""', "Dq": '""', "Sq": "''", "Brq": "{}", "Bq": "[]"}
CLOSING = {".", ",", ";", ":", ")", "]", "?", "!"}
OPENING = {"(", "["}


def render(lines):
    """The text mdoc prints for some lines of a page (the macros rmsg's
    pages use inside text), on one line with single spaces: what a reader
    sees, to compare with a string."""

    def words(tokens):
        out = []  # (text, glue to the previous word)
        i = 0
        glue_next = False
        while i < len(tokens):
            t = tokens[i]
            i += 1
            if t == "Ns":
                glue_next = True
                continue
            if t in ENCLOSE:
                inner = tokens[i:]
                tail = []
                while inner and inner[-1] in CLOSING:
                    tail.insert(0, inner.pop())
                text = render_words(words(inner))
                pair = ENCLOSE[t]
                out.append((pair[0] + text + pair[1], glue_next))
                out.extend((c, True) for c in tail)
                break
            if t == "Xr" and i + 1 < len(tokens):
                out.append((f"{tokens[i]}({tokens[i + 1]})", glue_next))
                i += 2
            elif t == "Fn" and i < len(tokens):
                out.append((tokens[i] + "()", glue_next))
                i += 1
            elif t in PLAIN_MACROS:
                pass
            else:
                out.append((t, glue_next or t in CLOSING))
            glue_next = bool(out) and out[-1][0] in OPENING
        return out

    def render_words(ws):
        text = ""
        for w, glue in ws:
            text += w if glue or not text else " " + w
        return text

    all_words = []
    for line in lines:
        line = unescape(line)
        if line.startswith("."):
            tokens = [a[1:-1] if a.startswith('"') else a for a in re.findall(r'"[^"]*"|\S+', line[1:])]
        else:
            tokens = line.split()
        all_words.extend(words(tokens))
    return render_words(all_words)


def find_library(libdir):
    """librmsg.so in LIBDIR, or as the repository builds it."""
    dirs = [libdir] if libdir else [os.path.join(ROOT, "target", d) for d in ("release", "debug")]
    for d in dirs:
        path = os.path.join(d, "librmsg.so")
        if os.path.exists(path):
            return path
    return None


def registry_rows(library):
    """Every row of the registry, through rmsg_kind_info_count/_get, as
    dicts; the kind as the name of its enumerator."""
    import ctypes

    class KindInfo(ctypes.Structure):
        _fields_ = [
            ("cmsg_level", ctypes.c_int),
            ("cmsg_type", ctypes.c_int),
            ("name", ctypes.c_char_p),
            ("kind", ctypes.c_uint32),
            ("payload_size", ctypes.c_size_t),
            ("option_level", ctypes.c_int),
            ("option_name", ctypes.c_int),
            ("option", ctypes.c_char_p),
            ("enabled_by", ctypes.c_char_p),
        ]

    with open(HEADER, encoding="utf-8") as f:
        enum = dict((int(v), k) for k, v in re.findall(r"\b(RMSG_KIND_\w+) = (\d+)", f.read()))
    try:
        lib = ctypes.CDLL(library)
        for symbol in ("rmsg_kind_info_count", "rmsg_kind_info_get"):
            getattr(lib, symbol)  # AttributeError when not exported
    except (OSError, AttributeError) as e:
        fail(f"rmsg-kinds(7) against the registry: cannot use {library}: {e}")
        return []
    lib.rmsg_kind_info_count.restype = ctypes.c_size_t
    lib.rmsg_kind_info_count.argtypes = []
    lib.rmsg_kind_info_get.restype = ctypes.c_uint32
    lib.rmsg_kind_info_get.argtypes = [ctypes.c_size_t, ctypes.POINTER(KindInfo)]
    rows = []
    for i in range(lib.rmsg_kind_info_count()):
        info = KindInfo()
        status = lib.rmsg_kind_info_get(i, ctypes.byref(info))
        if status != 0:
            fail(f"{library}: rmsg_kind_info_get({i}) returned status {status}")
            continue
        rows.append(
            {
                "index": i,
                "name": info.name.decode(),
                "kind": enum.get(info.kind, f"kind {info.kind} (not in include/rmsg.h)"),
                "option": info.option.decode(),
                "enabled_by": info.enabled_by.decode(),
            }
        )
    return rows


def check_registry(entries, libdir):
    """rmsg-kinds(7) against the registry of the built library: every row
    is listed (.It Li with its name) in the entry of its kind; what the
    page says under it starts with the row's enabled_by (then ends, or goes
    on after a , ; : or parenthesis) and names its option; and the page
    lists no name the registry lacks. Returns the number of rows."""
    library = find_library(libdir)
    if library is None:
        fail(
            "rmsg-kinds(7) against the registry: no librmsg.so in "
            + (libdir if libdir else "target/release or target/debug")
            + " (build the library first)"
        )
        return 0
    rows = registry_rows(library)
    listed = {}
    for e in entries:
        for name, (line, body) in e.names.items():
            if name in listed:
                fail(f"man/rmsg-kinds.7:{line}: {name} is listed again (first in {listed[name][0].title!r})")
                continue
            listed[name] = (e, line, body)
    for row in rows:
        name, kind, said = row["name"], row["kind"], row["enabled_by"]
        what = f"registry row {row['index']}: {kind}, enabled by {said!r}"
        if name not in listed:
            fail(f"man/rmsg-kinds.7 lacks {name} ({what}): add '.It Li {name}' and what enables it to the entry of {kind}")
            continue
        e, line, body = listed.pop(name)
        where = f"man/rmsg-kinds.7:{line}: {name}"
        if e.kind() != kind:
            fail(f"{where} is in the entry of {e.kind()}, but the registry's kind is {kind}")
        text = render(body)
        if said and not re.match(re.escape(said) + r"(?:$|[,;:]| ?\()", text):
            fail(f"{where} is enabled by {text!r} on the page but by {said!r} in the registry (the page's text must begin with the registry's)")
        if row["option"] and not re.search(r"(?<!\w)" + re.escape(row["option"]) + r"(?!\w)", text):
            fail(f"{where}: the page does not name its option {row['option']} ({what})")
    for name, (e, line, _) in sorted(listed.items()):
        fail(f"man/rmsg-kinds.7:{line}: {name} is not in the registry of {library} (rmsg_kind_info_get): remove it or add the row")
    return len(rows)


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
    entries = check_kinds(pages)
    rows = check_registry(entries, examples)
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
        f"rmsg-kinds(7) lists every kind and the {rows} rows of the registry as it has them; "
        f"every exported item of the header documented"
        + (f"; {ran} examples built and run" if examples else "")
    )


if __name__ == "__main__":
    main()
