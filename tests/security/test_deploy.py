"""Production settings pass Django's deployment checklist, and voter names stay out of logs."""

import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from lab import tasks as lab_tasks
from rolls.launch import run_start
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "console.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://console.example.org",
}


def test_check_deploy_is_clean_with_the_documented_production_environment(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**env, **PRODUCTION_ENV, "VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    operators = (ROOT / "docs" / "operators.md").read_text()
    for name in PRODUCTION_ENV:
        assert name in operators, f"docs/operators.md does not document {name}"


@pytest.mark.django_db
def test_no_voter_name_reaches_the_logs_at_info_level(caplog):
    election = ElectionFactory(max_voters_per_station=10)
    center = PollingCenterFactory(election=election)
    register_voters(center, [("Zyxwvutsrq", "Qwertyuiop"), ("Plokmijnub", "Asdfghjklz")])
    run = run_start(
        election_id=election.pk, strategy="all_in_one", started_by="t", launch=lambda run: None
    )
    with caplog.at_level(logging.INFO):
        lab_tasks.all_in_one.apply(args=(run.pk,)).get()
    run.refresh_from_db()
    assert run.status == "succeeded"
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "succeeded" in text  # the run was logged ...
    for name in ("Zyxwvutsrq", "Qwertyuiop", "Plokmijnub", "Asdfghjklz"):
        assert name not in text  # ... without a voter's name


@pytest.mark.django_db
def test_actions_are_refused_without_a_csrf_token():
    from django.contrib.admin import helpers
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from elections.models import Election

    election = ElectionFactory()
    user = get_user_model().objects.create_superuser("root", password="x" * 12)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(
        reverse("admin:elections_election_changelist"),
        {"action": "delete_selected", helpers.ACTION_CHECKBOX_NAME: [election.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert Election.objects.filter(pk=election.pk).exists()
    response = client.post(
        reverse("admin:elections_election_changelist"),
        {"action": "generate_rolls", helpers.ACTION_CHECKBOX_NAME: [election.pk]},
    )
    assert response.status_code == 403
