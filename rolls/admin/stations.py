"""Each run's stations: read-only (assignment alone writes them, and a run's split is a
record)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from elections.admin_filters import CenterAutocompleteFilter
from elections.readonly_admin import RecordAdmin
from rolls.models import Station


@admin.register(Station)
class StationAdmin(RecordAdmin):
    list_display = [
        "run_link",
        "center",
        "station_number",
        "voters",
        "first_voter",
        "last_voter",
    ]
    list_filter = ["election", ("center", CenterAutocompleteFilter)]
    list_select_related = ["center", "run"]
    search_fields = ["=center__code", "=run__id"]
    ordering = ["-run_id", "center__code", "number"]
    show_full_result_count = False
    list_per_page = 100

    @admin.display(description=_("run"), ordering="run_id")
    def run_link(self, station: Station) -> str:
        """The run by its number, linked to its page (the run's own name ends in an election
        id, and took a third of the table)."""
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:rolls_run_change", args=[station.run_id]),
            gettext("Run %(run)s") % {"run": station.run_id},
        )

    # Short headings: Django never wraps a heading, and "first voter name" and its like
    # pushed the voters' names out of a 1280 px window.
    @admin.display(description=_("station"), ordering="number")
    def station_number(self, station: Station) -> int:
        return station.number

    @admin.display(description=_("voters"), ordering="voter_count")
    def voters(self, station: Station) -> int:
        return station.voter_count

    @admin.display(description=_("first voter"), ordering="first_voter_name")
    def first_voter(self, station: Station) -> str:
        return station.first_voter_name

    @admin.display(description=_("last voter"), ordering="last_voter_name")
    def last_voter(self, station: Station) -> str:
        return station.last_voter_name

    @property
    def media(self):
        return super().media + CenterAutocompleteFilter.media(self)
