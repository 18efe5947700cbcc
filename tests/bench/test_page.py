"""`make bench` (`python -m bench`) writes its figures to one page, dated, with the machine
they came from."""

from __future__ import annotations

import datetime
import os
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from bench.results_page import machine_rows, page_text
from bench.suite import Command

ROOT = Path(__file__).resolve().parents[2]


def test_the_page_is_dated_and_names_the_machine_and_the_parts():
    text = page_text(
        output=["== Fake data ==", "SQLite 10,000 0.25"],
        arguments="`python -m bench --only data`",
        when=datetime.datetime(2026, 12, 2, 14, 5, tzinfo=datetime.UTC),
        machine=machine_rows(load_before=0.5, load_after=1.25),
    )
    assert "Written by `make bench` (`python -m bench --only data`) on 2026-12-02 14:05 UTC" in text
    assert f"| cores | {os.cpu_count()} |" in text
    assert "| load average (1 min) at start / end | 0.5 / 1.2 |" in text
    assert re.search(r"\| libraries \| django [\d.]+, celery [\d.]+, .*weasyprint 70\.", text)
    assert "```text\n== Fake data ==\nSQLite 10,000 0.25\n```" in text


@pytest.mark.django_db
def test_bench_writes_the_page_when_the_run_ends(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    page = tmp_path / "docs" / "benchmarks.md"
    out = StringIO()
    # No part chosen: the run is only the PostgreSQL probe, and the page is still written.
    call_command(Command(), "--only", "nothing", "--page", str(page), stdout=out)
    text = page.read_text()
    assert text.startswith("# Benchmarks\n")
    assert "(`python -m bench --only nothing`)" in text
    assert f"Wrote {page}" in out.getvalue()
    assert not list(page.parent.glob("*.tmp"))


def test_make_bench_refreshes_the_docs_page():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nbench: ")[1].split("\n\n")[0]
    assert "$(PY) -m bench --page docs/benchmarks.md" in recipe
