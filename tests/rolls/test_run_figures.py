"""Figures that say what happened: a changed-only run's speed counts the pages it rendered
(its carried-over files are shown apart), it is never compared as if it rendered the whole
set, and every page that names a run names its mode and centers."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from elections.models import Voter
from lab.comparison import election_comparison
from rolls.admin.run_page import run_page_context
from rolls.models import RollFile, Run, RunStatus
from rolls.selectors.run_figures import run_metrics
from rolls.selectors.run_records import run_scope
from rolls.services.publication import run_publish
from rolls.strategies import DEFAULT_STRATEGY, canvases
from tests.support.builders import build_election
from tests.support.runs import full_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def election(private_media):
    return build_election()


@pytest.fixture
def official(election) -> Run:
    run = full_run(election)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run_publish(run_id=run.pk, published_by="admin:chief")


@pytest.fixture
def changed_only(election, official, django_capture_on_commit_callbacks) -> Run:
    """A changed-only run after one voter of center A was renamed: A is rendered again,
    every other center carried over from the official set."""
    voter = Voter.objects.filter(registrations__center__code="A").order_by("pk").first()
    Voter.objects.filter(pk=voter.pk).update(family_name="Renamed")
    run = full_run(election, changed_only=True, callbacks=django_capture_on_commit_callbacks)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def pages_of(run: Run, *, carried: bool) -> int:
    files = RollFile.objects.filter(run=run, source_run__isnull=not carried)
    return sum(files.values_list("pages", flat=True))


def test_a_changed_only_runs_pages_per_second_counts_the_pages_it_rendered(changed_only):
    rendered, carried = pages_of(changed_only, carried=False), pages_of(changed_only, carried=True)
    assert rendered and carried and changed_only.pages == rendered + carried

    metrics = run_metrics(changed_only)

    assert (metrics.pages, metrics.pages_carried, metrics.pages_rendered) == (
        rendered + carried,
        carried,
        rendered,
    )
    assert metrics.pages_per_second == pytest.approx(rendered / metrics.wall_seconds)


def test_a_full_runs_pages_per_second_still_counts_every_page(official):
    metrics = run_metrics(official)

    assert metrics.pages_carried == 0 and metrics.pages_rendered == official.pages
    assert metrics.pages_per_second == pytest.approx(official.pages / metrics.wall_seconds)


def test_the_run_page_shows_rendered_and_carried_over_pages_apart(staff_client, changed_only):
    rendered, carried = pages_of(changed_only, carried=False), pages_of(changed_only, carried=True)
    expected = f"rendered {rendered} pages, carried over {carried}"

    context = run_page_context(changed_only)
    page = staff_client.get(reverse("admin:rolls_run_change", args=[changed_only.pk]))

    assert context["metrics"]["pages"] == expected
    assert context["progress"]["summary"].endswith(expected)
    html = page.content.decode()
    assert re.search(r'id="run-pages">\s*' + re.escape(expected), html)
    assert "changed-only · rendered center A, " in html


def test_a_changed_only_run_is_compared_apart_from_runs_that_rendered_the_set(
    election, official, changed_only
):
    comparison = election_comparison(election)

    assert comparison.reference == official
    apart = dict(comparison.apart)
    carried = pages_of(changed_only, carried=True)
    assert (
        f"rendered: changed centers only: {changed_only.pages - carried} pages, "
        f"{carried} carried over (compared: the whole set)"
    ) in apart[changed_only]
    assert all(changed_only not in result.runs for result in comparison.results)


def test_the_scope_names_the_mode_and_the_centers(election, official, changed_only):
    center_b = election.centers.get(code="B")
    carried = election.centers.count() - 1

    assert run_scope(official) == "whole election"
    assert run_scope(changed_only) == f"changed-only · rendered center A, {carried} carried over"
    official.center_ids = [center_b.pk]
    assert run_scope(official) == "center B"
    official.center_ids = list(election.centers.values_list("pk", flat=True))
    assert run_scope(official).startswith("centers A, B")


def test_the_run_list_names_a_changed_only_run(staff_client, changed_only):
    page = staff_client.get(reverse("admin:rolls_run_changelist")).content.decode()

    assert "changed-only · rendered center A" in page
    assert "whole election" in page  # the official run beside it


@pytest.fixture
def launched(monkeypatch) -> list[int]:
    sent: list[int] = []
    monkeypatch.setattr(canvases, "strategy_launch", lambda run: sent.append(run.pk))
    return sent


def queued_message(response) -> str:
    (message,) = [str(m) for m in response.context["messages"] if "queued" in str(m)]
    return message


def test_the_queued_message_says_changed_only(staff_client, election, official, launched):
    response = staff_client.post(
        reverse("admin:elections_election_changelist"),
        {
            "action": "generate_rolls",
            "_selected_action": [election.pk],
            "post": "yes",
            "strategy": "assign_in_database_then_balanced_batches",
            "mode": "balanced",
            "purpose": "final",
            "changed_only": "on",
        },
        follow=True,
    )

    run = Run.objects.get(changed_only=True)
    assert f">{run.pk}</a> queued: assign_in_database_then_balanced_batches on " in (
        queued_message(response)
    )
    assert f"{election.name}, changed-only · whole election (balanced assignment)." in (
        queued_message(response)
    )


def test_the_queued_message_names_the_chosen_centers(staff_client, election, launched):
    center_b = election.centers.get(code="B")
    response = staff_client.post(
        reverse("admin:elections_pollingcenter_changelist"),
        {
            "action": "generate_rolls_for_centers",
            "_selected_action": [center_b.pk],
            "post": "yes",
            "strategy": DEFAULT_STRATEGY,
            "mode": "balanced",
            "purpose": "final",
        },
        follow=True,
    )

    assert f"on {election.name}, center B (balanced assignment)." in queued_message(response)
