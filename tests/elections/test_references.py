"""One election reference, one meaning: its slug, or ``id:N``, the same through the CLI, the
Find-a-voter page and schedules; anything else is refused naming what it could have meant."""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from elections.models import RegisterImport
from elections.references import UnknownElection, election_resolve
from rolls.services.schedules import (
    ScheduleRefused,
    schedule_describe,
    schedule_kwargs_validate,
)
from rolls.strategies import DEFAULT_STRATEGY
from tests.elections.registers import csv_bytes
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters
from tests.support.users import STAFF, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


@pytest.fixture
def staff_client(client):
    client.force_login(make_user("clerk", STAFF))
    return client


@pytest.fixture
def look_alikes():
    """An election *named* delta-2026 (slug omega) that sorts first by polling date, and the
    election whose *slug* is delta-2026."""
    named = ElectionFactory(name="delta-2026", slug="omega", polling_date=datetime.date(2027, 5, 1))
    slugged = ElectionFactory(
        name="Delta municipal", slug="delta-2026", polling_date=datetime.date(2026, 3, 1)
    )
    return named, slugged


def test_a_slug_names_its_election_even_when_another_is_named_so(look_alikes):
    named, slugged = look_alikes
    assert election_resolve("delta-2026") == slugged
    assert election_resolve(f"id:{named.pk}") == named


@pytest.mark.parametrize(
    ("reference", "candidate"),
    [
        ("Delta municipal", "the election named 'Delta municipal' (slug delta-2026)"),
        ("OMEGA", "the election with slug 'omega' (delta-2026)"),
    ],
)
def test_a_name_or_a_slug_in_another_case_is_refused_naming_the_candidate(
    look_alikes, reference, candidate
):
    with pytest.raises(UnknownElection) as refused:
        election_resolve(reference)
    assert f"No election with slug {reference!r}; did you mean {candidate}?" == str(refused.value)


def test_a_bare_id_is_refused_and_the_explicit_form_offered(look_alikes):
    named, _ = look_alikes
    with pytest.raises(UnknownElection, match=f"written id:{named.pk} \\(slug omega"):
        election_resolve(str(named.pk))


@pytest.mark.parametrize(
    "reference", ["", "id:", "id:²", "id:-1", "id:99999999999999999999", "a\x00b", 1, ["omega"]]
)
def test_malformed_references_are_refused_with_a_message(look_alikes, reference):
    with pytest.raises(UnknownElection):
        election_resolve(reference)


def test_import_register_imports_into_the_election_whose_slug_was_typed(look_alikes, tmp_path):
    """On main the import went to the election *named* delta-2026, which sorted first."""
    named, _ = look_alikes
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes([["0001", "Martin", "Paul", "C1", "North"]]))
    out = StringIO()

    call_command("import_register", str(path), "--election", "delta-2026", "--dry-run", stdout=out)

    assert "into delta-2026 (Delta municipal)" in out.getvalue()
    assert not RegisterImport.objects.filter(election=named).exists()


def test_import_register_refuses_a_name_and_names_the_candidate(look_alikes, tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes([["0001", "Martin", "Paul", "C1", "North"]]))
    with pytest.raises(CommandError, match="did you mean the election named 'Delta municipal'"):
        call_command("import_register", str(path), "--election", "Delta municipal", "--dry-run")
    assert not RegisterImport.objects.exists()


@pytest.mark.parametrize("command", ["find_voter", "queue_task", "import_register"])
def test_a_superscript_digit_as_election_is_a_command_error(command, tmp_path):
    ElectionFactory(slug="one")
    first = {"find_voter": "Martin", "queue_task": DEFAULT_STRATEGY}.get(command, str(tmp_path))
    with pytest.raises(CommandError, match="No election with slug '²'"):
        call_command(command, first, "--election", "²")


def test_a_schedule_with_a_bare_id_is_refused_not_taken_as_a_slug(look_alikes):
    """On main ``{"election": 1}`` passed the validator when an election had the slug "1"."""
    named, _ = look_alikes
    ElectionFactory(slug=str(named.pk), name="Slug that looks like an id")
    with pytest.raises(ScheduleRefused, match="a string"):
        schedule_kwargs_validate({"election": named.pk, "strategy": DEFAULT_STRATEGY})
    schedule_kwargs_validate({"election": f"id:{named.pk}", "strategy": DEFAULT_STRATEGY})


def test_the_schedule_list_describes_the_election_the_task_will_run_for(look_alikes):
    task = PeriodicTask.objects.create(
        name="by hand",
        task="rolls.tasks.start_scheduled_run",
        interval=IntervalSchedule.objects.create(every=5, period=IntervalSchedule.MINUTES),
        kwargs=json.dumps({"election": "delta-2026", "strategy": DEFAULT_STRATEGY}),
    )
    assert schedule_describe(task).startswith("delta-2026 (Delta municipal): every 5 minutes")

    PeriodicTask.objects.filter(pk=task.pk).update(kwargs='{"election": 1}')
    task.refresh_from_db()
    assert schedule_describe(task).startswith("runs for no election: An election is named by")


def test_find_a_voter_searches_the_election_whose_slug_is_given(look_alikes, staff_client):
    named, slugged = look_alikes
    for election, school in ((named, "Named School"), (slugged, "Slugged School")):
        center = PollingCenterFactory(election=election, code="C1", name=school)
        register_voters(center, [("Martin", "Ann")])
    url = reverse("admin:elections_voter_find")

    page = staff_client.get(url, {"q": "Martin Ann"}).content.decode()
    assert "Slugged" in page and "Named" in page  # both, when no election is given
    page = staff_client.get(url, {"q": "Martin Ann", "election": "delta-2026"}).content.decode()
    assert "Slugged" in page and "Named" not in page

    refused = staff_client.get(url, {"q": "Martin Ann", "election": "Delta municipal"})
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "did you mean the election named" in page
    # Not every election instead of the one asked for: nothing is searched.
    assert "Slugged" not in page and "Named" not in page
    assert 'value="Martin Ann"' in page  # what was typed stays in the box
