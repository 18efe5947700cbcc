"""Flower (compose profile `monitoring`) starts only with a login and asks for it."""

from __future__ import annotations

import base64
import os
import sys
import urllib.error
import urllib.request

from tests.support.processes import healthcheck, running, wait_for_log

COMMAND = [sys.executable, "-m", "celery", "-A", "config", "flower",
           "--conf=config/flowerconfig.py", "--port=0", "--address=127.0.0.1"]  # fmt: skip


def _env(tmp_path, **extra: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("MONITORING_BASIC_AUTH")}
    return {**inherited, "VAR_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1", **extra}


def _get(url: str, login: str | None = None) -> int:
    request = urllib.request.Request(url)  # noqa: S310 - a local test server
    if login:
        request.add_header("Authorization", "Basic " + base64.b64encode(login.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_flower_does_not_start_without_a_login(tmp_path):
    with running(COMMAND, _env(tmp_path), tmp_path / "flower.log") as flower:
        flower.wait(timeout=60)
    assert flower.returncode != 0
    assert "MONITORING_BASIC_AUTH" in (tmp_path / "flower.log").read_text()


def test_flower_asks_for_its_login_and_its_healthcheck_answers(tmp_path):
    login = "monitor:" + base64.b32encode(os.urandom(20)).decode()
    (tmp_path / "monitoring_basic_auth").write_text(login + "\n")
    env = _env(tmp_path, MONITORING_BASIC_AUTH_FILE=str(tmp_path / "monitoring_basic_auth"))
    log_path = tmp_path / "flower.log"
    with running(COMMAND, env, log_path) as flower:
        base = wait_for_log(flower, log_path, r"Visit me at (http://127\.0\.0\.1:\d+)")[1]
        assert _get(f"{base}/") == 401
        assert _get(f"{base}/", login="monitor:wrong") == 401
        assert _get(f"{base}/", login=login) == 200
        assert healthcheck("http", f"{base}/healthcheck") == 0
    assert login.split(":")[1] not in log_path.read_text()
