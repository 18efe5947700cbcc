"""Who may see and do what in the console: every page, endpoint and action, for anonymous
visitors, Observers, Election staff, and staff accounts without a role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django_celery_beat.models import PeriodicTask
from django_celery_results.models import TaskResult

from lab.models import Benchmark, BenchmarkRun
from rolls.models import Run
from rolls.strategies import DEFAULT_STRATEGY
from tests.support.runs import make_finished_run
from tests.support.users import OBSERVER, STAFF, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


@pytest.fixture
def run(election):
    run = make_finished_run(election)
    benchmark = Benchmark.objects.create(
        election=election,
        strategies=[run.strategy],
        repeats=1,
        plan=[run.strategy],
        next_position=1,
        status="finished",
        started_by="test",
    )
    BenchmarkRun.objects.create(benchmark=benchmark, position=0, run=run)
    return run


@pytest.fixture
def as_user(client):
    users = {}

    def log_in(kind: str):
        if kind == "anonymous":
            return client
        if kind not in users:
            groups = {"observer": [OBSERVER], "staff": [STAFF], "no_role": []}[kind]
            users[kind] = make_user(kind, *groups)
        client.force_login(users[kind])
        return client

    return log_in


def urls(run: Run) -> dict[str, str]:
    roll = run.roll_files.first()
    result = TaskResult.objects.filter(task_id__startswith=f"run{run.pk}-").first()
    return {
        "task result": reverse("admin:django_celery_results_taskresult_change", args=[result.pk]),
        "run list": reverse("admin:rolls_run_changelist"),
        "verify a page": reverse("admin:rolls_run_verify_page") + "?code=7KQ2M-XW4PD",
        "run page": reverse("admin:rolls_run_change", args=[run.pk]),
        "progress": reverse("admin:rolls_run_progress", args=[run.pk]),
        "comparison": reverse("admin:lab_benchmark_compare", args=[run.election_id]),
        "benchmarks": reverse("admin:lab_benchmark_changelist"),
        "benchmark page": reverse(
            "admin:lab_benchmark_change", args=[run.benchmark_entry.benchmark_id]
        ),
        "task results": reverse("admin:django_celery_results_taskresult_changelist"),
        "roll pdf": reverse("admin:rolls_run_roll_download", args=[run.pk, roll.pk]),
        "roll zip": reverse("admin:rolls_run_zip", args=[run.pk]),
        "center zip": reverse("admin:rolls_run_center_zip", args=[run.pk, roll.center_id]),
        "manifest": reverse("admin:rolls_run_manifest", args=[run.pk, "json"]),
        "downloads": reverse("admin:rolls_download_changelist"),
        "elections": reverse("admin:elections_election_changelist"),
        "voters": reverse("admin:elections_voter_changelist"),
        "registrations": reverse("admin:elections_registration_changelist"),
        "stations": reverse("admin:rolls_station_changelist"),
        "centers": reverse("admin:elections_pollingcenter_changelist"),
        "schedules": reverse("admin:django_celery_beat_periodictask_changelist"),
    }


ALLOWED = {
    "observer": {
        "run list",
        "verify a page",
        "run page",
        "progress",
        "comparison",
        "benchmarks",
        "benchmark page",
        "task results",
        "task result",
        "elections",
    },
    "staff": {
        "run list",
        "verify a page",
        "run page",
        "progress",
        "comparison",
        "benchmarks",
        "benchmark page",
        "task results",
        "task result",
        "roll pdf",
        "roll zip",
        "center zip",
        "manifest",
        "downloads",
        "elections",
        "voters",
        "registrations",
        "stations",
        "centers",
        "schedules",
    },
    "no_role": set(),
}
PAGES = sorted(ALLOWED["staff"])


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(as_user, run, page):
    response = as_user("anonymous").get(urls(run)[page])

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert not response.content.startswith(b"%PDF")


@pytest.mark.parametrize("page", PAGES)
def test_a_logged_in_user_who_is_not_staff_is_sent_to_the_login_page(client, run, page):
    client.force_login(make_user("visitor", STAFF, staff=False))

    response = client.get(urls(run)[page])

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("kind", ["observer", "staff", "no_role"])
@pytest.mark.parametrize("page", PAGES)
def test_each_role_gets_exactly_its_pages(as_user, run, kind, page):
    response = as_user(kind).get(urls(run)[page])

    expected = 200 if page in ALLOWED[kind] else 403
    assert response.status_code == expected, (kind, page)


def test_observer_cannot_download_a_roll(as_user, run):
    client = as_user("observer")
    response = client.get(urls(run)["roll pdf"])
    assert response.status_code == 403
    assert b"%PDF" not in response.content
    assert client.get(urls(run)["roll zip"]).status_code == 403


def test_observer_cannot_see_voters_registrations_or_stations(as_user, run):
    client = as_user("observer")
    for page in ["voters", "registrations", "stations"]:
        assert client.get(urls(run)[page]).status_code == 403, page


def test_observer_sees_no_download_links_on_the_run_page(as_user, run):
    response = as_user("observer").get(urls(run)["run page"])

    assert response.status_code == 200
    assert b"roll-download" not in response.content
    assert b"download-zip" not in response.content
    assert "Can download voter roll PDFs" in response.content.decode()


def test_election_staff_get_download_links_on_the_run_page(as_user, run):
    response = as_user("staff").get(urls(run)["run page"])

    assert urls(run)["roll pdf"].encode() in response.content
    assert urls(run)["roll zip"].encode() in response.content


def action_names(response) -> set[str]:
    form = response.context["action_form"]  # None when the user has no action at all
    return {name for name, _ in form.fields["action"].choices} if form else set()


def test_observer_does_not_see_the_generate_or_schedule_actions(as_user, election):
    response = as_user("observer").get(reverse("admin:elections_election_changelist"))

    assert response.status_code == 200
    assert not action_names(response) & {"generate_rolls", "schedule_roll_generation"}
    assert b"Generate rolls" not in response.content


def test_election_staff_see_the_generate_and_schedule_actions(as_user, election):
    response = as_user("staff").get(reverse("admin:elections_election_changelist"))

    assert {"generate_rolls", "schedule_roll_generation"} <= action_names(response)
    centers = as_user("staff").get(reverse("admin:elections_pollingcenter_changelist"))
    assert "generate_rolls_for_centers" in action_names(centers)


def test_observer_cannot_post_generate_rolls_even_by_hand(as_user, election):
    response = as_user("observer").post(
        reverse("admin:elections_election_changelist"),
        {
            "action": "generate_rolls",
            "_selected_action": [election.pk],
            "post": "yes",
            "strategy": DEFAULT_STRATEGY,
            "mode": "balanced",
            "purpose": "final",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert not Run.objects.exists()


def test_observer_cannot_post_a_schedule_even_by_hand(as_user, election):
    as_user("observer").post(
        reverse("admin:elections_election_changelist"),
        {
            "action": "schedule_roll_generation",
            "_selected_action": [election.pk],
            "post": "yes",
            "preset": "hourly",
            "strategy": DEFAULT_STRATEGY,
            "mode": "balanced",
            "purpose": "final",
        },
    )

    assert not PeriodicTask.objects.filter(name__startswith="Generate rolls").exists()


def test_staff_without_the_generate_permission_are_refused_by_the_action_itself(rf, election):
    """The action checks the permission itself, not only through Django hiding it."""
    from django.contrib import admin
    from django.core.exceptions import PermissionDenied

    from elections.models import Election
    from rolls.admin.actions import generate_rolls

    request = rf.post(
        "/", {"post": "yes", "strategy": DEFAULT_STRATEGY, "mode": "balanced", "purpose": "final"}
    )
    request.user = make_user("watcher", OBSERVER)
    with pytest.raises(PermissionDenied):
        generate_rolls(admin.site._registry[Election], request, Election.objects.all())
    assert not Run.objects.exists()


def test_only_superusers_may_delete_a_run(client, run):
    client.force_login(make_user("chief", STAFF))
    assert client.post(reverse("admin:rolls_run_delete", args=[run.pk])).status_code == 403

    client.force_login(make_user("root", superuser=True))
    response = client.post(reverse("admin:rolls_run_delete", args=[run.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Run.objects.filter(pk=run.pk).exists()


def test_nobody_adds_or_edits_a_run_in_the_admin(client, run):
    client.force_login(make_user("root", superuser=True))

    assert client.get(reverse("admin:rolls_run_add")).status_code == 403
    page = client.get(reverse("admin:rolls_run_change", args=[run.pk]))
    assert page.context["has_change_permission"] is False
    client.post(reverse("admin:rolls_run_change", args=[run.pk]), {"strategy": "x"})
    run.refresh_from_db()
    assert run.strategy == "all_in_one"


def test_roles_migration_gives_each_group_its_permissions():
    """Checks the groups as the migration left them in the test database (pytest-django runs
    these tests before any transactional test empties the tables)."""

    def codes(name):
        return {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=name).permissions.select_related("content_type")
        }

    staff, observer = codes(STAFF), codes(OBSERVER)
    assert {
        "rolls.generate_rolls",
        "rolls.schedule_rolls",
        "rolls.download_rolls",
        "django_celery_beat.change_periodictask",
        "elections.view_voter",
        "elections.view_registration",
        "rolls.view_station",
    } <= staff
    assert {"rolls.view_run", "django_celery_results.view_taskresult"} <= observer
    forbidden = {
        "rolls.generate_rolls",
        "rolls.schedule_rolls",
        "rolls.download_rolls",
        "elections.view_voter",
        "elections.view_registration",
        "rolls.view_station",
    }
    assert not observer & forbidden
    assert not any(code.split(".")[1].startswith(("add_", "delete_")) for code in staff | observer)


@pytest.mark.parametrize("kind", ["anonymous", "observer", "no_role"])
def test_only_election_staff_may_publish(as_user, run, kind):
    response = as_user(kind).post(reverse("admin:rolls_run_publish", args=[run.pk]))

    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response.url.startswith(reverse("admin:login"))
    run.refresh_from_db()
    assert not run.is_published
