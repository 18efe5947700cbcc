"""Typed readers for the environment.

Every setting has a default that works on a fresh machine; a value that is present but
malformed stops start-up with ``ImproperlyConfigured`` naming the variable, instead of
failing later in some worker with a confusing traceback.

Every reader also accepts ``NAME_FILE``: the path of a file holding the value (compose and
orchestrator secrets are mounted as files, which keeps passwords out of the process
environment, ``docker inspect`` and crash reports). Setting both ``NAME`` and ``NAME_FILE``
is refused: silently preferring one would hide a stale secret.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}

SUPPORTED_DATABASE_SCHEMES = ("sqlite", "postgres", "postgresql", "pgsql")
SUPPORTED_BROKER_SCHEMES = ("filesystem", "amqp", "amqps", "pyamqp", "redis", "rediss", "memory")


def env_raw(name: str) -> str | None:
    """The value of ``name`` from the environment or from the file ``NAME_FILE`` names."""
    file_variable = f"{name}_FILE"
    path = os.environ.get(file_variable)
    if path is None:
        return os.environ.get(name)
    if name in os.environ:
        raise ImproperlyConfigured(f"set {name} or {file_variable}, not both")
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ImproperlyConfigured(f"{file_variable}: cannot read {path!r} ({reason})") from None
    # Editors and `echo` end the file with a newline that is not part of the secret.
    return text.rstrip("\r\n")


def env_str(name: str, default: str) -> str:
    raw = env_raw(name)
    return default if raw is None else raw


def env_bool(name: str, default: bool) -> bool:
    raw = env_raw(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = env_raw(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = env_raw(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_config(url: str | None, *, default_sqlite: Path) -> dict:
    """Django DATABASES["default"] from ``DATABASE_URL``, or the embedded SQLite file.

    The SQLite options are not cosmetic: with the default rollback journal and deferred
    transactions, the django-db result backend fails chords with "database is locked" as
    soon as two worker processes store results at once.
    """
    if not url:
        return sqlite_config(default_sqlite)
    scheme = urlsplit(url).scheme
    if scheme not in SUPPORTED_DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            f"DATABASE_URL has unsupported scheme {scheme!r}; use postgresql://user@host:5432/name"
            " or sqlite:///path/to/file.sqlite3"
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except Exception as exc:  # dj-database-url raises ValueError/KeyError on broken URLs
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        return sqlite_config(Path(config["NAME"]))
    if not config.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL names no database (…/DBNAME at the end)")
    return config


def sqlite_config(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA busy_timeout=30000;"
                "PRAGMA cache_size=-64000;"
            ),
        },
        "TEST": {"NAME": str(path.with_name(path.stem + "-test.sqlite3"))},
    }


# kombu warns "No hostname was supplied" each time it describes a connection whose URL names
# no host (every worker, beat and publisher connection). The filesystem transport takes its
# folders from the transport options and never reads the host: naming one ends the warnings.
FILESYSTEM_BROKER_URL = "filesystem://localhost//"


def broker_url(url: str | None, *, default_folder: Path) -> str:
    if not url:
        return FILESYSTEM_BROKER_URL
    scheme = urlsplit(url).scheme
    if scheme == "filesystem" and not urlsplit(url).hostname:
        return FILESYSTEM_BROKER_URL
    if scheme not in SUPPORTED_BROKER_SCHEMES:
        raise ImproperlyConfigured(
            f"CELERY_BROKER_URL has unsupported scheme {scheme!r}; use amqp://user:pass@host:5672//"
            " or filesystem:// (the embedded default)"
        )
    if scheme.startswith("amqp") or scheme == "pyamqp":
        parts = urlsplit(url)
        try:
            parts.port  # noqa: B018 - raises ValueError on a non-numeric port
        except ValueError:
            raise ImproperlyConfigured(
                f"CELERY_BROKER_URL has an invalid port: {without_password(url)!r}"
            ) from None
        if not parts.hostname:
            raise ImproperlyConfigured(
                f"CELERY_BROKER_URL names no host: {without_password(url)!r}"
            )
    return url


def without_password(url: str) -> str:
    """``url`` with its password masked: start-up errors end up in logs, secrets must not."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user, _, host = parts.netloc.rpartition("@")
    return parts._replace(netloc=f"{user.split(':', 1)[0]}:***@{host}").geturl()


def filesystem_broker_options(folder: Path) -> dict:
    """Folders the kombu filesystem transport uses as its queue (the embedded default)."""
    queue = folder / "queue"
    return {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
        # The transport polls its folder; kombu's 1 s default adds up to a second of idle
        # time between tasks (measured: ~700 ms median gap), 0.05 s costs a few listdirs.
        "polling_interval": 0.05,
    }
