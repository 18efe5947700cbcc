"""The console's own pages, mounted under the admin by ``RunAdmin.get_urls``.

Each is wrapped in ``AdminSite.admin_view`` there (anonymous -> the login page, never
cached) and checks its permission here (-> 403). Their reads are selectors; these format and
render. Voter rolls are personal data: PDFs are streamed from Django's default storage by
these views only, never from a public media URL.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from config.parsing import number_or_none
from elections.models import PollingCenter
from rolls.admin.access import (
    DOWNLOAD_ROLLS,
    PUBLISH_ROLLS,
    VIEW_RUNS,
    require,
    sees_personal_data,
)
from rolls.admin.run_page import run_progress
from rolls.formatting import error_without_details
from rolls.models import DownloadKind, FileDamage, Run
from rolls.selectors.changes import official_run, write_changes_csv
from rolls.selectors.run_records import run_roll_file, run_roll_files
from rolls.selectors.signatures import run_set_signature
from rolls.services.closing import PersonalDataClosed, election_open_check
from rolls.services.completeness import (
    StoredFileDamaged,
    file_damage_cleared,
    file_damage_found,
    flagged_files_verified,
    run_files_verify,
    stored_bytes_verified,
)
from rolls.services.downloads import download_record
from rolls.services.manifest import (
    record_label,
    roll_download_name,
    run_manifest,
    run_zip_chunks,
    zip_folder,
    zip_name,
)
from rolls.services.publication import PublishRefused, run_publish
from rolls.services.signing import signature_files
from rolls.services.storage import stored_missing

PRIVATE = "private, no-store"


def run_progress_view(request: HttpRequest, run_id: int, *, model_admin) -> JsonResponse:
    require(request, VIEW_RUNS)
    run = get_object_or_404(Run.objects.with_last_task_end(), pk=run_id)  # one query less
    progress = run_progress(run)
    if not sees_personal_data(request):  # an exception's message may quote a voter
        progress["error"] = error_without_details(progress["error"])
    response = JsonResponse(progress)
    response["Cache-Control"] = PRIVATE
    return response


def pdf_attachment(path: str, filename: str, *, size: int, sha256: str) -> FileResponse:
    """A stored PDF as an attachment, never cached, only if its bytes are still the ones
    recorded: read whole and hashed before the first byte leaves (a PDF is small), else
    StoredFileDamaged (the damage recorded; ``RunAdmin.get_urls`` answers the refusal)."""
    content = stored_bytes_verified(path, size=size, sha256=sha256)
    response = FileResponse(
        io.BytesIO(content), as_attachment=True, filename=filename, content_type="application/pdf"
    )
    response["Cache-Control"] = PRIVATE
    return response


def closed_response(
    request: HttpRequest, run_id: int, closed: PersonalDataClosed, *, model_admin
) -> TemplateResponse:
    """The answer instead of a roll, zip or list of a closed election (410: gone on purpose):
    what remains is the run's record, its manifest and the SHA-256 of every file."""
    run = get_object_or_404(Run.objects.select_related("election"), pk=run_id)
    return TemplateResponse(
        request,
        "admin/rolls/run/closed.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": Run._meta,
            "title": gettext("Personal data closed"),
            "run": run,
            "message": str(closed),
            "run_url": reverse("admin:rolls_run_change", args=[run.pk]),
        },
        status=410,
    )


def damaged_file_response(
    request: HttpRequest, run_id: int, damaged: StoredFileDamaged, *, model_admin
) -> TemplateResponse:
    """The answer instead of a damaged or missing file: what is wrong and where to reprint
    it (409: the file conflicts with its record; 410: it is gone)."""
    run = get_object_or_404(Run.objects.select_related("election"), pk=run_id)
    missing = damaged.damage == FileDamage.MISSING
    return TemplateResponse(
        request,
        "admin/rolls/run/damaged_file.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": Run._meta,
            "title": gettext("File not served: reprint it"),
            "run": run,
            "file_name": damaged.path.rsplit("/", 1)[-1],
            "missing": missing,
            "run_url": reverse("admin:rolls_run_change", args=[run.pk]),
        },
        status=410 if missing else 409,
    )


@require_POST
def run_verify_view(request: HttpRequest, run_id: int, *, model_admin) -> HttpResponseRedirect:
    """The run page's Verify files button: hash every file again and report the counts."""
    require(request, DOWNLOAD_ROLLS)
    run = get_object_or_404(Run.objects.select_related("election"), pk=run_id)
    # Its files were removed on purpose: hashing them again would flag every one missing.
    election_open_check(run.election)
    verify_and_report(model_admin, request, run)
    return HttpResponseRedirect(reverse("admin:rolls_run_change", args=[run.pk]) + "#run-files")


def verify_and_report(model_admin, request: HttpRequest, run: Run) -> None:
    """Verify one run's files and say what was found (list action and button)."""
    if run.election.is_closed:
        model_admin.message_user(request, str(PersonalDataClosed(run.election)), messages.INFO)
        return
    if not run.renders:
        model_admin.message_user(
            request,
            gettext("Run %(run)s rendered no files: nothing to verify.") % {"run": run.pk},
            messages.INFO,
        )
        return
    found = run_files_verify(run_id=run.pk)
    level = messages.WARNING if found.damaged or found.missing else messages.SUCCESS
    model_admin.message_user(request, found.summary, level)


def roll_download_view(
    request: HttpRequest, run_id: int, file_id: int, *, model_admin
) -> FileResponse:
    """One station's PDF as an attachment, if it still matches its record (and recorded)."""
    require(request, DOWNLOAD_ROLLS)
    roll = run_roll_file(run_id=run_id, file_id=file_id)
    if roll is None:
        raise Http404("No such roll file in this run")
    election_open_check(roll.run.election)
    filename = roll_download_name(roll.run, roll)
    response = pdf_attachment(roll.path, filename, size=roll.bytes, sha256=roll.sha256)
    if roll.damage:
        file_damage_cleared(paths=[roll.path])  # intact again (restored in storage)
    download_record(
        request=request, run=roll.run, kind=DownloadKind.ROLL, name=filename, roll_file=roll
    )
    response["X-Roll-Set"] = roll.run.set_status.value
    return response


def run_zip_view(
    request: HttpRequest, run_id: int, center_id: int | None = None, *, model_admin
) -> StreamingHttpResponse:
    """Every PDF of the run (or of one center) with its manifest, streamed as it is read:
    the first bytes leave at once and memory holds one PDF at a time. A failed or incomplete
    run's zip says so in its name, its manifest and an INCOMPLETE.txt listing what is
    missing."""
    require(request, DOWNLOAD_ROLLS)
    run = get_object_or_404(Run.objects.select_related("election"), pk=run_id)
    election_open_check(run.election)
    center = None
    if center_id is not None:
        center = get_object_or_404(PollingCenter, pk=center_id, election_id=run.election_id)
    rolls = run_roll_files(run, center_id)
    if not rolls:
        raise Http404("This run has no roll files" + (" for that center" if center else ""))
    missing_files = stored_missing([roll.path for roll in rolls])
    if missing_files:
        file_damage_found(paths=missing_files, damage=FileDamage.MISSING)
        raise StoredFileDamaged(missing_files[0], FileDamage.MISSING)
    # Files already known damaged are refused before the first byte; any other is checked
    # as the zip streams (run_zip_chunks).
    flagged_files_verified(rolls)
    manifest = run_manifest(run, rolls, center_id)
    # A published set's whole zip carries its signature; a center's zip is only part of it.
    signed = run_set_signature(run.pk) if center is None and manifest.complete else None
    filename = zip_name(run, manifest, center)
    download_record(
        request=request,
        run=run,
        kind=DownloadKind.CENTER_ZIP if center else DownloadKind.RUN_ZIP,
        name=filename,
    )
    response = StreamingHttpResponse(
        run_zip_chunks(
            run,
            rolls,
            manifest,
            lambda path: default_storage.open(path, "rb"),
            records=signature_files(signed) if signed else (),
        ),
        content_type="application/zip",
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = PRIVATE
    response["X-Roll-Set"] = run.set_status.value if manifest.complete else "incomplete"
    return response


def run_manifest_view(request: HttpRequest, run_id: int, fmt: str, *, model_admin) -> HttpResponse:
    """The run's manifest alone, as CSV or JSON (the digests the run page shows)."""
    require(request, DOWNLOAD_ROLLS)
    if fmt not in ("csv", "json"):
        raise Http404("The manifest is manifest.csv or manifest.json")
    run = get_object_or_404(Run.objects.select_related("election"), pk=run_id)
    manifest = run_manifest(run, run_roll_files(run))
    body, content_type = (
        (manifest.json, "application/json") if fmt == "json" else (manifest.csv, "text/csv")
    )
    state = record_label(run) if manifest.complete else "INCOMPLETE"
    filename = f"{zip_folder(run)}-{state}-manifest.{fmt}"
    download_record(request=request, run=run, kind=DownloadKind.MANIFEST, name=filename)
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = PRIVATE
    return response


def run_changes_view(request: HttpRequest, run_id: int, *, model_admin) -> HttpResponse:
    """What changed from the official set (or ``?against=RUN``) to this run, as CSV."""
    require(request, DOWNLOAD_ROLLS)
    run = get_object_or_404(Run.objects.select_related("election"), pk=run_id)
    election_open_check(run.election)
    raw = request.GET.get("against")
    against = number_or_none(raw)
    if raw and against is None:
        raise Http404("?against= takes a run id (digits 0-9)")
    before = (
        Run.objects.filter(pk=against, election_id=run.election_id).first()
        if against is not None
        else official_run(run.election_id)
    )
    if before is None:
        raise Http404("Nothing to compare with: no official set, and no ?against=RUN_ID")
    filename = f"{zip_folder(run)}-changes-since-run-{before.pk}.csv"
    download_record(request=request, run=run, kind=DownloadKind.CHANGES, name=filename)
    text = io.StringIO()
    write_changes_csv(before, run, text)
    response = HttpResponse(text.getvalue().encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = PRIVATE
    return response


def publish_and_report(model_admin, request: HttpRequest, run_id: int) -> None:
    """Publish the run for the logged-in user and say how it went (list action and button)."""
    try:
        run = run_publish(run_id=run_id, published_by=f"admin:{request.user.get_username()}")
    except PublishRefused as exc:
        model_admin.message_user(request, str(exc), messages.ERROR)
    else:
        model_admin.message_user(
            request,
            gettext("Run %(run)s is now the official roll set of %(election)s.")
            % {"run": run.pk, "election": run.election.name},
            messages.SUCCESS,
        )


@require_POST
def run_publish_view(request: HttpRequest, run_id: int, *, model_admin) -> HttpResponseRedirect:
    """The run page's Publish button: a POST under CSRF protection, then back to the page."""
    require(request, PUBLISH_ROLLS)
    publish_and_report(model_admin, request, run_id)
    return HttpResponseRedirect(reverse("admin:rolls_run_change", args=[run_id]))
