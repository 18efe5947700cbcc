"""The canary for WeasyPrint's internals (rolls/pdf/engine.py): the installed WeasyPrint has
every one the rolls draw with, as they were tested; a missing or changed one is named, by
this test, by the system check, and by an ImportError when a process starts."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import weasyprint
import weasyprint.text.line_break
from django.core import checks
from packaging.requirements import Requirement
from weasyprint import HTML

from rolls.checks import weasyprint_check
from rolls.pdf import engine
from rolls.pdf.painting import PLACEHOLDER

# A page with a margin box, a line of text and an image: one of each box the rolls read.
SAMPLE = f"""<style>@page {{ @top-left {{ content: "Head" }} }}</style>
<p>Voter</p><img src="{PLACEHOLDER}">"""


ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def laid_out():
    return HTML(string=SAMPLE).render()


def test_the_installed_weasyprint_has_every_internal_the_rolls_use_as_tested():
    assert engine.problems() == []
    assert weasyprint_check(None) == []


def test_the_tested_range_is_the_one_pyproject_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pin = next(Requirement(r) for r in project["dependencies"] if r.startswith("weasyprint"))
    assert pin.specifier == Requirement(f"weasyprint{engine.TESTED_RANGE}").specifier


def test_a_laid_out_document_has_every_attribute_the_rolls_read(laid_out):
    assert engine.laid_out_problems(laid_out) == []


def test_a_missing_internal_is_named_by_the_check_with_what_to_do(monkeypatch):
    monkeypatch.delattr(weasyprint.text.line_break, "strut")
    assert engine.problems() == ["weasyprint.text.line_break.strut is missing."]
    (error,) = [
        message for message in checks.run_checks(tags=[checks.Tags.compatibility])
        if message.id == "rolls.E002"
    ]  # fmt: skip
    assert error.is_serious()
    assert "weasyprint.text.line_break.strut is missing" in error.msg
    assert "Pin weasyprint>=70,<71" in error.hint and "rolls/pdf/engine.py" in error.hint


def test_a_changed_signature_is_named(monkeypatch):
    monkeypatch.setattr(weasyprint.text.line_break.Layout, "set_text", lambda self, text: None)
    assert engine.problems() == [
        "weasyprint.text.line_break.Layout.set_text is now (self, text), "
        "was (self, text, justify=False)."
    ]


@pytest.mark.parametrize("version", ["71.0", "69.2", "70"])
def test_a_version_outside_the_tested_range_is_named(monkeypatch, version):
    monkeypatch.setattr(weasyprint, "__version__", version)
    named = [problem for problem in engine.problems() if "tested with" in problem]
    assert named == ([] if version == "70" else [f"WeasyPrint {version} is installed; the "
                                                  "rolls were tested with >=70,<71."])  # fmt: skip


def test_an_attribute_missing_from_a_laid_out_box_is_named(laid_out, monkeypatch):
    page = laid_out.pages[0]
    monkeypatch.delattr(page, "_page_box")
    assert engine.laid_out_problems(laid_out) == [
        "page._page_box",
        *(f"no {kind} in the laid-out document" for kind in list(engine.LAID_OUT)[1:]),
    ]


def test_a_moved_internal_stops_the_process_at_start_with_what_to_do():
    """Imported at the top of engine.py, a missing internal fails the import (and so
    django.setup in every process), not the first render in a worker."""
    script = (
        "import weasyprint.text.line_break as line_break; del line_break.strut; "
        "import rolls.pdf.engine"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: WeasyPrint 70.")
    assert "strut" in last and "Pin weasyprint>=70,<71" in last
