"""Importing a register from the admin: upload -> preview (with column mapping) -> confirm ->
the import's page with its progress. Every import is kept as a read-only record.

The reading and merging run as Celery tasks (``elections.tasks``), queued after the record's
transaction commits; these views only validate, call the import service and render.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.validators import RegexValidator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.parsing import number_or_none
from elections.guards import election_closed
from elections.imports_files_admin import ADD, VIEW, ImportFilesViews, files_deletable, require
from elections.models import (
    ACTIVE_IMPORT_STATES,
    Election,
    ImportMode,
    ImportState,
    RegisterImport,
)
from elections.readonly_admin import RecordAdmin
from elections.services.registers.guard import confirmation_needed
from elections.services.registers.records import (
    ImportRefused,
    register_import_confirm,
    register_import_create,
    register_import_remap,
)
from elections.services.registers.report import (
    count_lines,
    deregistration_note,
    deregistration_sample_lines,
    error_lines,
    import_status,
    invalid_rows_note,
    renamed_elsewhere_lines,
    rows_read_line,
)
from elections.services.registers.rows import FIELDS, REQUIRED
from elections.tasks import import_register, preview_register_import

# States whose page keeps polling for progress.
MOVING = (ImportState.PREVIEWING, *ACTIVE_IMPORT_STATES)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Register file"),
        help_text=_("CSV (UTF-8; comma, semicolon or tab) or Excel .xlsx"),
    )
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=ImportMode.choices,
        initial=ImportMode.SNAPSHOT,
        widget=forms.RadioSelect,
    )
    skip_invalid = forms.BooleanField(
        required=False,
        label=_("Skip invalid rows"),
        help_text=_(
            "Import the valid rows and offer the rejected ones as a CSV. Without it, a "
            "file with any invalid row writes nothing."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.REGISTER_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                gettext(
                    "The file is %(size)s bytes, over the limit of %(limit)s: a register "
                    "file is far smaller (is it the right file?)"
                )
                % {"size": intcomma(upload.size), "limit": intcomma(limit)}
            )
        return upload


class OptionsForm(forms.Form):
    """The preview page's column mapping and options; ``headers`` are the file's own."""

    mode = forms.ChoiceField(label=_("Mode"), choices=ImportMode.choices, widget=forms.RadioSelect)
    skip_invalid = forms.BooleanField(required=False, label=_("Skip invalid rows"))

    def __init__(self, *args, headers: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", gettext("(by name)"))] + [(h, h) for h in headers if h.strip()]
        for field in FIELDS:
            self.fields[f"column_{field}"] = forms.ChoiceField(
                choices=choices,
                required=False,
                # The column names are the file format's: they stay as they are.
                label=field
                if field in REQUIRED
                else gettext("%(column)s (optional)") % {"column": field},
            )

    def columns(self) -> dict[str, str]:
        return {field: self.cleaned_data.get(f"column_{field}") or "" for field in FIELDS}


class ConfirmForm(forms.Form):
    """The confirm button's form: a snapshot that deregisters many voters also needs the
    number typed back (checked against the count by the service, and again by the merge)."""

    deregistrations = forms.CharField(
        required=False,
        max_length=9,
        label=_("Voters to deregister"),
        help_text=_("Type the number shown above to confirm it."),
        # ASCII digits only: int() would also take other scripts' digits.
        validators=[RegexValidator(r"^[0-9]+$", _("Type the number in digits 0-9."))],
    )

    def confirmed(self) -> int | None:
        text = self.cleaned_data.get("deregistrations") or ""
        return int(text) if text else None


def enqueue(task, record: RegisterImport) -> None:
    """Queue ``task`` once the record is committed; a broker that refuses fails the record
    with why (nothing was written)."""

    def send() -> None:
        try:
            result = task.delay(record.pk)
        except Exception as exc:  # the broker's own errors vary by transport
            RegisterImport.objects.filter(pk=record.pk).update(
                state=ImportState.FAILED, message=f"Could not queue the task: {exc}"
            )
        else:
            RegisterImport.objects.filter(pk=record.pk).update(task_id=result.id)

    transaction.on_commit(send)


def progress(record: RegisterImport) -> dict:
    return {
        "state": record.state,
        "status": import_status(record),
        "rows_read": record.rows_read,
        "rows_read_line": rows_read_line(record),
        "rows_total": record.rows_total,
        "moving": record.state in MOVING,
    }


class RegisterImportAdmin(ImportFilesViews, RecordAdmin):
    list_display = ["number", "election", "file_name", "mode", "state", "username", "created_at"]
    list_filter = ["state", "election"]
    list_select_related = ["election"]
    show_full_result_count = False

    @admin.display(description=_("import"), ordering="pk")
    def number(self, record: RegisterImport) -> int:
        return record.pk

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        return [
            path(
                "upload/<id:election_id>/",
                wrap(self.upload_view),
                name="elections_registerimport_upload",
            ),
            path(
                "<id:import_id>/progress/",
                wrap(self.progress_view),
                name="elections_registerimport_progress",
            ),
            path(
                "<id:import_id>/confirm/",
                wrap(self.confirm_view),
                name="elections_registerimport_confirm",
            ),
            path(
                "<id:import_id>/delete-files/",
                wrap(self.delete_files_view),
                name="elections_registerimport_delete_files",
            ),
            path(
                "<id:import_id>/rejected.csv",
                wrap(self.rejected_view),
                name="elections_registerimport_rejected",
            ),
            *super().get_urls(),
        ]

    def context(self, request: HttpRequest, **extra) -> dict:
        return {**self.admin_site.each_context(request), "opts": RegisterImport._meta, **extra}

    def upload_view(self, request: HttpRequest, election_id: int):
        require(request, ADD)
        election = get_object_or_404(Election, pk=election_id)
        if closed := election_closed(election.pk):
            self.message_user(request, closed, messages.ERROR)
            return HttpResponseRedirect(election.get_absolute_url())
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                with transaction.atomic():
                    record = register_import_create(
                        election=election,
                        upload=upload,
                        file_name=upload.name,
                        username=request.user.get_username(),
                        user=request.user,
                        mode=form.cleaned_data["mode"],
                        skip_invalid=form.cleaned_data["skip_invalid"],
                    )
                    enqueue(preview_register_import, record)
            except ImportRefused as exc:
                # Refused before anything was stored: the page again, saying why.
                self.message_user(request, str(exc), messages.ERROR)
            else:
                return HttpResponseRedirect(
                    reverse("admin:elections_registerimport_change", args=[record.pk])
                )
        return TemplateResponse(
            request,
            "admin/elections/registerimport/upload.html",
            self.context(request, title=gettext("Import a register into %(election)s")
                         % {"election": election.name},
                         election=election, form=form),
        )  # fmt: skip

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        """The import's page: what it read, what it would change or changed, its errors, the
        options and column mapping, and the confirm button."""
        require(request, VIEW)
        # The admin's own URL takes any text as the id: "abc" reached the query as a 500.
        pk = number_or_none(object_id)
        if pk is None:
            raise Http404("An import's id is a number")
        record = get_object_or_404(RegisterImport.objects.select_related("election"), pk=pk)
        if request.method == "POST":
            return self.remap(request, record)
        form = OptionsForm(
            headers=record.headers,
            initial={
                "mode": record.mode,
                "skip_invalid": record.skip_invalid,
                **{f"column_{f}": h for f, h in record.columns.items()},
            },
        )
        can_add = request.user.has_perm(ADD)
        can_remap = can_add and record.state == ImportState.PREVIEWED
        return TemplateResponse(
            request,
            "admin/elections/registerimport/import_page.html",
            self.context(
                request,
                title=gettext("Import %(number)s: %(file)s into %(election)s") % {
                    "number": record.pk, "file": record.file_name,
                    "election": record.election.name},
                record=record,
                counts=count_lines(record),
                errors=error_lines(record, limit=50),
                form=form,
                deregistration_note=deregistration_note(record),
                deregistration_sample=deregistration_sample_lines(record),
                renamed_elsewhere=renamed_elsewhere_lines(record),
                needs_deregistration_confirmed=confirmation_needed(record.counts),
                can_confirm=can_add and record.state == ImportState.PREVIEWED
                and not record.message and (record.skip_invalid or not record.error_count),
                can_remap=can_remap,
                invalid_rows_note=invalid_rows_note(record, can_remap=can_remap),
                progress=progress(record),
                can_delete_files=can_add and files_deletable(record),
                upload_retention_days=settings.REGISTER_UPLOAD_RETENTION_DAYS,
            ),
        )  # fmt: skip

    def remap(self, request: HttpRequest, record: RegisterImport):
        require(request, ADD)
        form = OptionsForm(request.POST, headers=record.headers)
        page = reverse("admin:elections_registerimport_change", args=[record.pk])
        if record.state != ImportState.PREVIEWED or not form.is_valid():
            self.message_user(
                request, gettext("This preview can no longer be changed."), messages.ERROR
            )
            return HttpResponseRedirect(page)
        with transaction.atomic():
            record = register_import_remap(
                import_id=record.pk,
                columns=form.columns(),
                mode=form.cleaned_data["mode"],
                skip_invalid=form.cleaned_data["skip_invalid"],
            )
            enqueue(preview_register_import, record)
        return HttpResponseRedirect(page)

    def confirm_view(self, request: HttpRequest, import_id: int):
        require(request, ADD)
        if request.method != "POST":
            raise Http404("Confirm with the button on the import's page")
        page = reverse("admin:elections_registerimport_change", args=[import_id])
        form = ConfirmForm(request.POST)
        if not form.is_valid():
            self.message_user(request, " ".join(form.errors["deregistrations"]), messages.ERROR)
            return HttpResponseRedirect(page)
        try:
            with transaction.atomic():
                record = register_import_confirm(
                    import_id=import_id, confirmed_deregistrations=form.confirmed()
                )
                enqueue(import_register, record)
        except ImportRefused as exc:
            self.message_user(request, str(exc), messages.ERROR)
        except RegisterImport.DoesNotExist:
            raise Http404("No such import") from None
        else:
            self.message_user(
                request,
                gettext("Import %(number)s is queued.") % {"number": record.pk},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(page)

    def progress_view(self, request: HttpRequest, import_id: int) -> JsonResponse:
        require(request, VIEW)
        response = JsonResponse(progress(get_object_or_404(RegisterImport, pk=import_id)))
        response["Cache-Control"] = "private, no-store"
        return response
