import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import broker_url, database_config, env_bool, env_int

ROOT = Path(__file__).resolve().parents[2]


def test_no_database_url_gives_sqlite_tuned_for_concurrent_workers(tmp_path):
    config = database_config("", default_sqlite=tmp_path / "db.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "db.sqlite3")
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["timeout"] >= 10


def test_postgres_url_is_parsed_into_django_settings(tmp_path):
    config = database_config(
        "postgresql://staff:s3cret@db.internal:6543/elections", default_sqlite=tmp_path / "x"
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("elections", "staff", "s3cret")
    assert (config["HOST"], config["PORT"]) == ("db.internal", 6543)


def test_sqlite_url_keeps_the_concurrency_options(tmp_path):
    config = database_config(f"sqlite:///{tmp_path}/other.sqlite3", default_sqlite=tmp_path / "x")
    assert config["NAME"] == f"{tmp_path}/other.sqlite3"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/db", "unsupported scheme 'mysql'"),
        ("localhost:5432/elections", "unsupported scheme"),
        ("postgresql://user@host:port/db", "malformed"),
        ("postgresql://user@host:5432", "names no database"),
    ],
)
def test_malformed_database_url_is_refused_clearly(url, message, tmp_path):
    with pytest.raises(ImproperlyConfigured, match=message):
        database_config(url, default_sqlite=tmp_path / "x")


def test_broker_defaults_to_filesystem_and_accepts_amqp(tmp_path):
    assert broker_url("", default_folder=tmp_path) == "filesystem://"
    url = "amqp://guest:guest@127.0.0.1:5672//"
    assert broker_url(url, default_folder=tmp_path) == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("kafka://broker:9092", "unsupported scheme 'kafka'"),
        ("amqp://guest:guest@rabbit:fivesix//", "invalid port"),
        ("amqp:///", "names no host"),
    ],
)
def test_malformed_broker_url_is_refused_clearly(url, message, tmp_path):
    with pytest.raises(ImproperlyConfigured, match=message):
        broker_url(url, default_folder=tmp_path)


def test_typed_helpers_reject_garbage(monkeypatch):
    monkeypatch.setenv("SOME_INT", "ten")
    with pytest.raises(ImproperlyConfigured, match="SOME_INT must be an integer"):
        env_int("SOME_INT", 1)
    monkeypatch.setenv("SOME_INT", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("SOME_INT", 1, minimum=1)
    monkeypatch.setenv("SOME_BOOL", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_BOOL must be a boolean"):
        env_bool("SOME_BOOL", True)
    monkeypatch.setenv("SOME_BOOL", "off")
    assert env_bool("SOME_BOOL", True) is False


def _check(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_start_up_stops_on_a_malformed_database_url_with_the_variable_named(tmp_path):
    result = _check({"DATABASE_URL": "postgres://u@h:notaport/db", "VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DATABASE_URL" in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _check({"DEBUG": "0", "SECRET_KEY": "", "VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_embedded_default_needs_no_environment_at_all(tmp_path):
    result = _check({"VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "broker" / "queue").is_dir()


def test_celery_is_configured_for_comparable_timings():
    from django.conf import settings

    assert settings.CELERY_RESULT_BACKEND == "django-db"
    assert settings.CELERY_RESULT_EXTENDED is True
    assert settings.CELERY_TASK_TRACK_STARTED is True
    assert settings.CELERY_TASK_SERIALIZER == "json"
    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"
    assert 0 < settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_RESULT_EXPIRES.total_seconds() > 0
