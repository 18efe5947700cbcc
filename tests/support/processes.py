"""Server processes started by a test (gunicorn, beat, Flower), each with a log of its own."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60


@contextlib.contextmanager
def running(command: list[str], env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen]:
    """``command`` in its own process group, stopped (SIGTERM, then SIGKILL) on exit."""
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def wait_for_log(process: subprocess.Popen, log_path: Path, pattern: str) -> re.Match:
    """The first match of ``pattern`` in the process's log; fails if it exits or hangs."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        log = log_path.read_text(errors="replace")
        if match := re.search(pattern, log):
            return match
        if process.poll() is not None:
            pytest.fail(f"{process.args[:4]} exited at start-up:\n{log}")
        time.sleep(0.2)
    pytest.fail(f"{pattern!r} not in the log after {START_TIMEOUT}s:\n{log_path.read_text()}")


def healthcheck(*args: str, env: dict[str, str] | None = None) -> int:
    """Exit status of the compose healthcheck command ``python -m config.health ARGS``."""
    result = subprocess.run(
        [sys.executable, "-m", "config.health", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # "Unhealthy" is an answer; a crash of the check itself would look the same to compose.
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode


def python_m(*args: str, var_dir: Path) -> subprocess.CompletedProcess:
    """``python -m ARGS`` from the project's root with its own VAR_DIR (the bench tools run
    as the docs and ``make bench`` name them)."""
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env={**os.environ, "VAR_DIR": str(var_dir)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
