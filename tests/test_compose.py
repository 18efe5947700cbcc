"""compose.yaml cannot run here (no container engine), so check what can be checked: it
parses, has the promised services, agrees with the settings, the secrets generator and the
Celery app, serves with gunicorn, and keeps passwords and test tools out of the image."""

import re
import subprocess
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from config.celery import all_queue_names
from config.env import broker_url, database_config, env_str
from deploy.compose_secrets import write_secrets
from rolls.signed_sets import key_fingerprint, private_key_from_pem

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
SETTINGS_SOURCE = (ROOT / "config" / "settings.py").read_text()
FLOWER_CONFIG_SOURCE = (ROOT / "config" / "flowerconfig.py").read_text()
APP_SERVICES = ["migrate", "web", "worker", "beat", "flower"]
TEST_TOOLS = ["pytest", "playwright", "ruff", "hypothesis", "pip-tools", "factory-boy", "honcho"]


def _lock_pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text()
    return dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==([^\s;]+)", text, flags=re.MULTILINE))


def _package(requirement: str) -> str:
    return re.split(r"[<>=\[; ]", requirement, maxsplit=1)[0].lower()


def _read_by(source: str, name: str) -> bool:
    # The typed helpers read NAME_FILE for every NAME (config/env.py), so either counts.
    base = name.removesuffix("_FILE")
    return bool(re.search(rf'env_\w+\("{base}"', source))


def test_compose_has_the_services_users_expect():
    assert {"postgres", "rabbitmq", "migrate", "web", "worker", "beat", "flower"} <= SERVICES.keys()
    assert SERVICES["flower"]["profiles"] == ["monitoring"]
    assert "ports" not in SERVICES["worker"], "a worker with fixed ports could not be scaled"
    assert {"pgdata", "media", "static"} <= COMPOSE["volumes"].keys()


def test_every_app_environment_variable_is_one_the_settings_read():
    for name in SERVICES["web"]["environment"]:
        assert _read_by(SETTINGS_SOURCE, name), f"settings never read {name}"
    flower_only = SERVICES["flower"]["environment"].keys() - SERVICES["web"]["environment"].keys()
    assert flower_only
    for name in flower_only:
        assert _read_by(FLOWER_CONFIG_SOURCE, name), f"config/flowerconfig.py never reads {name}"


def test_web_is_served_by_gunicorn_after_migrate_and_collectstatic():
    web = SERVICES["web"]
    assert web["command"].startswith("gunicorn config.wsgi --bind 0.0.0.0:8000")
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    migrate = SERVICES["migrate"]["command"]
    assert "manage.py migrate --no-input" in migrate
    assert "manage.py collectstatic --no-input" in migrate
    static_root = SERVICES["web"]["environment"]["STATIC_ROOT"]
    for name in ("migrate", "web"):
        assert f"static:{static_root}" in SERVICES[name]["volumes"], name


def test_no_development_server_demo_data_or_security_override_in_compose():
    text = (ROOT / "compose.yaml").read_text()
    for forbidden in ("runserver", "--insecure", "prepare_demo", "SECURE_SSL_REDIRECT"):
        assert forbidden not in text
    for service in SERVICES.values():
        assert not any(name.startswith("SECURE_") for name in service.get("environment", {}))


def _environments():
    for name, service in SERVICES.items():
        for key, value in service.get("environment", {}).items():
            yield name, key, str(value)


def test_no_credentials_are_written_in_compose():
    for service, key, value in _environments():
        assert not re.search(r"://[^/@\s]+:[^/@\s]+@", value), f"{service}.{key} holds a password"
        assert not re.search(r"(PASSWORD|PASS|SECRET_KEY|_URL|BASIC_AUTH)$", key), (
            f"{service}.{key}: credentials come from a file (*_FILE), not the environment"
        )


def test_every_file_variable_names_a_secret_the_service_mounts():
    for service, key, value in _environments():
        if not key.endswith("_FILE"):
            continue
        mounted = {
            secret if isinstance(secret, str) else secret["source"]
            for secret in SERVICES[service]["secrets"]
        }
        assert value.startswith("/run/secrets/"), f"{service}.{key}"
        assert value.removeprefix("/run/secrets/") in mounted, f"{service}.{key}"


def test_the_secrets_generator_writes_every_secret_compose_mounts(tmp_path):
    assert write_secrets(tmp_path)
    declared = {Path(secret["file"]).name for secret in COMPOSE["secrets"].values()}
    for secret in COMPOSE["secrets"].values():
        assert secret["file"].startswith("./secrets/")
    assert declared <= {path.name for path in tmp_path.iterdir()}
    assert tmp_path.stat().st_mode & 0o077 == 0, "other users of the machine must stay out"
    # Never committed, never copied into the image by `COPY . .`.
    assert "/secrets/" in (ROOT / ".gitignore").read_text().splitlines()
    assert "secrets" in (ROOT / ".dockerignore").read_text().splitlines()


def test_generated_urls_match_the_database_and_broker_the_services_create(tmp_path):
    write_secrets(tmp_path)

    def read(name):
        return (tmp_path / name).read_text().strip()

    postgres = SERVICES["postgres"]["environment"]
    db = database_config(read("database_url"), default_sqlite=tmp_path / "unused")
    assert (db["HOST"], db["PORT"]) == ("postgres", 5432)
    assert (db["USER"], db["NAME"]) == (postgres["POSTGRES_USER"], postgres["POSTGRES_DB"])
    assert db["PASSWORD"] == read("postgres_password")

    broker = urlsplit(broker_url(read("broker_url"), default_folder=tmp_path))
    conf = dict(line.split(" = ", 1) for line in read("rabbitmq.conf").splitlines())
    assert (broker.hostname, broker.port) == ("rabbitmq", 5672)
    assert (broker.username, broker.password) == (conf["default_user"], conf["default_pass"])
    target = SERVICES["rabbitmq"]["secrets"][0]
    assert target["source"] == "rabbitmq_conf"
    assert target["target"].startswith("/etc/rabbitmq/conf.d/")

    user, _, password = read("monitoring_basic_auth").partition(":")
    assert user and len(password) >= 32


def test_the_signing_key_is_a_fresh_ed25519_key_that_only_web_holds(tmp_path, monkeypatch):
    write_secrets(tmp_path / "a")
    write_secrets(tmp_path / "b")
    path = tmp_path / "a" / Path(COMPOSE["secrets"]["roll_set_signing_key"]["file"]).name
    # Read as the settings read it: the file ROLL_SET_SIGNING_KEY_FILE names.
    monkeypatch.setenv("ROLL_SET_SIGNING_KEY_FILE", str(path))
    key = private_key_from_pem(env_str("ROLL_SET_SIGNING_KEY", ""), source="generated")
    other = private_key_from_pem((tmp_path / "b" / path.name).read_bytes(), source="other")
    assert key_fingerprint(key.public_key()) != key_fingerprint(other.public_key())

    web = SERVICES["web"]
    assert web["environment"]["ROLL_SET_SIGNING_KEY_FILE"] == "/run/secrets/roll_set_signing_key"
    assert "roll_set_signing_key" in web["secrets"]
    assert web["environment"]["SECRET_KEY_FILE"]  # web keeps the environment every app has
    for name in APP_SERVICES:
        if name != "web":  # workers, beat and Flower never publish: they never hold the key
            assert "ROLL_SET_SIGNING_KEY_FILE" not in SERVICES[name]["environment"], name
            assert "roll_set_signing_key" not in SERVICES[name]["secrets"], name


def test_the_secrets_generator_keeps_existing_secrets(tmp_path):
    write_secrets(tmp_path)
    before = {path.name: path.read_text() for path in tmp_path.iterdir()}
    (tmp_path / "database_url").unlink()
    assert write_secrets(tmp_path) == ["database_url"]
    after = {path.name: path.read_text() for path in tmp_path.iterdir()}
    assert after == before, "a second run must not change a password the services already use"


def test_every_service_has_a_healthcheck():
    for name, service in SERVICES.items():
        if name == "migrate":
            continue  # a one-shot job: web and worker wait for it to complete instead
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_healthchecks_use_commands_the_image_has():
    assert SERVICES["web"]["healthcheck"]["test"][1:] == [
        "python", "-m", "config.health", "http", "http://127.0.0.1:8000/healthz",
    ]  # fmt: skip
    assert SERVICES["beat"]["healthcheck"]["test"][1:] == ["python", "-m", "config.health", "beat"]
    flower = SERVICES["flower"]["healthcheck"]["test"]
    assert flower[1:5] == ["python", "-m", "config.health", "http"]
    assert flower[5].startswith("http://127.0.0.1:5555/")
    # The worker pings its own node name: the one its command gives it.
    worker = SERVICES["worker"]
    node = worker["command"].split(" -n ")[1].split()[0]
    assert node == "worker@%h"
    assert "inspect ping -d worker@$$HOSTNAME" in worker["healthcheck"]["test"][1]


def test_ports_are_published_on_the_loopback_only():
    for name, service in SERVICES.items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} to the network"
    assert "--conf=config/flowerconfig.py" in SERVICES["flower"]["command"]


def test_worker_consumes_every_queue_and_processes_use_the_celery_app():
    worker = SERVICES["worker"]["command"]
    assert worker.startswith("celery -A config worker")
    queues = worker.split("-Q ")[1].split()[0].split(",")
    assert sorted(queues) == sorted(all_queue_names(""))
    assert SERVICES["beat"]["command"].startswith("celery -A config beat")


def test_dockerfile_installs_the_production_lock_and_the_pdf_libraries():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements.prod.lock" in dockerfile
    assert "requirements.lock" not in dockerfile.replace("requirements.prod.lock", "")
    assert "libharfbuzz-subset0" in dockerfile and "fonts-noto-cjk" in dockerfile


@pytest.fixture(scope="module")
def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_production_lock_has_no_test_tools_and_the_serving_libraries(pyproject):
    production = _lock_pins("requirements.prod.lock")
    dev_extra = {_package(req) for req in pyproject["optional-dependencies"]["dev"]}
    assert set(TEST_TOOLS) <= dev_extra
    assert not dev_extra & production.keys(), "the image would install dev tools"
    for requirement in pyproject["dependencies"]:
        assert _package(requirement) in production, f"{requirement} missing from the prod lock"
    assert {"gunicorn", "whitenoise", "django-axes"} <= production.keys()


def test_production_lock_pins_the_versions_the_tests_run():
    full = _lock_pins("requirements.lock")
    production = _lock_pins("requirements.prod.lock")
    assert {name: full.get(name) for name in production} == production
    for name, pins in (("requirements.lock", full), ("requirements.prod.lock", production)):
        assert (ROOT / name).read_text().count("--hash=sha256:") >= len(pins), name
    makefile = (ROOT / "Makefile").read_text()
    lock_recipe = makefile.split("\nlock: ")[1].split("\n\n")[0]
    assert "-o requirements.lock" in lock_recipe and "--extra dev" in lock_recipe
    assert "-c requirements.lock -o requirements.prod.lock" in lock_recipe


def test_install_puts_the_locked_pip_in_place_before_the_locked_packages(tmp_path):
    # The pip a new virtualenv brings (23.2) resolves weasyprint's fonttools[woff] to the
    # newest release instead of the locked pin and refuses it in --require-hashes mode; the
    # recipe first installs the lock's own pip, with its hashes. Runs the recipe's commands
    # as make prints them, up to the two installs.
    venv = tmp_path / "venv"
    printed = subprocess.run(
        ["make", "--always-make", "--dry-run", f"VENV={venv}", f"{venv}/.installed"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.replace("\\\n", " ")
    commands = printed.splitlines()
    installs = [line for line in commands if " -m pip install " in line]
    assert [line.split(" -r ")[-1] for line in installs] == [
        f"{venv}/pip.lock",
        "requirements.lock",
    ]
    assert "--no-deps" in installs[0] and "--require-hashes" in installs[0]
    venv.mkdir()
    writes_pip_lock = [line for line in commands if line.endswith(f"> {venv}/pip.lock")]
    assert len(writes_pip_lock) == 1
    subprocess.run(["bash", "-c", writes_pip_lock[0]], cwd=ROOT, check=True)
    lines = (venv / "pip.lock").read_text().splitlines()
    assert lines[0] == f"pip=={_lock_pins('requirements.lock')['pip']} \\"
    assert len(lines) >= 2
    assert all(line.strip().startswith("--hash=sha256:") for line in lines[1:])
    assert not lines[-1].endswith("\\"), "the last hash must end the requirement"


def test_make_run_starts_web_worker_and_beat_together_through_honcho():
    procfile = dict(
        line.split(": ", 1)
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert set(procfile) == {"web", "worker", "beat", "login"}
    # Each under config.devproc (a process group of its own: Ctrl-C stops it cleanly).
    wrapper = "exec $PY -m config.devproc "
    assert all(command.startswith(wrapper) for command in procfile.values()), procfile
    commands = {name: command.removeprefix(wrapper) for name, command in procfile.items()}
    assert "manage.py runserver" in commands["web"]
    assert (
        commands["worker"].startswith("$CELERY -A config worker") and "-Q" not in commands["worker"]
    )
    assert commands["beat"].startswith("$CELERY -A config beat")
    # The login comes last, once the others answer (tests/config/test_make_run.py).
    assert commands["login"].startswith("$PY manage.py announce_login $CONSOLE_URL")
    makefile = (ROOT / "Makefile").read_text()
    # honcho, through config.devrun (which gives the worker time for a warm shutdown).
    assert "-m config.devrun start -f Procfile" in makefile.split("\nrun: demo")[1].split("\n\n")[0]
    assert "CONSOLE_URL=http://$(HOST):$(PORT)/admin/" in makefile
