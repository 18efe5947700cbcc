"""Stations as the last assignment left them: read-only (assignment alone writes them)."""

from __future__ import annotations

from django.contrib import admin

from rolls.models import Station


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["center", "number", "voter_count", "first_voter_name", "last_voter_name"]
    list_filter = ["election"]
    list_select_related = ["center"]
    search_fields = ["=center__code"]
    ordering = ["center__code", "number"]
    show_full_result_count = False
    list_per_page = 100

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
