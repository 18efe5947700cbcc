import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import broker_url, database_config, env_bool, env_int, env_list, env_str

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
    assert broker_url("", default_folder=tmp_path) == "filesystem://localhost//"
    assert broker_url("filesystem://", default_folder=tmp_path) == "filesystem://localhost//"
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


def test_every_helper_reads_a_secret_file_named_by_the_file_variable(monkeypatch, tmp_path):
    for name, value in [("SOME_STR", "s3cret"), ("SOME_INT", "42"), ("SOME_BOOL", "yes")]:
        (tmp_path / name).write_text(value + "\n")  # as `echo value > file` writes it
        monkeypatch.setenv(f"{name}_FILE", str(tmp_path / name))
    (tmp_path / "SOME_LIST").write_text("a.example, b.example\r\n")
    monkeypatch.setenv("SOME_LIST_FILE", str(tmp_path / "SOME_LIST"))
    assert env_str("SOME_STR", "") == "s3cret"
    assert env_int("SOME_INT", 1) == 42
    assert env_bool("SOME_BOOL", False) is True
    assert env_list("SOME_LIST", []) == ["a.example", "b.example"]


def test_a_secret_file_keeps_inner_whitespace_and_is_checked_like_a_variable(monkeypatch, tmp_path):
    (tmp_path / "key").write_text(" two words \n")
    monkeypatch.setenv("SOME_STR_FILE", str(tmp_path / "key"))
    assert env_str("SOME_STR", "") == " two words "
    (tmp_path / "int").write_text("ten\n")
    monkeypatch.setenv("SOME_INT_FILE", str(tmp_path / "int"))
    with pytest.raises(ImproperlyConfigured, match="SOME_INT must be an integer"):
        env_int("SOME_INT", 1)


@pytest.mark.parametrize("kind", ["missing", "directory", "binary"])
def test_an_unreadable_secret_file_stops_start_up_naming_the_variable(kind, monkeypatch, tmp_path):
    path = tmp_path / "secret"
    if kind == "directory":
        path.mkdir()
    elif kind == "binary":
        path.write_bytes(b"\xff\xfe\x00")
    monkeypatch.setenv("SOME_STR_FILE", str(path))
    with pytest.raises(ImproperlyConfigured, match=r"SOME_STR_FILE: cannot read .*secret"):
        env_str("SOME_STR", "")


def test_a_variable_and_its_file_together_are_refused(monkeypatch, tmp_path):
    (tmp_path / "secret").write_text("from-file")
    monkeypatch.setenv("SOME_STR", "from-env")
    monkeypatch.setenv("SOME_STR_FILE", str(tmp_path / "secret"))
    with pytest.raises(ImproperlyConfigured, match="set SOME_STR or SOME_STR_FILE, not both"):
        env_str("SOME_STR", "")


def test_a_broker_url_error_does_not_print_its_password(tmp_path):
    with pytest.raises(ImproperlyConfigured) as error:
        broker_url("amqp://elections:hunter2-secret@rabbit:fivesix//", default_folder=tmp_path)
    assert "hunter2-secret" not in str(error.value)
    assert "amqp://elections:***@rabbit:fivesix//" in str(error.value)


def _clean_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY"))
    }


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**_clean_env(), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return _manage(env, "check")


def test_start_up_stops_on_a_malformed_database_url_with_the_variable_named(tmp_path):
    result = _check({"DATABASE_URL": "postgres://u@h:notaport/db", "VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DATABASE_URL" in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _check({"DEBUG": "0", "SECRET_KEY": "", "VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_starts_with_every_secret_from_a_file(tmp_path):
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    (secrets_dir / "secret_key").write_text("k" * 60 + "\n")
    (secrets_dir / "database_url").write_text(f"sqlite:///{tmp_path}/prod.sqlite3\n")
    (secrets_dir / "broker_url").write_text("amqp://elections:s3cret@127.0.0.1:5672//\n")
    env = {
        "DEBUG": "0",
        "VAR_DIR": str(tmp_path),
        "SECRET_KEY_FILE": str(secrets_dir / "secret_key"),
        "DATABASE_URL_FILE": str(secrets_dir / "database_url"),
        "CELERY_BROKER_URL_FILE": str(secrets_dir / "broker_url"),
    }
    result = _check(env)
    assert result.returncode == 0, result.stderr
    shown = _manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s;"
        "print(len(s.SECRET_KEY), s.DATABASES['default']['NAME'], s.CELERY_BROKER_URL)",
    )
    assert shown.stdout.split() == [
        "60", f"{tmp_path}/prod.sqlite3", "amqp://elections:s3cret@127.0.0.1:5672//",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("variable", "content", "message"),
    [
        ("SECRET_KEY_FILE", None, "SECRET_KEY_FILE: cannot read"),
        ("DATABASE_URL_FILE", "postgres://u:hunter2@h:notaport/db", "DATABASE_URL is malformed"),
        ("CELERY_BROKER_URL_FILE", "amqp://u:hunter2@h:notaport//", "CELERY_BROKER_URL has an"),
    ],
)
def test_start_up_stops_on_a_bad_secret_file_naming_the_variable(
    variable, content, message, tmp_path
):
    path = tmp_path / "secret"
    if content is not None:
        path.write_text(content)
    env = {"DEBUG": "0", "VAR_DIR": str(tmp_path), variable: str(path)}
    if variable != "SECRET_KEY_FILE":
        env["SECRET_KEY"] = "k" * 60
    result = _check(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
    assert "hunter2" not in result.stderr  # start-up errors reach logs; passwords must not


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
    from celery.utils.imports import symbol_by_name
    from django_celery_beat.schedulers import DatabaseScheduler

    assert issubclass(symbol_by_name(settings.CELERY_BEAT_SCHEDULER), DatabaseScheduler)
    assert 0 < settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_RESULT_EXPIRES.total_seconds() > 0
