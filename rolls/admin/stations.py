"""Each run's stations: read-only (assignment alone writes them, and a run's split is a
record)."""

from __future__ import annotations

from django.contrib import admin

from elections.admin_filters import CenterAutocompleteFilter
from elections.readonly_admin import RecordAdmin
from rolls.models import Station


@admin.register(Station)
class StationAdmin(RecordAdmin):
    list_display = [
        "run",
        "center",
        "number",
        "voter_count",
        "first_voter_name",
        "last_voter_name",
    ]
    list_filter = ["election", ("center", CenterAutocompleteFilter)]
    list_select_related = ["center", "run"]
    search_fields = ["=center__code", "=run__id"]
    ordering = ["-run_id", "center__code", "number"]
    show_full_result_count = False
    list_per_page = 100

    @property
    def media(self):
        return super().media + CenterAutocompleteFilter.media(self)
