"""`make test` runs its two passes side by side: each in its own VAR_DIR, each line labelled
with its pass, and make fails when either pass fails."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


# Under `make test` itself, make's own variables (PASS_PREFIX=1 among them) reach this
# process through MAKEFLAGS: the make run here must not inherit them.
MAKES_OWN = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "PASS_PREFIX"}


def make(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=cwd,
        env={name: value for name, value in os.environ.items() if name not in MAKES_OWN},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_make_test_runs_both_passes_side_by_side_in_folders_of_their_own():
    dry = make("-n", "test")
    assert dry.returncode == 0, dry.stderr
    assert "-j2 test-embedded test-services PASS_PREFIX=1" in dry.stdout
    recipes = {
        name: make("-n", name, "PASS_PREFIX=1").stdout
        for name in ("test-embedded", "test-services")
    }
    folders = {name: re.search(r"VAR_DIR=(\S+)", text).group(1) for name, text in recipes.items()}
    assert len(set(folders.values())) == 2, folders
    assert all(folder.startswith(str(ROOT / "var")) for folder in folders.values())
    assert "DATABASE_URL=" not in recipes["test-embedded"]
    assert "CELERY_BROKER_URL=amqp://" in recipes["test-services"]


def test_a_failing_pass_fails_make_and_its_lines_carry_its_name(tmp_path):
    # A stand-in for the virtualenv's python: prints two lines and fails as pytest does.
    fake = tmp_path / "python"
    fake.write_text('#!/bin/sh\necho "1 failed, 9 passed"\necho "to stderr" >&2\nexit 1\n')
    fake.chmod(0o755)
    failed = make("test-embedded", f"PY={fake}", "PASS_PREFIX=1")
    assert failed.returncode != 0
    assert "[embedded] 1 failed, 9 passed" in failed.stdout
    assert "[embedded] to stderr" in failed.stdout
    # Alone, a pass prints as pytest does, and a passing one passes.
    passing = tmp_path / "ok"
    passing.write_text(f"#!/bin/sh\nexec {sys.executable} -c 'print(\"12 passed\")'\n")
    passing.chmod(0o755)
    alone = make("test-embedded", f"PY={passing}")
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert "\n12 passed" in alone.stdout and "[embedded]" not in alone.stdout
