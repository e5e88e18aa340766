"""The package's modules import each other without a cycle, and the
package's ``__init__`` only re-exports: read from the source (the ast), so
that a cycle fails here even where Python's import order would hide it."""

import ast
import os

import rmsg

PACKAGE_DIR = os.path.dirname(os.path.abspath(rmsg.__file__))


def modules():
    """Module name (``__init__`` for the package) -> parsed source."""
    out = {}
    for name in sorted(os.listdir(PACKAGE_DIR)):
        if name.endswith(".py"):
            with open(os.path.join(PACKAGE_DIR, name)) as f:
                out[name[:-3]] = ast.parse(f.read(), name)
    return out


def imported(tree, names):
    """The package modules that ``tree`` imports (``from . import x`` of a
    name that is no module imports ``__init__``)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and node.module.split(".")[0] == "rmsg":
                parts = node.module.split(".")[1:]
            elif node.level == 1:
                parts = node.module.split(".") if node.module else []
            else:
                continue
            if parts:
                out.add(parts[0])
                continue
            for alias in node.names:
                out.add(alias.name if alias.name in names else "__init__")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "rmsg":
                    out.add(parts[1] if len(parts) > 1 else "__init__")
    return out


def test_no_import_cycle():
    mods = modules()
    graph = {name: imported(tree, mods) for name, tree in mods.items()}
    for name, deps in graph.items():
        assert deps <= set(mods), (name, deps - set(mods))
        if name != "__init__":
            assert "__init__" not in deps, "%s imports from the package" % name
    # Depth-first search for a cycle.
    state = {}

    def visit(name, path):
        if state.get(name) == "done":
            return
        assert state.get(name) != "open", "import cycle: %s" % " -> ".join(path + [name])
        state[name] = "open"
        for dep in sorted(graph[name]):
            visit(dep, path + [name])
        state[name] = "done"

    for name in sorted(graph):
        visit(name, [])


def test_init_only_re_exports():
    tree = modules()["__init__"]
    body = tree.body
    assert isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    for node in body[1:]:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        assert isinstance(node, ast.Assign), ast.dump(node)
        targets = [t.id for t in node.targets]
        assert targets in (["__all__"], ["__version__"]), targets
    # Every exported name is there.
    for name in rmsg.__all__:
        assert hasattr(rmsg, name), name
