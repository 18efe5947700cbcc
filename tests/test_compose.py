"""compose.yaml cannot run here (no container engine), so check what can be checked: it
parses, has the promised services, and agrees with the settings and the Celery app."""

import re
from pathlib import Path

import yaml

from config.celery import all_queue_names

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SETTINGS_SOURCE = (ROOT / "config" / "settings.py").read_text()


def test_compose_has_the_services_users_expect():
    services = COMPOSE["services"]
    assert {"postgres", "rabbitmq", "web", "worker", "beat", "flower"} <= services.keys()
    assert services["flower"]["profiles"] == ["monitoring"]
    assert "ports" not in services["worker"], "a worker with fixed ports could not be scaled"
    assert {"pgdata", "media"} <= COMPOSE["volumes"].keys()


def test_every_app_environment_variable_is_one_the_settings_read():
    env = COMPOSE["services"]["web"]["environment"]
    for name in env:
        assert re.search(rf'env_\w+\("{name}"', SETTINGS_SOURCE), f"settings never read {name}"


def test_database_and_broker_urls_point_at_the_compose_services():
    env = COMPOSE["services"]["worker"]["environment"]
    pg = COMPOSE["services"]["postgres"]["environment"]
    assert env["DATABASE_URL"] == (
        f"postgresql://{pg['POSTGRES_USER']}:{pg['POSTGRES_PASSWORD']}@postgres:5432/"
        f"{pg['POSTGRES_DB']}"
    )
    assert (
        env["CELERY_BROKER_URL"].startswith("amqp://")
        and "@rabbitmq:5672" in env["CELERY_BROKER_URL"]
    )


def test_worker_consumes_every_queue_and_processes_use_the_celery_app():
    worker = COMPOSE["services"]["worker"]["command"]
    assert worker.startswith("celery -A config worker")
    queues = worker.split("-Q ")[1].split()[0].split(",")
    assert sorted(queues) == sorted(all_queue_names(""))
    assert COMPOSE["services"]["beat"]["command"].startswith("celery -A config beat")
    assert "manage.py migrate" in COMPOSE["services"]["web"]["command"]


def test_dockerfile_installs_from_the_lock_file_and_the_pdf_libraries():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements.lock" in dockerfile
    assert "libharfbuzz-subset0" in dockerfile and "fonts-noto-cjk" in dockerfile


def test_make_run_starts_web_worker_and_beat_together_through_honcho():
    procfile = dict(
        line.split(": ", 1)
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert set(procfile) == {"web", "worker", "beat"}
    assert "manage.py runserver" in procfile["web"]
    assert (
        procfile["worker"].startswith("$CELERY -A config worker") and "-Q" not in procfile["worker"]
    )
    assert procfile["beat"].startswith("$CELERY -A config beat")
    makefile = (ROOT / "Makefile").read_text()
    assert "honcho start -f Procfile" in makefile.split("\nrun: demo")[1].split("\n\n")[0]
