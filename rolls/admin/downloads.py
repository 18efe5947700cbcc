"""The download trail: read-only for everyone, superusers included (it is evidence)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from elections.readonly_admin import RecordAdmin
from rolls.models import DocumentKind, Download, DownloadKind

REPRINT_MARK = "-REPRINT-"  # in the name of a reprint's download (rolls.admin.reprints)


def download_document(download: Download) -> str:
    """What was downloaded, in words: a PDF's own kind (station roll, door sign, center
    list), which the trail's kind cannot tell apart, then a reprint as such."""
    if download.kind != DownloadKind.ROLL:
        return download.get_kind_display()
    if download.roll_file is None:  # its run was purged: the file's name is what is left
        return gettext("PDF of a station or center (its record was purged)")
    label = download.roll_file.get_kind_display()
    if REPRINT_MARK in download.name:
        return gettext("%(document)s (reprint)") % {"document": label}
    return label


class DocumentFilter(admin.SimpleListFilter):
    """Every kind of download, with each kind of PDF on its own line."""

    title = _("document")
    parameter_name = "document"

    def lookups(self, request, model_admin):
        pdfs = [(f"pdf:{value}", label) for value, label in DocumentKind.choices]
        others = [(v, label) for v, label in DownloadKind.choices if v != DownloadKind.ROLL]
        return pdfs + others

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if not value:
            return queryset
        if value.startswith("pdf:"):
            return queryset.filter(kind=DownloadKind.ROLL, roll_file__kind=value[4:])
        return queryset.filter(kind=value)


@admin.register(Download)
class DownloadAdmin(RecordAdmin):
    # Fits a 1280 px window beside the sidebar and filters: a download is of a run or of an
    # import, never both, so one column says which.
    list_display = ["at", "username", "document", "name", "of", "ip_address"]
    list_filter = [DocumentFilter]
    list_select_related = ["roll_file"]
    search_fields = ["=username", "=run_number", "=import_number", "name"]
    date_hierarchy = "at"
    show_full_result_count = False
    list_per_page = 100
    # The record's page says the document's own kind where the stored kind would not.
    fields = ["document" if f.name == "kind" else f.name for f in Download._meta.fields]
    readonly_fields = fields

    @admin.display(description=_("document"), ordering="kind")
    def document(self, download: Download) -> str:
        return download_document(download)

    @admin.display(description=_("of"))
    def of(self, download: Download) -> str:
        if download.run_number is not None:
            return gettext("run %(run)s") % {"run": download.run_number}
        return gettext("import %(number)s") % {"number": download.import_number}
