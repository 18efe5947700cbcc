"""Shared fixtures. Integration tests start real ``celery worker`` processes against the same
database the test uses (SQLite file or PostgreSQL) and the configured broker (filesystem
folders or RabbitMQ), on queues of their own so nothing else consumes their messages."""

from __future__ import annotations

import contextlib
import os
import shutil
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
from tests.s3 import S3_BACKEND, S3Server, S3Unavailable
from tests.s3 import s3_server as start_s3_server

ROOT = Path(__file__).resolve().parent.parent
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

    def start(
        self,
        *,
        concurrency: int = 2,
        queues: list[str] | None = None,
        node: str | None = None,
        extra_env: dict[str, str] | None = None,
        extra_args: list[str] | None = None,
        cwd: Path | None = None,
    ) -> WorkerProcess:
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
            sys.executable, "-m", "celery", "-A", "config", "worker",
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
        self._wait_ready(worker)
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


@pytest.fixture
def private_media(settings, tmp_path):
    """Files this test stores (PDFs, registers) go to a folder of its own (no worker reads them)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 server for the whole session (skipped, with the reason, if it cannot start)."""
    try:
        with start_s3_server() as server:
            yield server
    except S3Unavailable as exc:
        pytest.skip(f"no S3-compatible store for this test: {exc}")


@pytest.fixture
def s3_media(settings, s3_server) -> str:
    """``default_storage`` is django-storages' S3Storage on a fresh bucket of moto's server.

    Through the ``settings`` fixture: Django's ``setting_changed`` handler forgets the cached
    ``default_storage`` when STORAGES changes, and again when the test restores it."""
    bucket = s3_server.bucket_create()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": S3_BACKEND, "OPTIONS": s3_server.storage_options(bucket=bucket)},
    }
    return bucket


@pytest.fixture(scope="session")
def queue_namespace() -> Iterator[str]:
    """The session's queues, consumed by ``shared_worker``."""
    with private_queues() as namespace:
        yield namespace


@pytest.fixture
def workers(queue_namespace, tmp_path) -> Iterator[WorkerFactory]:
    """Start workers inside a test (``workers.start(...)``); all are stopped afterwards.

    The test gets queues of its own, so the session's ``shared_worker`` cannot take its
    tasks (a test that kills or counts workers must see only its own)."""
    with private_queues() as namespace:
        factory = WorkerFactory(namespace, tmp_path)
        try:
            yield factory
        finally:
            factory.stop_all()


@pytest.fixture
def worker(workers) -> WorkerProcess:
    """One running worker (concurrency 2) on every queue, for this test alone."""
    return workers.start()


@pytest.fixture(scope="session")
def shared_worker(django_db_setup, queue_namespace, tmp_path_factory) -> Iterator[WorkerProcess]:
    """One worker (concurrency 2) for all tests that only need *a* worker, saving a start-up
    per test. Tests that kill or restart workers use ``workers`` instead."""
    factory = WorkerFactory(queue_namespace, tmp_path_factory.mktemp("shared-worker"))
    yield factory.start(node="shared")
    factory.stop_all()


def pytest_sessionstart(session) -> None:
    """The roll and console labels come from compiled catalogs (``make install`` compiles
    them): without them every French or Arabic test would fail on English text, far from
    the cause."""
    stale = [
        str(po.relative_to(settings.BASE_DIR))
        for po in sorted(Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.po"))
        if not po.with_suffix(".mo").exists()
        or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale:
        pytest.exit(
            f"Catalogs not compiled: {', '.join(stale)}. Run `make messages` "
            "(manage.py compilemessages --ignore=.venv --ignore=var).",
            returncode=4,
        )


@pytest.fixture(scope="session")
def poppler_utils() -> None:
    """poppler-utils' pdftotext and pdftoppm, which the PDF geometry tests read pages with:
    `make test` installs them (TEST_SYSTEM_PACKAGES), so a machine without them fails those
    tests rather than skipping them unseen."""
    missing = [tool for tool in ("pdftotext", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not found: install poppler-utils "
            "(`make test-system-packages` does)",
            pytrace=False,
        )
