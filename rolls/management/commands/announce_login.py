"""`make run`'s last word: where and how to log in, once web, a worker and beat are up.

honcho starts the console's processes together and interleaves their output; the worker's
banner alone is some 80 lines. Printed by prepare_demo before they start, the login
scrolled away under it. This command runs as one more process of the Procfile: it waits
until the web process answers ``/healthz``, a worker on this console's queues answers the
``worker_setup`` broadcast and beat has touched its heartbeat file since it began, then
prints the login and (with ``--stay``) waits to be stopped with the others.
"""

from __future__ import annotations

import signal
import sys
import time
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from config.health import HEALTH_PATH, url_answers
from config.parsing import CheckedCommand, duration_argument
from elections.demo_login import DEFAULT_USERNAME, login_words, stored_password
from rolls.services.workers import worker_setup_probe

POLL_SECONDS = 0.5


def console_url(text: str) -> str:
    """An http(s) address with a host and a valid port, or a CommandError saying so."""
    refused = CommandError(f"{text!r} is not the console's address (http://HOST:PORT/admin/)")
    try:
        parts = urlsplit(text)
        valid = parts.scheme in ("http", "https") and parts.hostname and (parts.port or True)
    except ValueError:  # a port that is no number, or out of range
        raise refused from None
    if not valid:
        raise refused
    return text


def health_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, HEALTH_PATH, "", ""))


class Command(CheckedCommand):
    help = (
        "Wait until the console's web process, a worker and beat answer, then print where "
        "and how to log in (make run's last lines); --stay keeps running until stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", help="the console's address, e.g. http://127.0.0.1:8000/admin/")
        parser.add_argument("--username", default=DEFAULT_USERNAME)
        parser.add_argument(
            "--timeout",
            type=duration_argument(unit="seconds", maximum=3600),
            default=120.0,
            help="print the login anyway after this long, naming what did not answer",
        )
        parser.add_argument(
            "--stay", action="store_true", help="wait for a signal after printing (honcho)"
        )

    def handle(self, *args, url: str, username: str, timeout: float, stay: bool, **options):
        url = console_url(url)
        waiting = self._wait(url, timeout)
        lines = [
            "",
            "=" * 72,
            f"Console: {url}",
            login_words(username, stored_password()),
            "Ctrl-C stops web, worker and beat.",
        ]
        if waiting:
            lines.append(f"Not answering after {timeout:g} s: {', '.join(waiting)}.")
        lines.append("=" * 72)
        self.stdout.write("\n".join(lines))
        self.stdout.flush()
        if stay:
            self._stay()

    @staticmethod
    def _wait(url: str, timeout: float) -> list[str]:
        """Which of web, worker and beat still do not answer when it gives up (none: all up)."""
        began = time.time()
        deadline = time.monotonic() + timeout
        up: set[str] = set()
        checks = {
            "web": lambda: url_answers(health_url(url), timeout=1),
            "worker": lambda: worker_setup_probe(timeout=1.0)["answered"],
            # A heartbeat left by an earlier `make run` does not count.
            "beat": lambda: (
                settings.BEAT_HEARTBEAT_FILE.exists()
                and settings.BEAT_HEARTBEAT_FILE.stat().st_mtime >= began
            ),
        }
        while True:
            up |= {name for name, answers in checks.items() if name not in up and answers()}
            if len(up) == len(checks) or time.monotonic() >= deadline:
                return [name for name in checks if name not in up]
            time.sleep(POLL_SECONDS)

    @staticmethod
    def _stay() -> None:
        def stop(signum, frame) -> None:
            sys.exit(0)

        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, stop)
        while True:
            signal.pause()
