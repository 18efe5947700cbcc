"""The shape of the code: data flows one way, with no import circle and no import hidden in
a function to dodge one, the register (elections) never imports the console (rolls), the
console never imports the strategy lab (lab) and its run ledger starts nothing, the product
never imports the tests or the bench tools, and no test module imports another."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "elections", "rolls", "lab")
ALLOWED_IN_FUNCTIONS = {
    ("config.health", "config.beat"),
    # AppConfig.ready connects the signal receivers once models can be imported.
    ("rolls.apps", "rolls.signals"),
    # ... and the lab registers its strategies (whose canvases import the tasks and models).
    ("lab.apps", "lab.receivers"),
    ("lab.apps", "lab.strategies"),
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


def absolute_module(node: ast.ImportFrom, package: str) -> str:
    """The module a ``from ... import`` names, relative ones resolved against ``package``."""
    base = node.module or ""
    if not node.level:
        return base
    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join([*parts, base]).strip(".")


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
                base = absolute_module(child, package)
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


def test_the_console_never_imports_the_lab():
    """The lab sits beside the console: it registers itself into the console when ready, and
    the console works without it."""
    edges, _ = graph()
    crossing = sorted(
        (module, target)
        for module, targets in edges.items()
        if not module.startswith("lab")
        for target in targets
        if target.startswith("lab")
    )
    assert crossing == []


# How a module could start work: queue a task, or build a signature to queue.
STARTERS = {"send_task", "apply_async", "delay", "signature", "Signature", "si", "s", "chord"}
LEDGER = ROOT / "rolls" / "services" / "ledger.py"


def task_starts(path: Path) -> list[str]:
    """Where a module queues a task or builds one to queue."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in STARTERS:
                found.append(f"{path.name}:{node.lineno} {name}()")
    return found


def test_the_run_ledger_starts_nothing():
    """The ledger ends runs and says so (``rolls.events.run_ended``); whoever listens (the
    lab's benchmarks) starts what comes next. It imports neither tasks nor Celery."""
    edges, _ = graph()
    assert sorted(t for t in edges["rolls.services.ledger"] if t.endswith("tasks")) == []
    assert "celery" not in LEDGER.read_text()
    assert task_starts(LEDGER) == []


def test_the_task_start_check_catches_each_way_of_starting_one(tmp_path):
    source = tmp_path / "offender.py"
    source.write_text(
        "current_app.send_task('x')\n"
        "step.apply_async()\n"
        "step.delay(1)\n"
        "chord(header, body)\n"
        "step.si(1)\n"
    )
    assert task_starts(source) == [
        "offender.py:1 send_task()",
        "offender.py:2 apply_async()",
        "offender.py:3 delay()",
        "offender.py:4 chord()",
        "offender.py:5 si()",
    ]


# Development tools outside the product: the image holds neither (tests/test_image.py), so a
# product module importing one fails at its first use there.
TOOLS = ("tests", "bench")
IMPORTERS = {"import_module", "__import__"}


def imported_by_name(call: ast.Call) -> list[str]:
    """The module an ``import_module("...")`` or ``__import__("...")`` call imports."""
    func = call.func.attr if isinstance(call.func, ast.Attribute) else None
    func = func or (call.func.id if isinstance(call.func, ast.Name) else None)
    if func in IMPORTERS and call.args and isinstance(call.args[0], ast.Constant):
        return [str(call.args[0].value)]
    return []


def tool_imports(path: Path) -> list[str]:
    """Where a module imports the test suite or the bench tools, statically or by name."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call):
            names = imported_by_name(node)
        found += [
            f"{path.name}:{node.lineno} imports {name}"
            for name in names
            if name.split(".")[0] in TOOLS
        ]
    return found


def test_no_product_module_imports_the_tests_or_the_bench_tools():
    found = [
        f"{module}: {finding}"
        for module, path in project_modules().items()
        for finding in tool_imports(path)
    ]
    assert found == []


def test_the_tool_import_check_catches_each_way_of_importing_one(tmp_path):
    source = tmp_path / "offender.py"
    source.write_text(
        "import tests.services\n"
        "from bench.pdf import time_renders\n"
        "def later():\n"
        "    from tests import s3\n"
        "    importlib.import_module('bench.suite')\n"
        "import testing, benchmarks\n"
        "from rolls.pdf import bench\n"
        "from . import tests\n"
    )
    assert tool_imports(source) == [
        "offender.py:1 imports tests.services",
        "offender.py:2 imports bench.pdf",
        "offender.py:4 imports tests",
        "offender.py:5 imports bench.suite",
    ]


# Helpers the tests share live in tests/support/: a test module (test_*.py) is imported by
# nothing, so running, moving or deleting one test file touches no other.
def imports_of_test_modules(path: Path, package: str) -> list[str]:
    """Where a module (in ``package``) imports a test module, by any spelling."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = absolute_module(node, package)
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Call):
            names = imported_by_name(node)
        tests = [name for name in names if name.rsplit(".", 1)[-1].startswith("test_")]
        if tests:
            found.append(f"{path.name}:{node.lineno} imports {tests[0]}")
    return found


def test_no_module_of_the_tests_or_the_bench_imports_a_test_module():
    found = [
        f"{path.relative_to(ROOT)}: {finding}"
        for top in TOOLS
        for path in sorted((ROOT / top).rglob("*.py"))
        for finding in imports_of_test_modules(path, ".".join(path.relative_to(ROOT).parent.parts))
    ]
    assert found == []


def test_the_test_module_import_check_catches_each_way_of_importing_one(tmp_path):
    source = tmp_path / "test_offender.py"
    source.write_text(
        "from tests.rolls.test_pdf import number\n"
        "import tests.rolls.test_roll_sets\n"
        "from tests.rolls import helpers, test_pdf\n"
        "def later():\n"
        "    from .test_pdf import render\n"
        "    from .. import test_architecture\n"
        "    importlib.import_module('tests.rolls.test_pdf')\n"
        "from tests.support.pdfs import render\n"
        "from tests.rolls import helpers\n"
        "import pytest, unittest\n"
    )
    assert imports_of_test_modules(source, "tests.rolls") == [
        "test_offender.py:1 imports tests.rolls.test_pdf",
        "test_offender.py:2 imports tests.rolls.test_roll_sets",
        "test_offender.py:3 imports tests.rolls.test_pdf",
        "test_offender.py:5 imports tests.rolls.test_pdf",
        "test_offender.py:6 imports tests.test_architecture",
        "test_offender.py:7 imports tests.rolls.test_pdf",
    ]


# Task names are pinned in each app's task_names module (rolls/task_names.py says why).
TASK_SENDERS = {"send_task", "signature", "Signature", "subtask"}
TASK_DECORATORS = {"shared_task", "task"}


def pinned_task_names() -> set[str]:
    names = set()
    for path in ROOT.glob("*/task_names.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                names.add(node.value.value)
    return names


def literal_task_names(path: Path, pinned: set[str]) -> list[str]:
    """Where a module names a task with a string literal instead of its constant."""
    found = []

    def literal(node) -> bool:
        return isinstance(node, ast.Constant) and isinstance(node.value, str)

    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            func = node.func.attr if isinstance(node.func, ast.Attribute) else None
            func = func or (node.func.id if isinstance(node.func, ast.Name) else None)
            named = [kw.value for kw in node.keywords if kw.arg == "name"]
            if func in TASK_SENDERS and any(literal(a) for a in [*node.args[:1], *named]):
                found.append(f"{path.name}:{node.lineno} {func}() by a literal name")
            if func in TASK_DECORATORS and any(literal(a) for a in named):
                found.append(f"{path.name}:{node.lineno} a task declared with a literal name")
        elif literal(node) and node.value in pinned:
            found.append(f"{path.name}:{node.lineno} {node.value!r}")
    return found


def test_no_product_module_names_a_task_by_a_string_literal():
    pinned = pinned_task_names()
    assert (
        "rolls.tasks.start_scheduled_run" in pinned and "elections.tasks.import_register" in pinned
    )
    found = [
        finding
        for module, path in project_modules().items()
        if not module.endswith(".task_names")
        for finding in literal_task_names(path, pinned)
    ]
    assert found == []


def test_the_literal_task_name_check_catches_each_way_of_naming_one(tmp_path):
    source = tmp_path / "sender.py"
    source.write_text(
        "current_app.send_task('rolls.tasks.x')\n"
        "signature(name='rolls.tasks.y')\n"
        "@shared_task(name='rolls.tasks.z')\ndef z(): ...\n"
        "SCHEDULE = {'task': 'rolls.tasks.start_scheduled_run'}\n"
        "current_app.send_task(task_names.START_SCHEDULED_RUN)\n"
    )
    found = literal_task_names(source, {"rolls.tasks.start_scheduled_run"})
    assert [finding.split()[0] for finding in found] == [
        "sender.py:1",
        "sender.py:2",
        "sender.py:3",
        "sender.py:5",
    ]


# WeasyPrint's documented API: all a product module other than rolls/pdf/engine.py, the one
# door to its internals, may import from it.
WEASYPRINT_PUBLIC = {
    "weasyprint": {"HTML", "CSS", "Attachment", "default_url_fetcher", "__version__"},
    "weasyprint.document": {"Document", "Page"},
    "weasyprint.text.fonts": {"FontConfiguration"},
}
WEASYPRINT_DOOR = "rolls.pdf.engine"


def weasyprint_internals(path: Path) -> list[str]:
    """Where a module reaches past WeasyPrint's public API: a private module or name imported,
    read from the package, or imported by name at run time."""
    found = []

    def weasyprint_module(name: str) -> bool:
        return name == "weasyprint" or name.startswith("weasyprint.")

    def record(node, name: str) -> None:
        found.append(f"{path.name}:{node.lineno} {name}")

    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if weasyprint_module(alias.name) and alias.name != "weasyprint":
                    record(node, alias.name)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            if weasyprint_module(node.module or ""):
                public = WEASYPRINT_PUBLIC.get(node.module, set())
                for alias in node.names:
                    if alias.name not in public:
                        record(node, f"{node.module}.{alias.name}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "weasyprint" and node.attr not in WEASYPRINT_PUBLIC["weasyprint"]:
                record(node, f"weasyprint.{node.attr}")
        elif isinstance(node, ast.Call):
            for argument in node.args[:1]:
                if (
                    isinstance(argument, ast.Constant)
                    and isinstance(argument.value, str)
                    and argument.value.startswith("weasyprint.")
                ):
                    record(node, argument.value)
    return found


def test_only_the_engine_module_reaches_into_weasyprint():
    modules = project_modules()
    assert WEASYPRINT_DOOR in modules
    found = [
        finding
        for module, path in modules.items()
        if module != WEASYPRINT_DOOR
        for finding in weasyprint_internals(path)
    ]
    assert found == []
    # The door does reach in (else the check above would prove nothing).
    assert weasyprint_internals(modules[WEASYPRINT_DOOR])


def test_the_weasyprint_check_catches_each_way_of_reaching_an_internal(tmp_path):
    source = tmp_path / "painter.py"
    source.write_text(
        "import weasyprint\n"
        "from weasyprint import HTML, CSS\n"
        "from weasyprint.text.fonts import FontConfiguration\n"
        "from weasyprint.text.line_break import strut\n"
        "import weasyprint.draw\n"
        "from weasyprint import draw\n"
        "weasyprint.stacking\n"
        "importlib.import_module('weasyprint.matrix')\n"
        "HTML(string='').render().pages[0]\n"
    )
    assert weasyprint_internals(source) == [
        "painter.py:4 weasyprint.text.line_break.strut",
        "painter.py:5 weasyprint.draw",
        "painter.py:6 weasyprint.draw",
        "painter.py:7 weasyprint.stacking",
        "painter.py:8 weasyprint.matrix",
    ]
