"""The download trail: read-only for everyone, superusers included (it is evidence)."""

from __future__ import annotations

from django.contrib import admin

from elections.readonly_admin import RecordAdmin
from rolls.models import Download


@admin.register(Download)
class DownloadAdmin(RecordAdmin):
    list_display = ["at", "username", "kind", "name", "run_number", "import_number", "ip_address"]
    list_filter = ["kind"]
    search_fields = ["=username", "=run_number", "=import_number", "name"]
    date_hierarchy = "at"
    show_full_result_count = False
    list_per_page = 100
    readonly_fields = [f.name for f in Download._meta.fields]
