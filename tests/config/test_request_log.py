"""The development server (`make run`'s runserver) logs no query string at INFO, whatever
path comes before it: requests sent as raw request lines, as a hostile client would."""

from __future__ import annotations

import http.client
import os
import socket
import sys
import time
from pathlib import Path

from tests.support.processes import running, wait_for_log

NAME = "Salazarquintero"  # a family name no other log line could hold by chance
TARGETS = [
    f"/admin/elections/voter/find,?q={NAME}",
    f"/admin/elections/voter/find/;?q={NAME}",
    f"/admin/no-such-page/?q={NAME}",
    f"/static/none.css!?q={NAME}",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _send(port: int, target: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("GET", target, skip_accept_encoding=True)
        connection.endheaders()
        connection.getresponse().read()
    finally:
        connection.close()


def test_runserver_logs_no_query_string_after_a_comma_or_semicolon(tmp_path: Path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CELERY_"))},
        "VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    port = _free_port()
    log_path = tmp_path / "runserver.log"
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    with running(command, env, log_path) as server:
        wait_for_log(server, log_path, "Quit the server with")
        for target in TARGETS:
            _send(port, target)
        deadline = time.monotonic() + 10
        while "none.css" not in (log := log_path.read_text(errors="replace")):
            assert time.monotonic() < deadline, log
            time.sleep(0.1)

    assert 'django.server "GET /admin/elections/voter/find,?… HTTP/1.1" 302' in log, log
    assert 'django.server "GET /admin/elections/voter/find/;?… HTTP/1.1" 302' in log, log
    assert NAME.lower() not in log.lower(), log
