"""Reprint from the run page: one station's roll and sign, or a center's documents.

Mounted by ``RunAdmin.get_urls``. A reprint never splits again (rolls/services/reprints.py);
the page reports each file's outcome with a link to download it, and each reprint is
recorded with who asked and why.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from config.parsing import number_parse, text_check
from rolls.admin.access import DOWNLOAD_ROLLS, require
from rolls.admin.views import pdf_attachment
from rolls.models import DownloadKind, Reprint, ReprintOutcome, Run
from rolls.services.closing import election_open_check
from rolls.services.downloads import download_record
from rolls.services.manifest import file_name_safe, roll_download_name
from rolls.services.reprints import ReprintRefused, run_reprint


def _link(run: Run, item) -> str:
    reprint = item.reprint
    if reprint.outcome == ReprintOutcome.SEPARATE:
        return reverse("admin:rolls_run_reprint_download", args=[run.pk, reprint.pk])
    return reverse("admin:rolls_run_roll_download", args=[run.pk, item.roll_file.pk])


@require_POST
def run_reprint_view(request: HttpRequest, run_id: int, *, model_admin) -> HttpResponseRedirect:
    require(request, DOWNLOAD_ROLLS)
    run = get_object_or_404(Run.objects.select_related("election"), pk=run_id)
    election_open_check(run.election)
    back = HttpResponseRedirect(reverse("admin:rolls_run_change", args=[run.pk]) + "#reprint")
    code = request.POST.get("center", "").strip()
    station = request.POST.get("station", "").strip()
    try:
        text_check(code, what=gettext("The center code"))
        number = number_parse(station, what=gettext("Station"), minimum=1) if station else None
    except ValueError as exc:  # NotANumber, ControlCharacters
        messages.error(request, str(exc))
        return back
    try:
        done = run_reprint(
            run=run,
            center_code=code,
            station_number=number,
            requested_by=f"admin:{request.user.get_username()}",
            reason=request.POST.get("reason", ""),
        )
    except ReprintRefused as exc:
        messages.error(request, str(exc))
        return back
    items = format_html_join(
        "",
        '<li><a href="{}">{}</a>: {}</li>',
        (
            (
                _link(run, item),
                item.roll_file.path.rsplit("/", 1)[-1],
                item.reprint.get_outcome_display(),
            )
            for item in done
        ),
    )
    messages.success(request, format_html(gettext("Reprinted (recorded): <ul>{}</ul>"), items))
    return back


def reprint_download_view(
    request: HttpRequest, run_id: int, reprint_id: int, *, model_admin
) -> FileResponse:
    """A regenerated file kept apart from the run's record (its bytes differ)."""
    require(request, DOWNLOAD_ROLLS)
    reprint = (
        Reprint.objects.select_related("run__election", "roll_file__center")
        .filter(pk=reprint_id, run_id=run_id)
        .first()
    )
    if reprint is None:
        raise Http404("No such reprint of this run")
    election_open_check(reprint.run.election)
    name = file_name_safe(
        roll_download_name(reprint.run, reprint.roll_file).removesuffix(".pdf")
        + f"-REPRINT-{reprint.pk}.pdf"
    )
    response = pdf_attachment(reprint.path, name, size=reprint.bytes, sha256=reprint.sha256)
    download_record(
        request=request,
        run=reprint.run,
        kind=DownloadKind.ROLL,
        name=name,
        roll_file=reprint.roll_file,
    )
    return response
