"""The console's own pages, mounted under the admin by ``RunAdmin.get_urls``.

Each is wrapped in ``AdminSite.admin_view`` there (anonymous -> the login page, never
cached) and checks its permission here (-> 403). Their reads are selectors; these format and
render. Voter rolls are personal data: PDFs are streamed from Django's default storage by
these views only, never from a public media URL.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import zipfile

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode

from elections.models import Election
from rolls.admin.access import DOWNLOAD_ROLLS, VIEW_RESULTS, VIEW_RUNS, require
from rolls.admin.charts import BarRow, bar_chart_svg
from rolls.admin.run_page import metrics_display, run_progress, wrappable
from rolls.models import Run
from rolls.selectors import run_metrics
from rolls.selectors.runs import latest_finished_runs, run_roll_file, run_roll_files
from rolls.services.manifest import (
    MANIFEST_HEADER,
    manifest_row,
    roll_download_name,
    zip_entry_name,
    zip_folder,
)
from rolls.strategies import FASTEST, STRATEGIES

PRIVATE = "private, no-store"


def run_progress_view(request: HttpRequest, run_id: int, *, model_admin) -> JsonResponse:
    require(request, VIEW_RUNS)
    run = get_object_or_404(Run, pk=run_id)
    response = JsonResponse(run_progress(run))
    response["Cache-Control"] = PRIVATE
    return response


def roll_download_view(
    request: HttpRequest, run_id: int, file_id: int, *, model_admin
) -> FileResponse:
    """One station's PDF, streamed from storage as an attachment."""
    require(request, DOWNLOAD_ROLLS)
    roll = run_roll_file(run_id=run_id, file_id=file_id)
    if roll is None:
        raise Http404("No such roll file in this run")
    try:
        handle = default_storage.open(roll.path, "rb")
    except FileNotFoundError:
        raise Http404(f"The PDF {roll.path} is no longer in storage") from None
    filename = roll_download_name(roll.run, roll)
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type="application/pdf"
    )
    response["Cache-Control"] = PRIVATE
    return response


def run_zip_view(request: HttpRequest, run_id: int, *, model_admin) -> FileResponse:
    """Every PDF of the run in one zip, plus a manifest (sizes and SHA-256 of each file).

    The zip is written to an anonymous temporary file (deleted when the response closes)
    while each PDF is copied from storage in chunks, so memory stays flat at any run size.
    PDFs are already compressed: they are stored, not deflated again.
    """
    require(request, DOWNLOAD_ROLLS)
    run = get_object_or_404(Run.objects.select_related("election"), pk=run_id)
    rolls = run_roll_files(run)
    if not rolls:
        raise Http404("This run has no roll files")
    folder = zip_folder(run)
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    writer.writerow(MANIFEST_HEADER)
    archive_file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by FileResponse
    try:
        with zipfile.ZipFile(archive_file, "w", compression=zipfile.ZIP_STORED) as archive:
            for roll in rolls:
                try:
                    source = default_storage.open(roll.path, "rb")
                except FileNotFoundError:
                    raise Http404(f"The PDF {roll.path} is no longer in storage") from None
                entry = zip_entry_name(run, roll)
                with source, archive.open(entry, "w", force_zip64=True) as target:
                    shutil.copyfileobj(source, target, 1024 * 1024)
                writer.writerow(manifest_row(run, roll))
            archive.writestr(f"{folder}/manifest.csv", manifest.getvalue())
        archive_file.seek(0)
    except BaseException:
        archive_file.close()
        raise
    response = FileResponse(
        archive_file, as_attachment=True, filename=f"{folder}.zip", content_type="application/zip"
    )
    response["Cache-Control"] = PRIVATE
    return response


def strategy_comparison_view(
    request: HttpRequest, election_id: int, *, model_admin
) -> TemplateResponse:
    """The latest finished run of each strategy on one election, side by side."""
    require(request, VIEW_RUNS)
    election = get_object_or_404(Election, pk=election_id)
    rows = []
    for name, run in latest_finished_runs(election, STRATEGIES).items():
        metrics = run_metrics(run) if run else None
        rows.append(
            {
                "name": name,
                "name_html": wrappable(name),
                "strategy": STRATEGIES[name],
                "run": run,
                "metrics": metrics,
                "shown": metrics_display(metrics),
                "fastest": False,
            }
        )
    timed = [row for row in rows if row["metrics"] and row["metrics"].wall_seconds]
    succeeded = [row for row in timed if row["run"].status == "succeeded"]
    if succeeded:
        min(succeeded, key=lambda row: row["metrics"].wall_seconds)["fastest"] = True
    wall_chart = bar_chart_svg(
        [
            BarRow(
                label=row["name"],
                value=row["metrics"].wall_seconds,
                text=row["shown"]["wall"]
                + ("" if row["run"].status == "succeeded" else " (failed)"),
                highlight=row["fastest"],
            )
            for row in timed
        ],
        title="Wall time per strategy (queued → finished; shorter is better)",
        unit="seconds",
    )
    rendering = [row for row in timed if row["metrics"].pages_per_second]
    speed_chart = bar_chart_svg(
        [
            BarRow(
                label=row["name"],
                value=row["metrics"].pages_per_second,
                text=f"{row['metrics'].pages_per_second:.1f} pages/s",
                highlight=row["fastest"],
            )
            for row in rendering
        ],
        title="Pages rendered per second of wall time (longer is better)",
        unit="pages per second",
    )
    runs_url = (
        reverse("admin:rolls_run_changelist")
        + "?"
        + urlencode({"election__id__exact": election.pk})
    )
    return TemplateResponse(
        request,
        "admin/rolls/run/compare.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": Run._meta,
            "title": f"Compare strategies: {election.name}",
            "election": election,
            "rows": rows,
            "finished_any": bool(timed),
            "wall_chart": wall_chart,
            "speed_chart": speed_chart,
            "runs_url": runs_url,
            "fastest_name": FASTEST,
            "can_view_results": request.user.has_perm(VIEW_RESULTS),
        },
    )
