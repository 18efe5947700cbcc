"""Health of the web, beat and Flower processes, for container healthchecks (compose.yaml).

``/healthz`` answers ``ok`` when the web process can reach its database. It is answered by
the first middleware, before the HTTPS redirect and the ``ALLOWED_HOSTS`` check, because the
healthcheck speaks plain HTTP to the loopback address from inside the container. It shows no
data, so skipping those checks for it exposes nothing.

``python -m config.health http URL|beat`` is the healthcheck command itself (the image has
no curl): ``http`` fetches the URL (the console's ``/healthz``, Flower's ``/healthcheck``);
``beat`` checks that beat touched its heartbeat file recently (config/beat.py).
"""

from __future__ import annotations

import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse

HEALTH_PATH = "/healthz"


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path != HEALTH_PATH:
            return self.get_response(request)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            return HttpResponse("database unreachable\n", status=503, content_type="text/plain")
        return HttpResponse("ok\n", content_type="text/plain")


def url_answers(url: str, timeout: float) -> bool:
    try:
        # S310 (URL schemes): the URL is the healthcheck command's own loopback argument.
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


def heartbeat_is_fresh(path: Path, max_age: float) -> bool:
    try:
        return time.time() - path.stat().st_mtime <= max_age
    except FileNotFoundError:
        return False


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "http":
        return 0 if url_answers(argv[1], timeout=5) else 1
    if argv == ["beat"]:
        import django
        from django.conf import settings

        django.setup()  # config.beat imports django-celery-beat's models
        from config.beat import HEARTBEAT_MAX_AGE

        return 0 if heartbeat_is_fresh(settings.BEAT_HEARTBEAT_FILE, HEARTBEAT_MAX_AGE) else 1
    print("usage: python -m config.health http URL | beat", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
