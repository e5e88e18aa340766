#!/usr/bin/env python3
"""Turns what abidw reads from librmsg's DWARF into the C ABI of the header.

Usage: normalise.py HEADER < abidw-output.xml > normalised.xml

librmsg is Rust, so its debug information has what no C program sees:
the Rust module of every type (namespaces such as rmsg::message), and the
private fields of the opaque handles (rmsg_message, rmsg_item ...: the
header declares them `typedef struct rmsg_x rmsg_x;` and nothing more),
which reach into the standard library. Left in, every refactoring that
moves a type between modules, and every change to a handle's insides,
would read as an ABI change. So the ABI compared is:

- every type out of its namespaces (C names are unique: all start rmsg_);
- the opaque handles of the header as declarations only, like C's
  incomplete struct types;
- only the types reachable from the exported functions;
- no source locations, compilation paths or Rust codegen-unit names.

The symbols, their versions, the functions' parameters and return types,
and the size, alignment and every member of every struct C sees stay as
abidw wrote them.
"""

import re
import sys
import xml.etree.ElementTree as ET

LOCATION_ATTRS = ("filepath", "line", "column")
TYPE_TAGS = {
    "type-decl",
    "class-decl",
    "union-decl",
    "enum-decl",
    "typedef-decl",
    "pointer-type-def",
    "reference-type-def",
    "qualified-type-def",
    "array-type-def",
    "function-type",
}


def opaque_handles(header_path):
    """The names the header declares as incomplete struct types."""
    with open(header_path, encoding="utf-8") as f:
        text = f.read()
    return set(re.findall(r"^typedef struct (rmsg_\w+) \1;$", text, re.M))


def flatten(parent):
    """Replaces every namespace-decl under parent by its children, in place."""
    out = []
    for child in list(parent):
        if child.tag == "namespace-decl":
            flatten(child)
            out.extend(list(child))
        else:
            out.append(child)
    for child in list(parent):
        parent.remove(child)
    parent.extend(out)


def type_refs(elem):
    """Every type id an element or its descendants refer to."""
    refs = set()
    for e in elem.iter():
        ref = e.get("type-id")
        if ref:
            refs.add(ref)
    return refs


def main():
    opaque = opaque_handles(sys.argv[1])
    root = ET.parse(sys.stdin).getroot()
    root.attrib.pop("path", None)
    instrs = root.findall("abi-instr")
    for instr in instrs:
        flatten(instr)
        for key in ("path", "comp-dir-path"):
            instr.attrib.pop(key, None)

    # The opaque handles become declarations.
    for instr in instrs:
        for e in instr:
            if e.tag == "class-decl" and e.get("name") in opaque:
                for child in list(e):
                    e.remove(child)
                for key in ("size-in-bits", "alignment-in-bits"):
                    e.attrib.pop(key, None)
                e.set("is-declaration-only", "yes")

    # Keep the functions and variables, and the types they reach.
    types = {e.get("id"): e for instr in instrs for e in instr if e.tag in TYPE_TAGS}
    reached = set()
    todo = set()
    for instr in instrs:
        for e in instr:
            if e.tag in ("function-decl", "var-decl"):
                todo |= type_refs(e)
    while todo:
        ref = todo.pop()
        if ref in reached:
            continue
        reached.add(ref)
        if ref in types:
            todo |= type_refs(types[ref]) - reached
    for instr in instrs:
        for e in list(instr):
            if e.tag in TYPE_TAGS and e.get("id") not in reached:
                instr.remove(e)
        if len(instr) == 0:
            root.remove(instr)

    for instr in root.findall("abi-instr"):
        instr.set("path", "librmsg")
    for e in root.iter():
        for key in LOCATION_ATTRS:
            e.attrib.pop(key, None)
    ET.indent(root, space="  ")
    sys.stdout.write(ET.tostring(root, encoding="unicode") + "\n")


if __name__ == "__main__":
    main()
