"""The console in a real browser (Debian's headless Chromium, driven by Playwright): Election
staff generate the rolls of an election, watch the run to the end, compare strategies and
download a station's PDF. A real worker process does the work.

Also writes the screenshots shown in the docs (docs/screenshots/*.png).
"""

from __future__ import annotations

import io
import os
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from faker import Faker
from pypdf import PdfReader

from lab.models import Benchmark, BenchmarkStatus
from rolls.launch import run_start
from rolls.management.commands._common import wait_for
from rolls.models import Run, RunStatus, RunTask, TaskState
from rolls.strategies import DEFAULT_STRATEGY
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters
from tests.support.browser import PASSWORD, staff_page
from tests.support.builders import build_election
from tests.support.runs import make_finished_run, no_launch
from tests.support.users import STAFF, make_user


@pytest.fixture(autouse=True)
def allow_database_access_beside_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in this thread; Django would otherwise
    refuse database access from it (SynchronousOnlyOperation). Scoped to this module's
    tests so it never leaks into other tests or their subprocesses."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# Screenshots go under var/ on every run; `make screenshots` (UPDATE_SCREENSHOTS=1) writes
# the docs' copies in docs/screenshots/, so a test run never dirties tracked files.
SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("UPDATE_SCREENSHOTS") == "1"
    else Path(settings.VAR_DIR) / "screenshots"
)
RUN_TIMEOUT_MS = 180_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.embedded_only,
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def election():
    """A small election: three centers, 300 voters, at most 50 voters a station."""
    fake = Faker("en_US")
    fake.seed_instance(2026)
    election = ElectionFactory(
        name="Municipal election 2026",
        slug="municipal-2026",
        max_voters_per_station=50,
        time_zone="Europe/Paris",
    )
    for code, name, size in [
        ("C001", "Jules Ferry Primary School", 120),
        ("C002", "Town Hall, Salle des fêtes", 95),
        ("C003", "Marie Curie Gymnasium", 85),
    ]:
        center = PollingCenterFactory(election=election, code=code, name=name)
        register_voters(center, [(fake.last_name(), fake.first_name()) for _ in range(size)])
    return election


def finished_run(election, strategy: str) -> Run:
    run = run_start(election_id=election.pk, strategy=strategy, started_by="cli")
    run = wait_for(run, timeout=RUN_TIMEOUT_MS / 1000, drained=True)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def own_worker(workers):
    """A real worker on the test database and on this test's own queues, stopped when the
    test ends."""
    return workers.start(concurrency=2, node="browser")


def test_election_staff_generate_watch_compare_and_download_in_a_browser(
    browser, live_server, own_worker, election
):
    from playwright.sync_api import expect

    # Earlier runs of two other strategies, so the comparison has something to compare.
    for strategy in ["all_in_one", "queue_tasks_by_center_with_chord"]:
        finished_run(election, strategy)
    make_user("maria", STAFF, password=PASSWORD)
    page = browser.new_page(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page.set_default_timeout(30_000)

    # Log in.
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "maria")
    shoot(page, "login")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_contain_text("Election operations console")

    # Elections -> select the election -> action "Generate rolls".
    page.goto(f"{live_server.url}/admin/elections/election/")
    page.check(f'input[name="_selected_action"][value="{election.pk}"]')
    page.select_option('select[name="action"]', "generate_rolls")
    page.click('button[name="index"]')

    # The confirmation page: what will be generated, strategies explained, ours preselected.
    expect(page.locator("#run-plan")).to_contain_text("Municipal election 2026")
    expect(page.locator("#run-plan")).to_contain_text("300")
    expect(page.locator(f'input[name="strategy"][value="{DEFAULT_STRATEGY}"]')).to_be_checked()
    shoot(page, "generate-rolls")
    page.check(f'input[name="strategy"][value="{DEFAULT_STRATEGY}"]')
    page.check('input[name="mode"][value="balanced"]')
    # What the rolls are for is printed on every page: nothing is preselected.
    expect(page.locator('input[name="purpose"]:checked')).to_have_count(0)
    page.check('input[name="purpose"][value="final"]')
    page.click("#generate-rolls-form input[type=submit]")

    # The run's page: progress updates live until 100%, then the page shows the timeline.
    page.wait_for_url(re.compile(r"/admin/rolls/run/\d+/change/$"))
    run_id = int(re.search(r"/run/(\d+)/", page.url).group(1))
    expect(page.locator(".messagelist")).to_contain_text(f"Run {run_id} queued")
    expect(page.locator('#run-progress [data-field="summary"]')).to_contain_text(
        "100%", timeout=RUN_TIMEOUT_MS
    )
    expect(page.locator('#run-progress [data-field="status"]')).to_have_text(
        "Succeeded", timeout=RUN_TIMEOUT_MS
    )
    page.wait_for_selector("svg.rolls-timeline", timeout=60_000)
    expect(page.locator("#run-progress")).to_have_attribute("data-active", "false")
    # 7 stations: a roll and a door sign each, and a list for each of the 3 centers.
    expect(page.locator("#roll-files a.roll-download")).to_have_count(7 * 2 + 3)
    run = Run.objects.get(pk=run_id)
    assert (run.status, run.strategy, run.started_by) == (
        "succeeded",
        DEFAULT_STRATEGY,
        "admin:maria",
    )
    shoot(page, "run-page")

    # Download one station's roll.
    with page.expect_download() as download_info:
        page.locator("#roll-files tr", has_text="Station roll").locator(
            "a.roll-download"
        ).first.click()
    download = download_info.value
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert download.suggested_filename.endswith("C001-station-001.pdf")
    reader = PdfReader(io.BytesIO(pdf))
    assert (
        len(reader.pages) == run.roll_files.rolls().get(center__code="C001", station_number=1).pages
    )

    # The comparison of strategies on this election.
    page.click("text=Compare strategies")
    expect(page.locator("h1")).to_contain_text("Compare strategies")
    expect(page.locator("#comparison")).to_contain_text(f"Run {run_id}")
    expect(page.locator("#comparison-charts svg")).to_have_count(2)
    shoot(page, "comparison")

    # The run list links each run to its task results.
    page.goto(f"{live_server.url}/admin/rolls/run/")
    expect(page.locator("#result_list")).to_contain_text(f"Run {run_id}")
    shoot(page, "runs")
    page.locator(f'#result_list a[href$="?run={run_id}"]').click()
    expect(page.locator("#result_list tbody tr")).to_have_count(run.tasks.count())
    expect(page.locator("#result_list")).to_contain_text(f"Run {run_id}")

    # A nightly schedule at 02:00 in the election's time zone.
    page.goto(f"{live_server.url}/admin/elections/election/")
    page.check(f'input[name="_selected_action"][value="{election.pk}"]')
    page.select_option('select[name="action"]', "schedule_roll_generation")
    page.click('button[name="index"]')
    expect(page.locator("#schedule-targets")).to_contain_text("Europe/Paris")
    page.check('input[name="preset"][value="nightly"]')
    page.fill('input[name="at"]', "02:00")
    shoot(page, "schedule")
    page.click("#schedule-rolls-form input[type=submit]")
    expect(page.locator(".messagelist")).to_contain_text(
        "Generate rolls: municipal-2026 created: every night at 02:00 (Europe/Paris)"
    )

    # Publish an earlier run, then this one: the earlier set is superseded, this one official.
    earlier = Run.objects.filter(election=election, strategy="all_in_one").get()
    for target in (earlier.pk, run_id):
        page.goto(f"{live_server.url}/admin/rolls/run/")
        page.check(f'input[name="_selected_action"][value="{target}"]')
        page.select_option('select[name="action"]', "publish_runs")
        page.click('button[name="index"]')
        expect(page.locator(".messagelist")).to_contain_text(
            f"Run {target} is now the official roll set"
        )
    row = page.locator(f"#result_list tr:has(a[href$='/run/{run_id}/change/'])")
    expect(row.locator(".rolls-set-official")).to_have_text("Official")
    earlier_row = page.locator(f"#result_list tr:has(a[href$='/run/{earlier.pk}/change/'])")
    expect(earlier_row.locator(".rolls-set-superseded")).to_have_text("Superseded")
    shoot(page, "official-set")
    page.goto(f"{live_server.url}/admin/rolls/run/{earlier.pk}/change/")
    expect(page.locator(".field-superseded_label")).to_contain_text(f"run {run_id}")


def test_a_running_runs_task_table_and_details_follow_its_header_without_a_reload(
    browser, live_server, election
):
    from playwright.sync_api import expect

    run = run_start(
        election_id=election.pk, strategy=DEFAULT_STRATEGY, started_by="cli", launch=no_launch
    )
    Run.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, launch_pending_since=None)
    RunTask.objects.create(run=run, task_id="t-1", task_name="rolls.tasks.assign_election")
    page = staff_page(browser, live_server, 1280, f"/admin/rolls/run/{run.pk}/change/")
    expect(page.locator("#task-list")).to_contain_text("QUEUED")
    expect(page.locator(".field-started_label")).to_contain_text("—")

    started = run.queued_at + timedelta(seconds=1)
    RunTask.objects.filter(task_id="t-1").update(
        state=TaskState.STARTED, started_at=started, worker="w1@host", pid=42
    )
    Run.objects.filter(pk=run.pk).update(started_at=started)

    # No reload: the table, the details and the timeline follow the header.
    expect(page.locator("#task-list")).to_contain_text("STARTED", timeout=15_000)
    expect(page.locator("#task-list")).to_contain_text("w1@host")
    expect(page.locator(".field-started_label")).to_contain_text("(+1.0 s)")
    expect(page.locator("#run-timeline svg.rolls-timeline")).to_have_count(1)


# Elements past the right edge that no scrolling box of the page holds: cut off for good.
CUT_OFF = """(width) => [...document.querySelectorAll('#content *')].filter((e) => {
  if (e.getBoundingClientRect().right <= width + 1) return false;
  for (let p = e.parentElement; p; p = p.parentElement) {
    const style = getComputedStyle(p);
    const scrolls = ['auto', 'scroll'].includes(style.overflowX);
    if (scrolls && p.getBoundingClientRect().right <= width + 1) return false;
  }
  return true;
}).map((e) => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className).slice(0, 5)"""


def test_the_run_and_comparison_pages_stay_readable_at_820_pixels(browser, live_server):
    election = build_election("Municipal election with a rather long name 2026")
    run = make_finished_run(election)
    page = staff_page(browser, live_server, 820, "/admin/")

    for address in [
        f"/admin/rolls/run/{run.pk}/change/",
        f"/admin/lab/benchmark/compare/{election.pk}/",
    ]:
        page.goto(live_server.url + address)
        assert page.evaluate("document.documentElement.scrollWidth") <= 820, address
        assert page.evaluate(CUT_OFF, 820) == [], address
        # The content gets the width (the sidebar gives way), and the title is not covered.
        assert page.locator("#content").bounding_box()["width"] > 700, address
        title, tools = page.locator("#content h1").first, page.locator(".object-tools")
        assert title.bounding_box()["y"] + title.bounding_box()["height"] <= (
            tools.bounding_box()["y"] + 1
        ), address
        shoot(page, f"narrow-{address.strip('/').split('/')[3]}")


def test_a_two_by_two_benchmark_from_the_admin_and_its_comparison(
    browser, live_server, own_worker, election
):
    from playwright.sync_api import expect

    pair = ["all_in_one", "queue_tasks_by_center_with_chord"]
    page = staff_page(browser, live_server, 1440, "/admin/elections/election/")
    page.check(f'input[name="_selected_action"][value="{election.pk}"]')
    page.select_option('select[name="action"]', "benchmark_strategies")
    page.click('button[name="index"]')
    page.wait_for_selector("#benchmark-form")
    for box in page.locator('#benchmark-strategies input[name="strategies"]').all():
        box.set_checked(box.get_attribute("value") in pair)
    page.fill('input[name="repeats"]', "2")
    page.click("#benchmark-form input[type=submit]")

    page.wait_for_url(re.compile(r"/admin/lab/benchmark/\d+/"))
    benchmark = Benchmark.objects.get(election=election)
    deadline = time.monotonic() + RUN_TIMEOUT_MS / 1000
    while benchmark.status == BenchmarkStatus.RUNNING and time.monotonic() < deadline:
        time.sleep(0.5)
        benchmark.refresh_from_db()
    assert benchmark.status == BenchmarkStatus.FINISHED, benchmark.error
    runs = list(benchmark.runs)
    assert [run.strategy for run in runs] == pair * 2  # interleaved: A B A B

    page.reload()
    expect(page.locator("#benchmark-runs tbody tr")).to_have_count(4)
    for name in pair:
        expect(page.locator("#benchmark-summary")).to_contain_text(name)
    expect(page.locator("#ranking")).not_to_be_empty()
    expect(page.locator("#benchmark-charts svg").first).to_be_visible()
    page.click("text=Compare strategies on this election")
    expect(page.locator("h1")).to_contain_text("Compare strategies")
    for name in pair:
        expect(page.locator("#comparison")).to_contain_text(name)
