"""The console's pages: a run's page, its progress endpoint and downloads, the run list, the
strategy comparison, and task results linked to runs."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django_celery_results.models import TaskResult
from pypdf import PdfReader

from rolls.admin.charts import Bar, SpreadRow, nice_step, spread_chart_svg, timeline_svg
from rolls.launch import run_start
from rolls.models import RollFile, Run, RunStatus, RunTask, TaskState
from rolls.services.ledger import run_fail
from rolls.strategies import DEFAULT_STRATEGY, STRATEGIES
from tests.support.builders import build_election
from tests.support.runs import make_finished_run, no_launch, record_result
from tests.support.users import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


@pytest.fixture
def run(election):
    return make_finished_run(election)


def page_of(client, run: Run) -> str:
    response = client.get(reverse("admin:rolls_run_change", args=[run.pk]))
    assert response.status_code == 200
    return response.content.decode()


# --- a run's page ------------------------------------------------------------------------------


def test_run_page_shows_status_progress_and_figures(staff_client, run):
    page = page_of(staff_client, run)

    assert "rolls-status-succeeded" in page
    assert "4 / 4 stations · 100%" in page
    assert f"{run.pages} pages" in page
    assert '<progress max="100" value="100">' in page
    assert 'data-active="false"' in page
    for figure in ["Wall time", "Queued", "Task time", "Longest task", "Efficiency", "Pages / s"]:
        assert figure in page
    assert STRATEGIES["all_in_one"].lesson in page
    assert "rolls/run_progress.js" in page
    assert "<script>" not in page.split("</head>")[1], "no inline script in the body"


def test_run_page_lists_tasks_with_worker_runtime_state_and_the_traceback(staff_client, run):
    page = page_of(staff_client, run)

    tasks = page.split('id="task-list"')[1].split("</table>")[0]
    assert tasks.count("<tr") == 1 + 4  # header + the four recorded results
    assert "render_station" in tasks and "assign_center" in tasks
    assert "B · station 2" in tasks
    assert "w2@host" in tasks and "pid 202" in tasks
    assert "1.5 s" in tasks
    assert "rolls-failed" in tasks
    assert "ValueError: &lt;disk full&gt;" in tasks, "traceback shown, escaped"
    assert "Tasks (4, 1 failed)" in page


def test_each_task_says_which_centers_and_stations_it_covered(staff_client, election):
    run = run_start(
        election_id=election.pk, strategy=DEFAULT_STRATEGY, started_by="admin:x", launch=no_launch
    )
    a, b = election.centers.order_by("code").values_list("id", flat=True)[:2]
    batch = record_result(run, "batch", "render_stations", "w1@h", 1, 0.1, 0.2)
    # As django-celery-results stores them: Celery's repr of the arguments, JSON-encoded.
    gone = max(a, b) + 1000  # a center id with no center: named by its id
    batch.task_args = json.dumps(repr((run.pk, [[a, 1], [a, 2], [a, 3], [b, 2], [gone, 4]])))
    batch.save()
    record_result(run, "whole", "assign_election", "w1@h", 1, 0.0, 0.1)

    tasks = page_of(staff_client, run).split('id="task-list"')[1].split("</table>")[0]

    assert f"A · stations 1-3; B · station 2; center {gone} · station 4" in tasks
    codes = "; ".join(election.centers.order_by("code").values_list("code", flat=True))
    assert f"{codes} (the run&#x27;s {election.centers.count()} centers)" in tasks


def test_run_page_timeline_has_a_row_per_worker_process_and_a_bar_per_task(staff_client, run):
    page = page_of(staff_client, run)

    svg = page.split('id="run-timeline"')[1].split("</svg>")[0]
    assert "w1@host · pid 101" in svg and "w2@host · pid 202" in svg
    assert svg.count('class="task"') == 4
    assert "seconds since the run was queued" in svg
    assert "waiting in the queue" in svg
    assert 'class="finish-line"' in svg
    assert 'fill="#ba2121"' in svg  # the failed task


def test_a_replaced_process_keeps_its_timeline_row_by_its_place_in_the_pool(staff_client, run):
    # Worker w2's process 1 was replaced after a task (the memory limit): its next task ran
    # under a new pid in the same place. Rows by pid would show three processes for two.
    RunTask.objects.filter(run=run).update(process_number=1)
    RunTask.objects.filter(run=run, task_id__endswith="render-3").update(pid=203)

    page = page_of(staff_client, run)

    svg = page.split('id="run-timeline"')[1].split("</svg>")[0]
    rows = [title for title in re.findall(r"<title>([^<]*)</title>", svg) if "@host" in title]
    assert rows == ["w1@host · process 1", "w2@host · process 1"]
    assert "station 2 · 1.2 s · SUCCESS · pid 202</title>" in svg  # a bar's pid, in its title
    assert "station 3 · 0.3 s · FAILURE · pid 203</title>" in svg
    assert "One row per worker process (2)" in page
    tasks = page.split('id="task-list"')[1].split("</table>")[0]
    assert "pid 203" in tasks and "pid 202" in tasks


def test_run_page_lists_each_station_pdf_with_its_checksum(staff_client, run):
    page = page_of(staff_client, run)

    files = page.split('id="roll-files"')[1].split("</table>")[0]
    assert files.count("roll-download") == 4 * 2 + 2  # rolls, door signs, two center lists
    assert files.count("Door sign") == 4 and files.count("Center list") == 2
    roll = RollFile.objects.filter(run=run).first()
    assert roll.sha256 in files
    assert "10 PDFs" in page


def test_run_page_links_to_its_results_and_the_comparison(staff_client, run):
    page = page_of(staff_client, run)

    assert reverse("admin:lab_benchmark_compare", args=[run.election_id]) in page
    results = reverse("admin:django_celery_results_taskresult_changelist")
    assert f"{results}?run={run.pk}" in page


def test_an_active_run_page_polls_for_progress(staff_client, election):
    run = run_start(
        election_id=election.pk, strategy="all_in_one", started_by="admin:x", launch=no_launch
    )

    page = page_of(staff_client, run)

    assert 'data-active="true"' in page
    assert f'data-progress-url="{reverse("admin:rolls_run_progress", args=[run.pk])}"' in page
    assert "0 / 4 stations · 0%" in page
    assert "No task has started yet." in page


def test_a_failed_run_page_shows_its_error(staff_client, election):
    run = run_start(
        election_id=election.pk, strategy="all_in_one", started_by="admin:x", launch=no_launch
    )
    run_fail(run_id=run.pk, error="rolls.tasks.all_in_one [abc] failed: OSError: disk full")

    page = page_of(staff_client, run)

    assert "rolls-status-failed" in page
    assert "OSError: disk full" in page


def test_a_failed_runs_duration_is_the_same_number_on_every_surface(staff_client, election):
    """Marked failed 0.1 s after it was queued while a subtask ran until 3.0 s: the header,
    the run list, the wall time and the timeline's end line all say 3.0 s."""
    run = run_start(
        election_id=election.pk, strategy="all_in_one", started_by="admin:x", launch=no_launch
    )
    run_fail(run_id=run.pk, error="RuntimeError: on purpose")
    run.refresh_from_db()
    Run.objects.filter(pk=run.pk).update(finished_at=run.queued_at + timedelta(seconds=0.1))
    run.refresh_from_db()
    center = election.centers.order_by("code").first()
    record_result(
        run, f"run{run.pk}-sub", "assign_and_render_center", "w1@h", 7, 0.5, 2.5, center.pk
    )

    page = page_of(staff_client, run)
    header = re.search(r'data-field="elapsed">([^<]+)<', page).group(1)
    wall = re.search(r"<dt>Wall time</dt><dd>([^<]+)</dd>", page).group(1)
    line = re.search(r"run ended after ([^<]+)</title>", page).group(1)
    listing = staff_client.get(reverse("admin:rolls_run_changelist")).content.decode()
    progress = staff_client.get(reverse("admin:rolls_run_progress", args=[run.pk])).json()

    assert header == wall == line == progress["elapsed"] == "3.0 s"
    assert '<span class="rolls-wall-time">3.0 s</span>' in listing
    # The end line is at the end of the last bar, not before it.
    assert progress["elapsed_seconds"] == 3.0


# --- progress endpoint -------------------------------------------------------------------------


def test_progress_endpoint_reports_stations_pages_and_elapsed(staff_client, election):
    run = run_start(
        election_id=election.pk, strategy="all_in_one", started_by="admin:x", launch=no_launch
    )
    Run.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING,
        centers_assigned=2,
        stations_done=1,
        pages=3,
        queued_at=timezone.now() - timedelta(seconds=5),
    )

    data = staff_client.get(reverse("admin:rolls_run_progress", args=[run.pk])).json()

    assert data["active"] is True
    assert (data["unit"], data["done"], data["total"], data["percent"]) == ("stations", 1, 4, 25)
    assert data["pages"] == 3
    assert 5 <= data["elapsed_seconds"] < 60
    assert data["summary"] == "1 / 4 stations · 25% · 3 pages"


def test_progress_of_an_assignment_only_run_counts_centers(staff_client, election):
    run = run_start(
        election_id=election.pk,
        strategy="assign_all_stations_in_parallel",
        started_by="admin:x",
        launch=no_launch,
    )
    Run.objects.filter(pk=run.pk).update(centers_assigned=1)

    data = staff_client.get(reverse("admin:rolls_run_progress", args=[run.pk])).json()

    assert (data["unit"], data["done"], data["total"], data["percent"]) == ("centers", 1, 2, 50)


def test_progress_of_a_finished_run_says_it_ended(staff_client, run):
    response = staff_client.get(reverse("admin:rolls_run_progress", args=[run.pk]))

    data = response.json()
    assert (data["active"], data["status"], data["percent"]) == (False, "succeeded", 100)
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))


def test_progress_says_drained_once_every_task_of_the_run_has_ended(staff_client, election):
    run = run_start(
        election_id=election.pk, strategy="all_in_one", started_by="admin:x", launch=no_launch
    )
    url = reverse("admin:rolls_run_progress", args=[run.pk])
    record_result(run, "t-done", "assign_center", "w1@host", 101, 0.1, 0.2)
    waiting = RunTask.objects.create(run=run, task_id="t-waiting", task_name="queued")

    first = staff_client.get(url).json()
    waiting.state, waiting.ended_at = TaskState.REVOKED, timezone.now()
    waiting.save()
    then = staff_client.get(url).json()

    assert (first["tasks_ended"], first["tasks_total"], first["drained"]) == (1, 2, False)
    assert (then["tasks_ended"], then["tasks_total"], then["drained"]) == (2, 2, True)


# --- downloads -----------------------------------------------------------------------------------


def test_a_station_pdf_downloads_as_an_attachment_from_storage(staff_client, run):
    roll = (
        RollFile.objects.rolls().filter(run=run).order_by("center__code", "station_number").first()
    )

    response = staff_client.get(reverse("admin:rolls_run_roll_download", args=[run.pk, roll.pk]))

    body = b"".join(response.streaming_content)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"run-{run.pk}-A-station-001.pdf" in response["Content-Disposition"]
    assert body.startswith(b"%PDF")
    assert hashlib.sha256(body).hexdigest() == roll.sha256
    assert len(PdfReader(io.BytesIO(body)).pages) >= 1


def test_a_pdf_of_another_run_is_not_found_through_this_run(staff_client, run, election):
    roll = RollFile.objects.filter(run=run).first()
    other = run_start(
        election_id=build_election("Other").pk,
        strategy="all_in_one",
        started_by="x",
        launch=no_launch,
    )

    response = staff_client.get(reverse("admin:rolls_run_roll_download", args=[other.pk, roll.pk]))

    assert response.status_code == 404


def test_a_pdf_missing_from_storage_is_gone_not_a_crash(staff_client, run):
    roll = RollFile.objects.filter(run=run).first()
    default_storage.delete(roll.path)

    response = staff_client.get(reverse("admin:rolls_run_roll_download", args=[run.pk, roll.pk]))

    # 410: the run records the file but storage lost it (the page says so: reprint it).
    assert response.status_code == 410
    assert "is no longer in storage" in response.content.decode()


STATION_1 = ["station-001.pdf", "station-001-sign.pdf"]
ENDS = [".pdf", "-sign.pdf"]


def test_the_run_zip_holds_every_pdf_and_a_manifest(staff_client, run):
    response = staff_client.get(reverse("admin:rolls_run_zip", args=[run.pk]))

    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    folder = f"{run.election.slug}-run-{run.pk}"

    def center(code: str) -> int:
        return run.election.centers.get(code=code).pk

    names = sorted(archive.namelist())
    assert names == sorted(
        [f"{folder}/manifest.csv", f"{folder}/manifest.json"]
        + [f"{folder}/center-{center('A')}-A/{name}" for name in STATION_1]
        + [f"{folder}/center-{center('A')}-A/center-list.pdf"]
        + [f"{folder}/center-{center('B')}-B/station-00{n}{end}" for n in (1, 2, 3) for end in ENDS]
        + [f"{folder}/center-{center('B')}-B/center-list.pdf"]
    )
    manifest = list(csv.DictReader(io.StringIO(archive.read(f"{folder}/manifest.csv").decode())))
    assert len(manifest) == 10
    assert (
        sorted(row["document"] for row in manifest)
        == ["center list"] * 2 + ["roll"] * 4 + ["sign"] * 4
    )
    for row in manifest:
        data = archive.read(f"{folder}/{row['file']}")
        assert data.startswith(b"%PDF")
        assert hashlib.sha256(data).hexdigest() == row["sha256"]


def test_a_run_without_pdfs_has_no_zip(staff_client, election):
    run = run_start(
        election_id=election.pk, strategy="all_in_one", started_by="x", launch=no_launch
    )

    assert staff_client.get(reverse("admin:rolls_run_zip", args=[run.pk])).status_code == 404


# --- run list ------------------------------------------------------------------------------------


def test_run_list_shows_status_election_strategy_wall_time_and_counts(staff_client, run):
    response = staff_client.get(reverse("admin:rolls_run_changelist"))

    page = response.content.decode()
    assert response.context["has_add_permission"] is False
    assert f"Run {run.pk}" in page
    assert "rolls-status-succeeded" in page
    assert "4 / 4 stations" in page
    assert "by admin:someone" in page
    assert f"?run={run.pk}" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=succeeded", ["finished"]),
        ("status=queued", ["queued"]),
        (f"strategy={DEFAULT_STRATEGY}", ["queued"]),
        ("strategy=all_in_one", ["finished"]),
        ("election__id__exact={other}", ["queued"]),
    ],
)
def test_run_list_filters_by_status_strategy_and_election(staff_client, run, query, expected):
    other = build_election("Other")
    queued = run_start(
        election_id=other.pk, strategy=DEFAULT_STRATEGY, started_by="x", launch=no_launch
    )
    runs = {"finished": run.pk, "queued": queued.pk}

    response = staff_client.get(
        reverse("admin:rolls_run_changelist") + "?" + query.format(other=other.pk)
    )

    assert [r.pk for r in response.context["cl"].result_list] == [runs[k] for k in expected]


# --- task results --------------------------------------------------------------------------------


def test_task_results_filter_by_run_and_link_back_to_it(staff_client, run, election):
    other = run_start(
        election_id=build_election("Other").pk,
        strategy=DEFAULT_STRATEGY,
        started_by="x",
        launch=no_launch,
    )
    record_result(other, "t-other", "assign_election", "w9@host", 9, 0.1, 0.2)
    changelist = reverse("admin:django_celery_results_taskresult_changelist")

    response = staff_client.get(f"{changelist}?run={run.pk}")

    ids = {r.task_id for r in response.context["cl"].result_list}
    assert ids == {f"run{run.pk}-{name}" for name in ["assign", "render-1", "render-2", "render-3"]}
    page = response.content.decode()
    assert reverse("admin:rolls_run_change", args=[run.pk]) in page
    assert "1.5 s" in page  # runtime column


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("strategy=all_in_one", {"assign", "render-1", "render-2", "render-3"}),
        (f"strategy={DEFAULT_STRATEGY}", set()),
        ("task_name=rolls.tasks.render_station", {"render-1", "render-2", "render-3"}),
        ("status=FAILURE", {"render-3"}),
        ("worker=w2@host", {"render-2", "render-3"}),
        ("q=zx1", {"assign"}),
        ("q=ZX2+2", {"render-2"}),
        ("q=ZX2/3", {"render-3"}),
        ("q=ZX2+station+1", {"render-1"}),
    ],
)
def test_task_results_filter_by_strategy_task_state_worker_and_center(
    staff_client, run, query, expected, election
):
    # Codes no task name or id contains, so that only the center search can find them.
    for old, new in [("A", "ZX1"), ("B", "ZX2")]:
        election.centers.filter(code=old).update(code=new)
    changelist = reverse("admin:django_celery_results_taskresult_changelist")

    response = staff_client.get(f"{changelist}?{query}")

    assert response.status_code == 200
    ids = {r.task_id.removeprefix(f"run{run.pk}-") for r in response.context["cl"].result_list}
    assert ids == expected


def test_task_results_sort_by_runtime_and_show_start_and_end_to_the_millisecond(staff_client, run):
    changelist = reverse("admin:django_celery_results_taskresult_changelist")
    runtime = staff_client.get(changelist).context["cl"].list_display.index("runtime")

    response = staff_client.get(f"{changelist}?o=-{runtime}")

    runtimes = [r.date_done - r.date_started for r in response.context["cl"].result_list]
    assert runtimes == sorted(runtimes, reverse=True) and len(runtimes) == 4
    started = timezone.localtime(RunTask.objects.get(task_id=f"run{run.pk}-render-1").started_at)
    assert f"{started:%H:%M:%S}.{started.microsecond // 1000:03d}" in response.content.decode()


def test_a_batch_result_is_found_by_a_station_it_rendered(staff_client, election):
    run = run_start(
        election_id=election.pk, strategy=DEFAULT_STRATEGY, started_by="x", launch=no_launch
    )
    b = election.centers.get(code="B")
    election.centers.filter(pk=b.pk).update(code="ZX2")
    batch = record_result(run, "batch", "render_stations", "w1@h", 1, 0.1, 0.2)
    batch.task_args = json.dumps(repr((run.pk, [[b.pk, 1], [b.pk, 2]])))
    batch.save()
    changelist = reverse("admin:django_celery_results_taskresult_changelist")

    found = staff_client.get(f"{changelist}?q=ZX2+2").context["cl"].result_list
    missed = staff_client.get(f"{changelist}?q=ZX2+3").context["cl"].result_list

    assert [r.task_id for r in found] == ["batch"] and list(missed) == []


def test_a_task_result_is_read_only_and_its_traceback_keeps_its_indentation(client, run):
    client.force_login(make_user("root", superuser=True))
    result = TaskResult.objects.get(task_id=f"run{run.pk}-render-3")

    page = client.get(
        reverse("admin:django_celery_results_taskresult_change", args=[result.pk])
    ).content.decode()

    assert 'name="_save"' not in page and 'name="_continue"' not in page
    assert '<pre class="rolls-traceback-text">Traceback (most recent call last):\n  File' in page
    assert (
        "add/"
        not in client.get(reverse("admin:django_celery_results_taskresult_changelist"))
        .content.decode()
        .split('id="changelist"')[0]
        .split("object-tools")[-1]
    )


def test_a_task_result_page_links_to_its_run(staff_client, run):
    from django_celery_results.models import TaskResult

    result = TaskResult.objects.get(task_id=f"run{run.pk}-render-3")

    response = staff_client.get(
        reverse("admin:django_celery_results_taskresult_change", args=[result.pk])
    )

    page = response.content.decode()
    assert reverse("admin:rolls_run_change", args=[run.pk]) in page
    assert "disk full" in page


def test_the_task_result_page_also_works_for_superusers_who_could_edit(client, run):
    from django_celery_results.models import TaskResult

    client.force_login(make_user("root", superuser=True))
    result = TaskResult.objects.get(task_id=f"run{run.pk}-render-1")

    response = client.get(
        reverse("admin:django_celery_results_taskresult_change", args=[result.pk])
    )

    assert response.status_code == 200
    assert f"Run {run.pk}" in response.content.decode()


# --- comparison ----------------------------------------------------------------------------------


def test_comparison_shows_the_latest_finished_run_of_each_strategy(staff_client, election):
    older = make_finished_run(election, "all_in_one")
    Run.objects.filter(pk=older.pk).update(finished_at=timezone.now() - timedelta(days=1))
    latest = make_finished_run(election, "all_in_one")
    chord = make_finished_run(election, "queue_tasks_by_center_with_chord")
    for faster, seconds in [(latest, 10), (chord, 4)]:
        Run.objects.filter(pk=faster.pk).update(
            finished_at=faster.queued_at + timedelta(seconds=seconds)
        )

    response = staff_client.get(reverse("admin:lab_benchmark_compare", args=[election.pk]))

    rows = {row["name"]: row for row in response.context["rows"]}
    assert list(rows) == list(STRATEGIES)
    assert rows["all_in_one"]["run"] == latest
    # One run each is an anecdote: nothing is called fastest until a benchmark measured it.
    assert not any(row.get("fastest") for row in rows.values())
    assert "Fastest: not measured yet." in response.content.decode()
    assert rows["all_in_one"]["count"] == 2
    assert rows["all_in_one"]["shown"]["wall"] == "10.0 s"
    assert rows[DEFAULT_STRATEGY]["run"] is None
    page = response.content.decode()
    assert "No finished run of this strategy" in page
    assert "Wall time per strategy" in page and "Pages rendered per second" in page
    # Two workers of two processes ran its tasks, two of them did: the sentence says so.
    explanation = rows["all_in_one"]["explanation"]
    assert "all_in_one used 2 of 4 processes: efficiency 35%" in explanation
    assert "its longest task (render_station on center B) took 1.5 s of 2.5 s" in explanation
    assert STRATEGIES[DEFAULT_STRATEGY].lesson in page
    for column in ["Wall time", "Queued", "Task time", "Longest task", "Efficiency", "Pages / s"]:
        assert column in page


def test_the_election_page_links_to_its_runs_and_comparison(staff_client, election):
    response = staff_client.get(reverse("admin:elections_election_change", args=[election.pk]))

    page = response.content.decode()
    assert reverse("admin:lab_benchmark_compare", args=[election.pk]) in page
    assert f"{reverse('admin:rolls_run_changelist')}?election__id__exact={election.pk}" in page


# --- charts --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("span", "step"), [(0.7, 0.1), (3.2, 0.5), (12, 2), (95, 20), (1000, 200), (0, 1)]
)
def test_axis_ticks_are_round_numbers(span, step):
    assert nice_step(span) == pytest.approx(step)


def test_chart_text_is_escaped():
    svg = timeline_svg(
        [Bar(row="<w>", name="<script>", start=0.5, end=1.0, title="a & b")],
        queued_until=0.5,
        finished=1.2,
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a &amp; b" in svg
    spread = spread_chart_svg(
        [SpreadRow("<b>", 1.0, 1.5, 2.0, "1.5 s"), SpreadRow("<i>", None, None, None, "failed")],
        title="t",
        unit="s",
    )
    assert "<b>" not in spread and "&lt;b&gt;" in spread and "&lt;i&gt;" in spread


def test_a_running_task_is_drawn_until_now():
    svg = timeline_svg(
        [Bar(row="w · pid 1", name="render", start=0.0, end=2.0, running=True)],
        queued_until=None,
        finished=None,
    )
    assert 'class="task running"' in svg
    assert not re.search("finish-line", svg)


@pytest.mark.parametrize(
    "address",
    [
        "admin:rolls_run_changelist",
        "admin:django_celery_results_taskresult_changelist",
        "admin:elections_voter_changelist",
    ],
)
@pytest.mark.parametrize(
    "query", ["strategy=%00", "status=%00", "task_name=%00", "worker=%00", "q=a%00b", "%00=1"]
)
def test_a_nul_character_in_a_list_filter_is_a_400_not_a_500(staff_client, address, query):
    response = staff_client.get(f"{reverse(address)}?{query}")

    assert response.status_code == 400


def test_run_page_lists_its_roll_files_a_page_at_a_time_with_the_run_totals(staff_client, run):
    """At a million voters a run holds ~2,500 PDFs: the page lists 100 at a time."""
    center = run.roll_files.first().center
    RollFile.objects.bulk_create(
        RollFile(
            run=run, center=center, station_number=100 + i, voters=40, path=f"x/{i}.pdf",
            pages=2, bytes=1000, sha256="0" * 64,
        )
        for i in range(120)
    )  # fmt: skip
    total = run.roll_files.count()
    url = reverse("admin:rolls_run_change", args=[run.pk])

    first = staff_client.get(url).content.decode()
    assert f"Voter rolls, door signs and center lists ({total} PDFs in 2 centers" in first
    assert first.split('id="roll-files"')[1].split("</table>")[0].count("roll-download") == 100
    assert f"PDFs 1 to 100 of {total} · page 1 of 2" in first and 'rel="next"' in first

    second = staff_client.get(url + "?files=2").content.decode()
    listed = second.split('id="roll-files"')[1].split("</table>")[0]
    assert listed.count("roll-download") == total - 100
    assert f"PDFs 101 to {total} of {total} · page 2 of 2" in second and 'rel="prev"' in second
    # A page number out of range or not a number shows the nearest page, never an error.
    assert "page 2 of 2" in staff_client.get(url + "?files=99").content.decode()
    assert "page 1 of 2" in staff_client.get(url + "?files=x").content.decode()


def test_the_run_page_digests_are_those_of_the_manifest_even_after_the_run_changes(
    staff_client, run
):
    """The page keeps a finished run's digests; a change of status must not show stale ones."""

    def digests_on_page() -> list[str]:
        return re.findall(r"SHA-256 <code>([0-9a-f]{64})</code>", page_of(staff_client, run))

    def digests_of_downloads() -> list[str]:
        urls = [reverse("admin:rolls_run_manifest", args=[run.pk, f]) for f in ("csv", "json")]
        return [hashlib.sha256(staff_client.get(u).content).hexdigest() for u in urls]

    assert digests_on_page() == digests_of_downloads()
    assert digests_on_page() == digests_of_downloads()  # from the cache this time
    before = digests_of_downloads()
    Run.objects.filter(pk=run.pk).update(status=RunStatus.FAILED)
    assert digests_on_page() == digests_of_downloads() != before


def test_task_result_counts_are_grouped_by_thousands(staff_client):
    TaskResult.objects.bulk_create(
        TaskResult(task_id=f"bulk-{i}", task_name="rolls.tasks.render_station", status="SUCCESS")
        for i in range(1200)
    )
    changelist = reverse("admin:django_celery_results_taskresult_changelist")

    page = staff_client.get(f"{changelist}?status=SUCCESS").content.decode()

    assert "1,200 results" in page  # beside the search box, for a filtered list
    assert re.search(r"1,200\s+task results", page)  # under the list
    assert not re.search(r"\b1200\s+(task )?results", page)


def test_a_long_worker_name_keeps_each_rows_process_in_sight():
    host = "celery@render-node-07.eu-west-1.compute.internal"
    svg = timeline_svg(
        [Bar(row=f"{host} · process {n}", name="render", start=0.0, end=1.0) for n in (1, 2)],
        queued_until=None,
        finished=1.0,
    )
    labels = re.findall(r'class="chart-text"><title>[^<]*</title>([^<]*)</text>', svg)
    assert len(labels) == 2 and labels[0] != labels[1]
    assert all("…" in label for label in labels)  # shortened in the middle
    assert [label[-len(" · process 1") :] for label in labels] == [" · process 1", " · process 2"]
    assert all(label.startswith("celery@render") for label in labels)
