"""The healthchecks compose.yaml runs for web, worker and beat, run here as compose would run
them (Flower's: tests/security/test_flower.py)."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.db import DatabaseError
from django.test import Client, override_settings

from config.beat import HEARTBEAT_MAX_AGE
from tests.support.processes import ROOT, healthcheck, running, wait_for_log
from tests.support.workers import database_url_for_current_connection

WORKER = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["worker"]


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["console.example.org"])
def test_healthz_answers_plain_http_on_the_loopback_even_in_production():
    # The container healthcheck asks http://127.0.0.1:8000/healthz: no TLS, no public host.
    response = Client().get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert (response.status_code, response.content) == (200, b"ok\n")
    # Everything else still gets the HTTPS redirect and the host check.
    assert Client().get("/admin/login/", HTTP_HOST="console.example.org").status_code == 301
    assert Client().get("/admin/login/", HTTP_HOST="127.0.0.1:8000").status_code == 400


def test_healthz_is_unhealthy_without_the_database(monkeypatch):
    class Unreachable:
        def cursor(self):
            raise DatabaseError("connection refused")

    monkeypatch.setattr("config.health.connection", Unreachable())
    response = Client().get("/healthz")
    assert response.status_code == 503


def test_the_http_healthcheck_fails_when_nothing_answers():
    # Port 9 (discard): nothing listens on it here, so the connection is refused.
    assert healthcheck("http", "http://127.0.0.1:9/healthz") == 1
    assert healthcheck("nonsense") == 2


def _process_env(tmp_path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url_for_current_connection(),
        "VAR_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@pytest.mark.django_db(transaction=True)
def test_beat_keeps_its_heartbeat_fresh_and_a_stale_one_is_unhealthy(tmp_path):
    env = _process_env(tmp_path)
    heartbeat = tmp_path / "beat-heartbeat"
    assert healthcheck("beat", env=env) == 1  # never started
    command = [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "INFO", "--pidfile="]
    with running(command, env, tmp_path / "beat.log") as beat:
        wait_for_log(beat, tmp_path / "beat.log", r"beat: Starting")
        deadline = time.monotonic() + HEARTBEAT_MAX_AGE
        while not heartbeat.exists():
            assert time.monotonic() < deadline and beat.poll() is None, "no heartbeat"
            time.sleep(0.2)
        first = heartbeat.stat().st_mtime
        assert healthcheck("beat", env=env) == 0
        # The loop goes on touching it.
        while heartbeat.stat().st_mtime == first:
            assert time.monotonic() < deadline, "the heartbeat stopped"
            time.sleep(0.2)
    stale = time.time() - HEARTBEAT_MAX_AGE - 1
    os.utime(heartbeat, (stale, stale))
    assert healthcheck("beat", env=env) == 1


def test_the_worker_healthcheck_pings_the_node_the_worker_command_names(tmp_path):
    # compose.yaml's own worker command and healthcheck, on a broker folder of this test's
    # own (no DATABASE_URL, no CELERY_BROKER_URL): the node name is fixed, so a shared
    # broker could hold another node of that name.
    inherited = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CELERY_"))
    }
    env = {
        **inherited,
        "VAR_DIR": str(tmp_path),
        "HOSTNAME": socket.gethostname(),  # as a container's shell has it
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
        "PYTHONUNBUFFERED": "1",
    }
    _, check = WORKER["healthcheck"]["test"]
    check = check.replace("$$", "$")  # compose's escape for a literal $

    def ping(command: str) -> int:
        return subprocess.run(
            ["sh", "-c", command], cwd=ROOT, env=env, capture_output=True, timeout=120
        ).returncode

    # Where no answer is the expected outcome, waiting the full timeout proves nothing more.
    impatient = re.sub(r"--timeout \d+", "--timeout 2", check)
    assert ping(impatient) != 0  # no worker yet
    with running(shlex.split(WORKER["command"]), env, tmp_path / "worker.log") as worker:
        wait_for_log(worker, tmp_path / "worker.log", r" ready\.")
        assert ping(check) == 0
        assert ping(impatient.replace("$HOSTNAME", "elsewhere")) != 0  # its own node only
