"""An import's files on its page: the rejected rows served (each download recorded on the
trail first), and the uploaded register and rejected rows deleted at once by staff (a
confirmation page says what goes and what the record keeps). Deleted files answer 410.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext

from elections.download_trail import rejected_rows_download_record
from elections.models import RegisterImport
from elections.services.registers.retention import (
    BUSY_STATES,
    FilesNotDeleted,
    register_import_files_delete,
)

ADD = "elections.import_register"
VIEW = "elections.view_registerimport"


def require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def files_deletable(record: RegisterImport) -> bool:
    return bool(record.file_path or record.rejected_path) and record.state not in BUSY_STATES


def files_deleted_response(request: HttpRequest, record: RegisterImport) -> HttpResponse:
    """410 Gone, saying when and by whom: a deleted file is an answer, not an error."""
    text = gettext(
        "The files of import %(id)s were deleted on %(when)s (%(by)s): personal data is kept "
        "only for a set time. The import's record keeps the file's SHA-256 and its counts."
    ) % {
        "id": record.pk,
        "when": record.files_deleted_at.strftime("%Y-%m-%d %H:%M UTC"),
        "by": record.files_deleted_by,
    }
    return HttpResponse(text, status=410, content_type="text/plain; charset=utf-8")


class ImportFilesViews:
    """The import admin's views of its files (``RegisterImportAdmin.get_urls`` wires them)."""

    def delete_files_view(self, request: HttpRequest, import_id: int):
        """Delete the import's uploaded file and rejected-rows CSV now (GET: what will go and
        what stays; POST: delete). The record stays, with the file's SHA-256 and counts."""
        require(request, ADD)
        record = get_object_or_404(RegisterImport.objects.select_related("election"), pk=import_id)
        page = reverse("admin:elections_registerimport_change", args=[record.pk])
        if request.method == "POST":
            try:
                register_import_files_delete(
                    import_id=record.pk, deleted_by=f"admin:{request.user.get_username()}"
                )
            except FilesNotDeleted as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("The files of import %(id)s were deleted; its record stays.")
                    % {"id": record.pk},
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(page)
        if not files_deletable(record):
            self.message_user(request, gettext("This import has no files to delete now."))
            return HttpResponseRedirect(page)
        return TemplateResponse(
            request,
            "admin/elections/registerimport/delete_files.html",
            self.context(
                request,
                title=gettext("Delete the files of import %(id)s") % {"id": record.pk},
                record=record,
                page=page,
            ),
        )

    def rejected_view(self, request: HttpRequest, import_id: int) -> FileResponse | HttpResponse:
        """The rejected rows with their reasons (voter numbers and names: staff only)."""
        require(request, ADD)
        record = get_object_or_404(RegisterImport, pk=import_id)
        if record.files_deleted_at:
            return files_deleted_response(request, record)
        if not record.rejected_path:
            raise Http404("This import rejected no rows")
        name = f"import-{record.pk}-rejected-rows.csv"
        rows = default_storage.open(record.rejected_path, "rb")
        # Recorded once the file is there to send, before its first byte; unrecorded, unsent.
        try:
            rejected_rows_download_record(request=request, register_import=record, name=name)
        except BaseException:
            rows.close()
            raise
        response = FileResponse(rows, content_type="text/csv")
        response["Content-Disposition"] = content_disposition_header(True, name)
        response["Cache-Control"] = "private, no-store"
        return response
