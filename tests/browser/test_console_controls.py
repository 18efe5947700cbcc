"""The console's main controls clicked as staff click them, in a real browser (Debian's
headless Chromium through Playwright), for each role: election staff, an observer, and a
staff account without a role. Each click is checked by its effect in the database; a role
without the right does not get the control.

The run page's Publish and Reprint: test_run_page_controls.py. A whole run with a worker,
the comparison and the run list's publish action: test_console.py. Upload and confirm of a
register: test_register_import.py.
"""

from __future__ import annotations

import re

import pytest
from django_celery_beat.models import PeriodicTask

from elections.models import Voter
from lab.models import Benchmark
from rolls.models import Run, RunStatus, Station
from rolls.services.publication import run_publish
from rolls.strategies import DEFAULT_STRATEGY
from tests.browser.console_pages import PASSWORD, logged_in_page
from tests.support.builders import build_election
from tests.support.runs import make_finished_run
from tests.support.users import OBSERVER, STAFF, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_media"),
]

ELECTIONS = "/admin/elections/election/"


@pytest.fixture(autouse=True)
def allow_database_access_beside_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in this thread (see test_console.py)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def official():
    """An election whose official roll set is a complete run (sample PDFs)."""
    election = build_election("Municipal election 2026", time_zone="Europe/Paris")
    run = make_finished_run(election)
    return run_publish(run_id=run.pk, published_by="admin:someone")


@pytest.fixture
def staff_page(browser, live_server):
    def open_at(address: str):
        user = make_user("maria", STAFF, password=PASSWORD)
        return logged_in_page(browser, live_server, user, address)

    return open_at


def choose_action(page, election_id: int, action: str) -> None:
    """Runs a list action and returns once its form's page has loaded: a test that reads the
    form's boxes without waiting (``locator.all()`` does not wait) would read the list page."""
    page.check(f'input[name="_selected_action"][value="{election_id}"]')
    page.select_option('select[name="action"]', action)
    with page.expect_navigation():
        page.click('button[name="index"]')


def test_staff_generate_rolls_from_the_elections_list(staff_page, live_server, official, workers):
    """``workers`` gives the test queues of its own: the run stays queued, nobody takes it."""
    from playwright.sync_api import expect

    election = official.election
    page = staff_page(ELECTIONS)
    choose_action(page, election.pk, "generate_rolls")
    page.check(f'input[name="strategy"][value="{DEFAULT_STRATEGY}"]')
    page.check('input[name="mode"][value="balanced"]')
    page.check('input[name="purpose"][value="final"]')
    page.click("#generate-rolls-form input[type=submit]")

    page.wait_for_url(re.compile(r"/admin/rolls/run/\d+/change/$"))
    run = Run.objects.exclude(pk=official.pk).get(election=election)
    expect(page.locator(".messagelist")).to_contain_text(f"Run {run.pk} queued")
    assert (run.strategy, run.assignment_mode, run.started_by) == (
        DEFAULT_STRATEGY,
        "balanced",
        "admin:maria",
    )
    assert run.status == RunStatus.QUEUED
    assert run.purpose == "final"


def test_staff_generate_rolls_for_one_center_from_the_centers_list(staff_page, official, workers):
    from playwright.sync_api import expect

    center = official.election.centers.get(code="B")
    page = staff_page("/admin/elections/pollingcenter/")
    page.check(f'input[name="_selected_action"][value="{center.pk}"]')
    page.select_option('select[name="action"]', "generate_rolls_for_centers")
    page.click('button[name="index"]')
    page.check(f'input[name="strategy"][value="{DEFAULT_STRATEGY}"]')
    page.check('input[name="purpose"][value="final"]')
    page.click("#generate-rolls-form input[type=submit]")

    page.wait_for_url(re.compile(r"/admin/rolls/run/\d+/change/$"))
    run = Run.objects.exclude(pk=official.pk).get(election=official.election)
    expect(page.locator(".messagelist")).to_contain_text(f"Run {run.pk} queued")
    assert run.center_ids == [center.pk] and run.started_by == "admin:maria"
    assert run.purpose == "final"


def test_staff_start_a_benchmark_from_the_elections_list(staff_page, official, workers):
    from playwright.sync_api import expect

    pair = ["all_in_one", DEFAULT_STRATEGY]
    page = staff_page(ELECTIONS)
    choose_action(page, official.election_id, "benchmark_strategies")
    page.wait_for_selector("#benchmark-form")
    for box in page.locator('#benchmark-strategies input[name="strategies"]').all():
        box.set_checked(box.get_attribute("value") in pair)
    page.fill('input[name="repeats"]', "2")
    page.click("#benchmark-form input[type=submit]")

    page.wait_for_url(re.compile(r"/admin/lab/benchmark/\d+/"))
    benchmark = Benchmark.objects.get(election=official.election)
    expect(page.locator("h1")).to_contain_text(f"Benchmark {benchmark.pk}")
    assert sorted(benchmark.strategies) == sorted(pair)
    assert (benchmark.repeats, benchmark.started_by) == (2, "admin:maria")


def test_staff_schedule_nightly_rolls_from_the_elections_list(staff_page, official):
    from playwright.sync_api import expect

    election = official.election
    page = staff_page(ELECTIONS)
    choose_action(page, election.pk, "schedule_roll_generation")
    page.check('input[name="preset"][value="nightly"]')
    page.fill('input[name="at"]', "02:30")
    page.check(f'input[name="strategy"][value="{DEFAULT_STRATEGY}"]')
    page.click("#schedule-rolls-form input[type=submit]")

    expect(page.locator(".messagelist")).to_contain_text("every night at 02:30 (Europe/Paris)")
    task = PeriodicTask.objects.get(name=f"Generate rolls: {election.slug}")
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == (
        "2",
        "30",
        "Europe/Paris",
    )
    assert task.enabled

    # The saved schedule, switched off from its own page and saved.
    page.goto(
        page.url.split("/admin/")[0] + f"/admin/django_celery_beat/periodictask/{task.pk}/change/"
    )
    page.uncheck('input[name="enabled"]')
    page.click('input[name="_save"]')
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    task.refresh_from_db()
    assert not task.enabled


def test_staff_find_a_voter_by_number_and_see_the_station(staff_page, official):
    from playwright.sync_api import expect

    station = Station.objects.filter(run=official, center__code="B", number=2).get()
    voter = Voter.objects.get(placements__station=station, placements__position=3)
    page = staff_page("/admin/elections/voter/")
    page.click("#find-voter")
    page.fill("#find-q", voter.voter_number)
    page.click('#find-voter-form input[type="submit"]')

    answers = page.locator("#voter-answers tbody tr")
    expect(answers).to_have_count(1)
    expect(answers.locator("td.station")).to_have_text("2")
    expect(answers.locator("td.row")).to_have_text("3")
    expect(answers).to_contain_text(f"run {official.pk}")


def test_staff_browse_a_runs_task_results_down_to_a_traceback(staff_page, official):
    from playwright.sync_api import expect

    page = staff_page(f"/admin/rolls/run/{official.pk}/change/")
    page.click(".object-tools >> text=Task results")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(official.tasks.count())
    page.locator("#result_list tbody tr", has_text="render_station").filter(
        has_text="FAILURE"
    ).locator("th a, td a").first.click()
    expect(page.locator("pre.rolls-traceback-text")).to_contain_text("ValueError: <disk full>")


def test_an_observer_gets_none_of_the_staff_controls(browser, live_server, official):
    from playwright.sync_api import expect

    observer = make_user("olga", OBSERVER, password=PASSWORD)
    page = logged_in_page(browser, live_server, observer, ELECTIONS)
    expect(page.locator("#result_list")).to_contain_text("Municipal election 2026")
    # No action at all: generating, scheduling and benchmarking are staff work.
    expect(page.locator('select[name="action"]')).to_have_count(0)
    page.goto(f"{live_server.url}{ELECTIONS}{official.election_id}/change/")
    expect(page.locator("#import-register")).to_have_count(0)
    for address in ["/admin/elections/voter/find/?q=x", "/admin/django_celery_beat/periodictask/"]:
        assert page.goto(live_server.url + address).status == 403, address
    # Results are theirs to browse.
    page.goto(f"{live_server.url}/admin/rolls/run/{official.pk}/change/")
    page.click(".object-tools >> text=Task results")
    expect(page.locator("#result_list tbody tr")).to_have_count(official.tasks.count())


def test_staff_without_a_role_are_refused_every_console_page(browser, live_server, official):
    from playwright.sync_api import expect

    nobody = make_user("nils", password=PASSWORD)
    page = logged_in_page(browser, live_server, nobody, "/admin/")
    expect(page.locator("#content-main")).to_contain_text("permission to view or edit anything")
    for address in [
        ELECTIONS,
        f"/admin/rolls/run/{official.pk}/change/",
        "/admin/elections/voter/find/?q=x",
        "/admin/django_celery_results/taskresult/",
        "/admin/django_celery_beat/periodictask/",
    ]:
        assert page.goto(live_server.url + address).status == 403, address
