"""The shape of the code: data flows one way, with no import circle and no import hidden in
a function to dodge one, and the register (elections) never imports the console (rolls)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "elections", "rolls")
# A script's imports after django.setup(): they follow configuration, not a cycle.
ALLOWED_IN_FUNCTIONS = {
    ("rolls.pdf.bench", "rolls.pdf"),
    ("config.health", "config.beat"),
    # AppConfig.ready connects the signal receivers once models can be imported.
    ("rolls.apps", "rolls.signals"),
}


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def owner(name: str, known) -> str | None:
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str, path: Path, known) -> list[tuple[str, bool]]:
    """(imported project module, inside a function) for each import in the file."""
    found = []
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            names = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join(
                        [*package.split(".")[: len(package.split(".")) - child.level + 1], base]
                    ).strip(".")
                # "from package import submodule" imports the submodule, not the package's
                # other names; "from module import name" imports the module.
                names = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                    for alias in child.names
                ]
            for name in names:
                target = owner(name, known)
                if target and target != module:
                    found.append((target, inside))
            visit(child, inside)

    visit(ast.parse(path.read_text()), False)
    return found


def graph():
    modules = project_modules()
    edges = {m: set() for m in modules}
    hidden = []
    for module, path in modules.items():
        for target, inside in imports_of(module, path, modules):
            edges[module].add(target)
            if inside:
                hidden.append((module, target))
    return edges, hidden


def test_no_import_circle():
    edges, _ = graph()
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def connect(node):  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges[node]:
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in edges:
        if node not in index:
            connect(node)
    assert circles == []


def test_no_project_import_hidden_in_a_function():
    _, hidden = graph()
    assert [pair for pair in hidden if pair not in ALLOWED_IN_FUNCTIONS] == []


def test_the_register_never_imports_the_console():
    edges, _ = graph()
    crossing = sorted(
        (module, target)
        for module, targets in edges.items()
        if module.startswith("elections")
        for target in targets
        if target.startswith("rolls")
    )
    assert crossing == []
