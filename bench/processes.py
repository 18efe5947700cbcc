"""The processes a benchmark run starts: each part in a subprocess against its own database,
the console's commands, and Celery workers, so the console's own data is never touched."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from django.conf import settings

from config.celery import all_queue_names

ROOT = Path(settings.BASE_DIR)
# The slug of the election the parts create under the name "Bench": commands take an
# election by its slug (elections/references.py), the fake data by its name.
BENCH = "bench"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/elections_bench")
AMQP_URL = os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def _run(command: list[str], *, env: dict[str, str], timeout: float) -> str:
    result = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        shown = " ".join(["python", *command[1:]])
        raise RuntimeError(f"{shown} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def manage(*args: str, env: dict[str, str], timeout: float = 1800) -> str:
    """A console command (``manage.py ARGS``) with ``env`` over this process's environment."""
    return _run([sys.executable, "manage.py", *args], env=env, timeout=timeout)


def bench_part(name: str, *args: str, env: dict[str, str], timeout: float = 1800) -> str:
    """One measurement, ``python -m bench --part NAME``, in a process of its own."""
    return _run([sys.executable, "-m", "bench", "--part", name, *args], env=env, timeout=timeout)


def last_json(output: str) -> dict:
    return json.loads([line for line in output.splitlines() if line.startswith("{")][-1])


def comparison_table(output: str) -> str:
    """The table ``compare_strategies`` prints under its "Comparison on ...:" line, after a
    newline."""
    return "\n" + output.rpartition("\nComparison on ")[2].partition("\n")[2].rstrip()


def fresh(env: dict[str, str]) -> None:
    """An empty, migrated database at ``env``'s DATABASE_URL."""
    url = env["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    else:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    manage("migrate", "--no-input", "-v0", env=env)


# The line a pool process logs as it exits (rolls/task_base.py).
EXITED_PEAK = re.compile(r"Pool process \d+ exits \(code [^)]*\): peak RSS ([0-9.]+) MiB")


class worker:
    """A ``celery worker -c 2`` for the duration of a with-block."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __enter__(self):
        log = Path(settings.VAR_DIR) / "bench" / "worker.log"
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-c", "2", "-l", "INFO",
             "-n", f"bench{os.getpid()}@%h", "--without-gossip", "--without-mingle",
             "-Q", ",".join(all_queue_names(self.env["CELERY_QUEUE_NAMESPACE"]))],
            cwd=ROOT, env={**os.environ, **self.env}, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while " ready." not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        return self

    def peak_rss_mb(self) -> list[float]:
        """Peak resident memory of every pool process the worker has had: those still running
        (VmHWM, read from /proc) and those replaced past the memory limit, whose peak each
        logged as it exited (rolls/task_base.py)."""
        children = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        peaks = []
        for pid in children:
            status = Path(f"/proc/{pid}/status")
            if status.exists():
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
        return sorted(peaks + self.exited_peaks())

    def exited_peaks(self) -> list[float]:
        """The peaks the pool processes that exited while the worker ran (replaced past the
        memory limit) logged, in MB."""
        self.log.flush()
        log = Path(self.log.name).read_text(errors="replace")
        return [float(mb) for mb in EXITED_PEAK.findall(log)]

    def replaced(self) -> int:
        return len(self.exited_peaks())

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=60)
        self.log.close()
