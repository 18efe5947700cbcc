"""The production web process as compose runs it: `gunicorn config.wsgi` on the production
settings (DEBUG=0, secrets from files), behind a TLS proxy that this test plays.

The server runs on a SQLite file of its own, whichever database the suite uses, so the
suite on PostgreSQL would only repeat it."""

from __future__ import annotations

import gzip
import http.client
import os
import re
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.support.processes import ROOT, START_TIMEOUT, healthcheck, running, wait_for_log

HOST = "console.example.org"
PROXY = {"Host": HOST, "X-Forwarded-Proto": "https"}
PASSWORD = secrets.token_urlsafe(16)
FAILURE_LIMIT = 3

pytestmark = pytest.mark.embedded_only


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    def cookies(self) -> dict[str, str]:
        jar = SimpleCookie()
        for header in self.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return {name: morsel.value for name, morsel in jar.items()}


@dataclass
class Console:
    port: int
    log_path: Path
    static_root: Path

    def request(self, method: str, path: str, *, headers=None, body=None) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers={**PROXY, **(headers or {})})
            response = connection.getresponse()
            return Response(response.status, response.headers, response.read())
        finally:
            connection.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_once_it_has(self, *lines: str) -> str:
        """The log once every one of ``lines`` is in it: gunicorn writes the access line after
        the response, each of its worker processes through its own buffer, so one request's
        line can come after a later request's."""
        deadline = time.monotonic() + START_TIMEOUT
        while missing := [line for line in lines if line not in (log := self.log())]:
            assert time.monotonic() < deadline, f"{missing!r} never logged:\n{log}"
            time.sleep(0.1)
        return log

    def log_in(self, username: str, password: str, client_ip: str | None = None) -> Response:
        """The login form's round trip as a browser makes it: CSRF cookie, token, POST."""
        forwarded = {"X-Forwarded-For": client_ip} if client_ip else {}
        form = self.request("GET", "/admin/login/", headers=forwarded)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        return self.request(
            "POST",
            "/admin/login/?next=/admin/",
            headers={
                **forwarded,
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={form.cookies()['csrftoken']}",
                "Origin": f"https://{HOST}",
            },
            body=urlencode(
                {"csrfmiddlewaretoken": token, "username": username, "password": password}
            ),
        )


def _production_env(var_dir: Path) -> dict[str, str]:
    """The compose environment: production settings, every secret read from a file."""
    key_file = var_dir / "secret_key"
    key_file.write_text(secrets.token_urlsafe(60) + "\n")
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DATABASE_URL", "CELERY_", "SECRET_KEY", "DEBUG", "AXES_"))
    }
    return {
        **inherited,
        "DEBUG": "0",
        "SECRET_KEY_FILE": str(key_file),
        "ALLOWED_HOSTS": HOST,
        "BEHIND_TLS_PROXY": "1",
        "AXES_FAILURE_LIMIT": str(FAILURE_LIMIT),
        "VAR_DIR": str(var_dir),
        "STATIC_ROOT": str(var_dir / "static"),
        "PYTHONUNBUFFERED": "1",
    }


def _manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("production")
    env = _production_env(var_dir)
    # What the compose `migrate` service does, then an administrator made by hand.
    _manage(env, "migrate", "--no-input")
    _manage(env, "collectstatic", "--no-input")
    _manage(
        {**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
        "createsuperuser", "--no-input", "--username", "chief", "--email", "chief@example.org",
    )  # fmt: skip
    log_path = var_dir / "gunicorn.log"
    # Port 0: the system picks a free one; gunicorn says which in its log.
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", "127.0.0.1:0"]
    with running(command, env, log_path) as server:
        port = int(wait_for_log(server, log_path, r"Listening at: http://127\.0\.0\.1:(\d+)")[1])
        # Healthy once a worker has loaded Django and reached the database, as the compose
        # healthcheck (this very command) sees it.
        deadline = time.monotonic() + START_TIMEOUT
        while healthcheck("http", f"http://127.0.0.1:{port}/healthz") != 0:
            assert time.monotonic() < deadline, f"gunicorn never healthy:\n{log_path.read_text()}"
            assert server.poll() is None, f"gunicorn exited:\n{log_path.read_text()}"
            time.sleep(0.2)
        yield Console(port=port, log_path=log_path, static_root=var_dir / "static")


def test_gunicorn_serves_the_console_login_page_behind_the_tls_proxy(console):
    page = console.request("GET", "/admin/login/")
    assert page.status == 200
    assert "Election operations console" in page.text
    assert 'name="csrfmiddlewaretoken"' in page.text
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Secure" in page.headers["Set-Cookie"]
    assert page.headers["Server"] == "gunicorn"
    assert "Using worker: gthread" in console.log()


def test_plain_http_and_unknown_hosts_are_refused(console):
    plain = console.request("GET", "/admin/login/", headers={"X-Forwarded-Proto": "http"})
    assert plain.status == 301
    assert plain.headers["Location"] == f"https://{HOST}/admin/login/"
    assert console.request("GET", "/admin/login/", headers={"Host": "evil.example"}).status == 400


def test_static_files_are_served_by_whitenoise_under_hashed_names(console):
    page = console.request("GET", "/admin/login/").text
    stylesheet = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page).group(1)
    css = console.request("GET", stylesheet, headers={"Accept-Encoding": "gzip"})
    assert css.status == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert "immutable" in css.headers["Cache-Control"]
    assert css.headers["Content-Encoding"] == "gzip"
    on_disk = (console.static_root / stylesheet.removeprefix("/static/")).read_bytes()
    assert gzip.decompress(css.body) == on_disk
    assert console.request("GET", "/static/admin/css/no-such-file.css").status == 404


def test_staff_log_in_through_gunicorn_and_the_log_keeps_no_password_or_search(console):
    login = console.log_in("chief", PASSWORD)
    assert login.status == 302, login.text
    assert login.headers["Location"] == "/admin/"
    session = {"Cookie": f"sessionid={login.cookies()['sessionid']}"}
    index = console.request("GET", "/admin/", headers=session)
    assert "Elections, stations and voter rolls" in index.text
    voters = console.request("GET", "/admin/elections/voter/?q=Zyxwvutsrq", headers=session)
    assert voters.status == 200
    log = console.log_once_it_has('"GET /admin/elections/voter/ HTTP/1.1" 200')
    assert "Zyxwvutsrq" not in log  # a voter's name typed into the search ...
    assert PASSWORD not in log  # ... and the password never reach the log


def test_gunicorn_logs_no_query_string_whatever_comes_before_it(console):
    # Runserver's filter once let these through: a "," or ";" right before the "?".
    for target in ["/admin/elections/voter/find,?q=Qwertyplokm", "/admin/find/;?q=Qwertyplokm"]:
        assert console.request("GET", target).status == 302

    log = console.log_once_it_has(
        '"GET /admin/elections/voter/find, HTTP/1.1" 302', '"GET /admin/find/; HTTP/1.1" 302'
    )
    assert "Qwertyplokm" not in log


def test_wrong_passwords_lock_the_client_out_even_through_the_proxy(console):
    # The proxy appends the real client address; whatever the client wrote before it is
    # ignored, so changing it does not buy more guesses.
    attempts = FAILURE_LIMIT + 2
    statuses = [
        console.log_in("chief", "wrong-guess", client_ip=f"198.51.100.{i}, 203.0.113.7").status
        for i in range(attempts)
    ]
    # The form again until the limit; the limit-th failure and every one after: locked out.
    assert statuses == [200] * (FAILURE_LIMIT - 1) + [429] * (attempts - FAILURE_LIMIT + 1)
    refused = console.log_in("chief", PASSWORD, client_ip="203.0.113.7")
    assert refused.status == 429
    assert "Login refused" in refused.text and "sessionid" not in refused.cookies()
    # Another client (another office) still logs in with the same account.
    assert console.log_in("chief", PASSWORD, client_ip="203.0.113.8").status == 302
