"""The benchmark page (``docs/benchmarks.md``): one run of ``make bench``, dated, with the
machine it ran on, written whole at the end of a run (a run that fails leaves the page as
it was). Figures depend on the machine as much as on the code, so the page says which."""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import sqlite3
import tempfile
from pathlib import Path

# The libraries whose versions move the figures.
VERSIONED = ("django", "celery", "kombu", "weasyprint", "psycopg", "django-celery-results")


class PageCopy:
    """The command's ``stdout`` during a run: prints as before and keeps every line."""

    def __init__(self, out) -> None:
        self.out = out
        self.lines: list[str] = []

    def write(self, msg: str = "", style_func=None, ending=None) -> None:
        self.out.write(msg, style_func, ending)
        self.lines.append(msg)

    def __getattr__(self, name: str):
        return getattr(self.out, name)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine_rows(*, load_before: float, load_after: float) -> list[tuple[str, str]]:
    versions = []
    for name in VERSIONED:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    return [
        ("CPU", cpu_model()),
        ("cores", str(os.cpu_count())),
        ("load average (1 min) at start / end", f"{load_before:.1f} / {load_after:.1f}"),
        ("system", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
        ("libraries", ", ".join(versions)),
    ]


def page_text(
    *, output: list[str], arguments: str, when: datetime.datetime, machine: list[tuple[str, str]]
) -> str:
    rows = "\n".join(f"| {label} | {value} |" for label, value in machine)
    body = "\n".join(output).strip("\n")
    return f"""# Benchmarks

Written by `make bench` ({arguments}) on {when:%Y-%m-%d %H:%M} UTC; each run replaces
this page. How the parts measure, and what the figures mean, is in
[engineers.md](engineers.md#benchmarks); differences under about 10% are noise on a shared
machine.

| machine | |
|---|---|
{rows}

```text
{body}
```
"""


def page_write(path: Path, text: str) -> None:
    """Whole or not at all: a temporary file beside the page, renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as tmp:
        tmp.write(text)
    os.replace(tmp.name, path)
