"""The run page's voter-to-station lists (CSV), streamed and recorded like every download."""

from __future__ import annotations

from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header

from rolls.admin.access import DOWNLOAD_ROLLS, require
from rolls.models import DownloadKind, Run
from rolls.selectors.placements import ORDERS
from rolls.services.closing import election_open_check
from rolls.services.downloads import download_record
from rolls.services.placement_csv import export_name, run_export_lines


def run_export_view(
    request: HttpRequest, run_id: int, order: str, *, model_admin
) -> StreamingHttpResponse:
    require(request, DOWNLOAD_ROLLS)
    if order not in ORDERS:
        raise Http404("The list is voters-by-number.csv or voters-by-station.csv")
    run = get_object_or_404(Run.objects.select_related("election"), pk=run_id)
    election_open_check(run.election)
    filename = export_name(run, order)
    download_record(request=request, run=run, kind=DownloadKind.EXPORT, name=filename)
    response = StreamingHttpResponse(
        (chunk.encode() for chunk in run_export_lines(run, order)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response
