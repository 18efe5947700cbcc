"""`make run` starts web, worker and beat through honcho and prints the login last, once
all three answer, not scrolled away under the worker's banner (manage.py announce_login)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.support.workers import database_url_for_current_connection, private_queues

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(log_path: Path, process: subprocess.Popen, pattern: str) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        log = log_path.read_text(errors="replace")
        if re.search(pattern, log):
            return log
        if process.poll() is not None:
            pytest.fail(f"honcho exited:\n{log}")
        time.sleep(0.3)
    pytest.fail(f"{pattern!r} not printed after {START_TIMEOUT}s:\n{log_path.read_text()}")


@pytest.mark.django_db(transaction=True)
def test_make_run_prints_the_login_after_web_worker_and_beat_have_started(tmp_path):
    (tmp_path / "admin-password.txt").write_text("correct-horse\n")
    port = free_port()
    log_path = tmp_path / "honcho.log"
    with private_queues() as namespace, log_path.open("w") as log_file:
        env = {
            **os.environ,
            "PY": sys.executable,
            "CELERY": str(Path(sys.executable).parent / "celery"),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "CONSOLE_URL": f"http://127.0.0.1:{port}/admin/",
            "CONCURRENCY": "1",
            "DATABASE_URL": database_url_for_current_connection(),
            "CELERY_QUEUE_NAMESPACE": namespace,
            "VAR_DIR": str(tmp_path),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "PYTHONUNBUFFERED": "1",
        }
        honcho = subprocess.Popen(
            [sys.executable, "-m", "config.devrun", "start", "-f", "Procfile"],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            log = wait_for(log_path, honcho, r"Ctrl-C stops web, worker and beat")
            lines = log.splitlines()

            def first(pattern: str) -> int:
                return next(i for i, line in enumerate(lines) if re.search(pattern, line))

            console = first(rf"login\.1 +\| Console: http://127\.0\.0\.1:{port}/admin/")
            assert "Log in as 'admin' with password 'correct-horse'" in lines[console + 1]
            assert "Not answering" not in log
            # After the worker's banner and its "ready", and after beat started.
            assert first(r"worker\.1 .*\bready\.") < console
            assert first(r"beat\.1 .*beat: Starting") < console
            assert first(r"web\.1 .*Starting development server") < console
        finally:
            os.killpg(honcho.pid, signal.SIGINT)  # Ctrl-C
            honcho.wait(timeout=60)
    assert honcho.returncode in (0, 130), log_path.read_text()
    assert re.search(r"login\.1 .*stopped \(rc=0\)", log_path.read_text())


@pytest.mark.django_db
def test_the_login_is_printed_anyway_after_the_timeout_naming_what_did_not_answer(
    settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    settings.BEAT_HEARTBEAT_FILE = tmp_path / "beat-heartbeat"
    out = StringIO()
    with private_queues():  # no worker consumes these
        call_command(
            "announce_login", f"http://127.0.0.1:{free_port()}/admin/", "--timeout", "1",
            stdout=out,
        )  # fmt: skip
    text = out.getvalue()
    assert "Log in as 'admin' with your password (forgotten?" in text
    assert "Not answering after 1 s: web, worker, beat." in text


@pytest.mark.parametrize("url", ["ftp://x/", "localhost:8000", "http://:80/", "http://h:99999/"])
def test_an_address_that_is_not_the_consoles_is_refused(url):
    with pytest.raises(CommandError, match="is not the console's address"):
        call_command("announce_login", url, "--timeout", "1", stdout=StringIO())
