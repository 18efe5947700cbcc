"""Real ``celery worker`` processes for integration tests, on queues of their own. The
fixtures that start them (``workers``, ``worker``, ``shared_worker``) stay registered in
tests/conftest.py, which imports what they need from here."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import all_queue_names, app, use_queue_namespace
from tests.support.processes import ROOT

WORKER_READY_TIMEOUT = 90


def database_url_for_current_connection() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return (
        f"postgresql://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


@dataclass
class WorkerProcess:
    """A real ``celery worker`` process; its log is kept for assertions and post-mortems."""

    name: str
    process: subprocess.Popen
    log_path: Path
    queues: list[str] = field(default_factory=list)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def child_pids(self) -> list[int]:
        out = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in out.stdout.split()]

    def stop(self, timeout: float = 30) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


class WorkerFactory:
    def __init__(self, namespace: str, log_dir: Path) -> None:
        self.namespace = namespace
        self.log_dir = log_dir
        self.started: list[WorkerProcess] = []

    def start(self, **options) -> WorkerProcess:
        """A worker started and ready (the test fails if it exits or is not ready in time);
        the options are ``launch``'s."""
        worker = self.launch(**options)
        self._wait_ready(worker)
        return worker

    def launch(
        self,
        *,
        concurrency: int = 2,
        queues: list[str] | None = None,
        node: str | None = None,
        extra_env: dict[str, str] | None = None,
        extra_args: list[str] | None = None,
        cwd: Path | None = None,
        app_module: str = "config",
    ) -> WorkerProcess:
        """A worker process started and not waited for (``app_module``: the Celery app
        ``-A`` names)."""
        node = node or f"w{len(self.started) + 1}"
        queue_list = queues or all_queue_names(self.namespace)
        log_path = self.log_dir / f"{node}.log"
        env = {
            **os.environ,
            "DATABASE_URL": database_url_for_current_connection(),
            "CELERY_QUEUE_NAMESPACE": self.namespace,
            "VAR_DIR": str(settings.VAR_DIR),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "PYTHONUNBUFFERED": "1",
            # A worker may run from a working directory of its own (as on another machine).
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            **(extra_env or {}),
        }
        command = [
            sys.executable, "-m", "celery", "-A", app_module, "worker",
            "-l", "INFO", "-c", str(concurrency), "-Q", ",".join(queue_list),
            "-n", f"{node}.{self.namespace}@%h",
            "--without-gossip", "--without-mingle",
            *(extra_args or []),
        ]  # fmt: skip
        log_file = log_path.open("w")
        process = subprocess.Popen(
            command, cwd=cwd or ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        worker = WorkerProcess(name=node, process=process, log_path=log_path, queues=queue_list)
        self.started.append(worker)
        return worker

    @staticmethod
    def _wait_ready(worker: WorkerProcess) -> None:
        deadline = time.monotonic() + WORKER_READY_TIMEOUT
        while time.monotonic() < deadline:
            if worker.process.poll() is not None:
                pytest.fail(f"celery worker exited at start-up:\n{worker.log()}")
            if " ready." in worker.log():
                return
            time.sleep(0.2)
        worker.kill()
        pytest.fail(f"celery worker not ready after {WORKER_READY_TIMEOUT}s:\n{worker.log()}")

    def stop_all(self) -> None:
        for worker in self.started:
            worker.stop()


@contextlib.contextmanager
def private_queues() -> Iterator[str]:
    """Route this process's tasks to queues nobody else consumes, for the block's duration."""
    namespace = f"t{uuid.uuid4().hex[:8]}."
    previous = app.conf.get("queue_namespace", "")
    use_queue_namespace(namespace)
    try:
        yield namespace
    finally:
        use_queue_namespace(previous)
        if settings.CELERY_BROKER_URL.startswith(("amqp", "pyamqp")):
            # Leave nothing behind on a shared RabbitMQ.
            with app.connection_for_write() as conn, contextlib.suppress(Exception):
                channel = conn.default_channel
                for name in all_queue_names(namespace):
                    channel.queue_delete(name)
