"""Shared fixtures. Integration tests start real ``celery worker`` processes against the same
database the test uses (SQLite file or PostgreSQL) and the configured broker (filesystem
folders or RabbitMQ), on queues of their own so nothing else consumes their messages."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from tests.s3 import S3_BACKEND, S3Server, S3Unavailable
from tests.s3 import s3_server as start_s3_server
from tests.support.workers import WorkerFactory, WorkerProcess, private_queues


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    """A request in another language leaves that language active in the test's thread
    (LocaleMiddleware activates it and nothing in the test client resets it): the tests that
    follow would read their strings in French. Each test ends in the default language."""
    yield
    translation.deactivate()


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
