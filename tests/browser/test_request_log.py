"""No voter name reaches a log line while staff search voters in a browser, with the web
server `make run` uses (runserver, whose request log prints every request line).

The server runs on a SQLite file of its own, whichever database the suite uses."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.processes import ROOT, running, wait_for_log

pytestmark = [pytest.mark.browser, pytest.mark.embedded_only]

PASSWORD = "polling-day-2026"
NAME = "Salazarquintero"  # a family name no other log line could hold by chance


def _manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_searching_voters_logs_no_voter_name_at_info(browser, tmp_path: Path):
    from playwright.sync_api import expect

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CELERY_"))},
        "VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
    }
    _manage(env, "migrate", "--no-input")
    _manage(env, "createsuperuser", "--no-input", "--username", "maria", "--email", "m@x.org")
    _manage(
        env, "shell", "-c",
        "from tests.factories import VoterFactory; "
        f"VoterFactory(family_name={NAME!r}, given_name='Ana')",
    )  # fmt: skip
    port = _free_port()
    log_path = tmp_path / "runserver.log"
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    with running(command, env, log_path) as server:
        wait_for_log(server, log_path, "Quit the server with")
        page = browser.new_page()
        page.set_default_timeout(20_000)
        page.goto(f"http://127.0.0.1:{port}/admin/login/?next=/admin/elections/voter/")
        page.fill("#id_username", "maria")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.fill("#searchbar", NAME)
        page.press("#searchbar", "Enter")
        expect(page.locator("#result_list")).to_contain_text(NAME)
        # The registration search and a page that does not exist log their request too.
        page.goto(f"http://127.0.0.1:{port}/admin/elections/registration/?q={NAME}")
        page.goto(f"http://127.0.0.1:{port}/admin/no-such-page/?q={NAME}")
        deadline = time.monotonic() + 10
        while "no-such-page" not in (log := log_path.read_text(errors="replace")):
            assert time.monotonic() < deadline, log
            time.sleep(0.1)

    assert re.search(r'INFO django\.server "GET /admin/elections/voter/\?… HTTP/1\.1" 200', log)
    assert NAME.lower() not in log.lower(), log
