"""The production image, read without a container engine: what its build context holds.

The Dockerfile copies the whole context (``COPY . .``), so ``.dockerignore`` alone decides
what ships. Its patterns are matched here as Docker matches them (anchored at the context's
root, ``*`` within one path segment, ``**`` across segments, a later ``!`` pattern
re-including, an excluded folder excluding everything in it), against the files git tracks.
"""

from __future__ import annotations

import ast
import re
import subprocess
import tomllib
from functools import cache
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()
# What web, worker and beat run, and what the Dockerfile names.
PRODUCT = ("config/", "elections/", "rolls/", "lab/", "templates/", "locale/")
PRODUCT_FILES = ("manage.py", "gunicorn.conf.py", "requirements.prod.lock")
# Development and laboratory tools: never in the image.
KEPT_OUT = ("tests/", "docs/", ".ci/", "bench/", "tools/")
# The names the benchmarks had when they lived in the product: one put back there would ship.
BENCH_MODULE = re.compile(r"(^|/)(bench|bench_set|_bench_\w+|_import_bench)\.py$")


def _pattern(line: str) -> re.Pattern:
    """A .dockerignore line as a regex over slash-separated paths (Go's filepath.Match, plus
    Docker's ``**``)."""
    pattern = line.strip().strip("/")
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            if pattern.startswith("/", i):  # "**/x" also matches "x" at the root
                out = out[:-2] + "(.*/)?"
                i += 1
            continue
        char = pattern[i]
        out += "[^/]*" if char == "*" else "[^/]" if char == "?" else re.escape(char)
        i += 1
    return re.compile(out)


@cache
def _rules() -> tuple[tuple[bool, re.Pattern], ...]:
    rules = []
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        include = line.startswith("!")
        rules.append((include, _pattern(line.removeprefix("!"))))
    return tuple(rules)


def excluded(path: str) -> bool:
    """Whether ``path`` stays out of the build context: the last rule matching the path or
    one of the folders above it decides."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    verdict = False
    for include, regex in _rules():
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            verdict = not include
    return verdict


@cache
def context() -> tuple[str, ...]:
    """The tracked files that enter the image's build context."""
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return tuple(path for path in tracked if not excluded(path))


def test_the_matcher_follows_dockers_rules():
    assert excluded("tests/rolls/test_runs.py") and excluded("docs/staff.md")
    assert excluded("rolls/pdf/__pycache__/render.cpython-311.pyc")
    assert excluded("bench/s3.py") and excluded("bench/__main__.py")
    assert not excluded("rolls/management/commands/publish_run.py")
    assert not excluded("rolls/pdf/roll.py") and not excluded("manage.py")


def test_the_image_holds_neither_tests_docs_ci_nor_bench_tools():
    shipped = context()
    assert [p for p in shipped if p.startswith(KEPT_OUT)] == []
    assert [p for p in shipped if BENCH_MODULE.search(p)] == []
    assert not any(p.startswith(("secrets/", ".env", "var/")) for p in shipped)


def test_the_image_holds_everything_the_product_runs():
    tracked = subprocess.run(
        ["git", "ls-files", *PRODUCT], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    shipped = set(context())
    missing = [path for path in tracked if path not in shipped and "/migrations/" not in path]
    assert missing == []
    assert {p for p in shipped if "/migrations/" in p} == {
        p for p in tracked if "/migrations/" in p
    }
    assert set(PRODUCT_FILES) <= shipped


def test_every_file_the_dockerfile_copies_from_the_context_is_in_it():
    shipped = context()
    for line in DOCKERFILE.splitlines():
        words = line.split()
        if not words or words[0] != "COPY" or any(w.startswith("--from") for w in words):
            continue
        for source in words[1:-1]:
            if source == ".":
                continue
            assert any(p == source or p.startswith(source.rstrip("/") + "/") for p in shipped), (
                f"the Dockerfile copies {source}, which .dockerignore keeps out"
            )


def test_no_module_in_the_image_imports_one_left_out():
    """A product module importing a test helper or a bench part would fail in the image at
    its first use (the image has neither, nor their libraries such as moto)."""
    shipped = {p for p in context() if p.endswith(".py")}
    left_out = {
        p.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        for p in subprocess.run(
            ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.splitlines()
        if p not in shipped
    }
    broken = []
    for path in sorted(shipped):
        for node in ast.walk(ast.parse((ROOT / path).read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            broken += [(path, name) for name in names if name in left_out]
    assert broken == []


def test_pyproject_pins_the_tested_weasyprint_range_and_the_locks_satisfy_it():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    weasyprint = next(Requirement(r) for r in project["dependencies"] if r.startswith("weasyprint"))
    assert str(weasyprint.specifier) in ("<71,>=70", ">=70,<71")
    for lock in ("requirements.lock", "requirements.prod.lock"):
        pinned = re.search(r"^weasyprint==(\S+)", (ROOT / lock).read_text(), re.MULTILINE)
        assert pinned and weasyprint.specifier.contains(pinned.group(1)), lock
