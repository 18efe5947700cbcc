"""The download trail: read-only for everyone, superusers included (it is evidence)."""

from __future__ import annotations

from django.contrib import admin

from elections.readonly_admin import RecordAdmin
from rolls.models import Download


@admin.register(Download)
class DownloadAdmin(RecordAdmin):
    # A download is of a run's files or of an import's rejected rows: one column says which,
    # so the list fits a 1280 px window.
    list_display = ["at", "username", "kind", "name", "source", "ip_address"]
    list_filter = ["kind"]
    search_fields = ["=username", "=run_number", "=import_number", "name"]
    date_hierarchy = "at"
    show_full_result_count = False
    list_per_page = 100
    readonly_fields = [f.name for f in Download._meta.fields]

    @admin.display(description="of")
    def source(self, download: Download) -> str:
        if download.run_number is not None:
            return f"run {download.run_number}"
        return f"import {download.import_number}"
