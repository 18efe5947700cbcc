"""Admin for the election data, kept fast at 1,000,000 voters.

No full counts on big changelists (``show_full_result_count = False`` and a paginator that
does not count), autocomplete instead of select boxes for foreign keys, joins instead of
per-row queries, and searches that can use an index (exact voter number, name prefix).
"""

import zoneinfo

from django import forms
from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Q
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from elections.admin_filters import CenterAutocompleteFilter
from elections.folding import fold, name_candidates
from elections.imports_admin import RegisterImportAdmin
from elections.models import Election, PollingCenter, RegisterImport, Registration, Voter
from elections.services.collation import refresh_sort_keys, voter_sort_keys_refresh

# A name prefix that matches more voters than this ("S") lists the registrations of the
# first ones only: the list is for finding someone, not for paging through half a register.
MAX_SEARCHED_VOTERS = 500


class EstimatedCountPaginator(Paginator):
    """Pages through a huge table without ``SELECT COUNT(*)`` over it on every request.

    On PostgreSQL an unfiltered changelist uses the planner's row estimate (exact enough to
    page through a million voters); a filtered one, or SQLite, counts for real.
    """

    @cached_property
    def count(self) -> int:
        query = getattr(self.object_list, "query", None)
        if connection.vendor == "postgresql" and query is not None and not query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                    [self.object_list.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > 100_000:
                return int(row[0])
        return super().count


class LargeTableAdmin(admin.ModelAdmin):
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50


class ElectionForm(forms.ModelForm):
    """What the database's constraint and the field type would say in their own words (a
    raw constraint name for 0, "greater than or equal to 0" for -3), said once, clearly."""

    max_voters_per_station = forms.IntegerField(
        label=_("Max voters per station"),
        min_value=1,
        error_messages={
            "min_value": _("A station holds at least one voter: give a whole number of 1 or more.")
        },
        help_text=Election._meta.get_field("max_voters_per_station").help_text,
    )

    class Meta:
        model = Election
        fields = [
            "name",
            "slug",
            "polling_date",
            "retention_date",
            "language",
            "max_voters_per_station",
            "time_zone",
        ]

    def clean_time_zone(self) -> str:
        """Schedules run in it: an unknown zone (``Mars/Olympus``) would only fail the
        night the schedule is saved or runs."""
        value = self.cleaned_data["time_zone"].strip()
        if value not in zoneinfo.available_timezones():
            raise forms.ValidationError(
                gettext(
                    "%(zone)s is not a known IANA time zone: use a name such as Europe/Paris, "
                    "America/New_York or UTC."
                )
                % {"zone": repr(value)}
            )
        return value


# The election and center admins are registered by the console (rolls/admin/elections.py),
# which adds its actions to them: the register knows nothing of rolls.
class ElectionAdmin(admin.ModelAdmin):
    form = ElectionForm
    list_display = [
        "name",
        "polling_date",
        "language",
        "max_voters_per_station",
        "time_zone",
        "center_count",
        "retention_date",
    ]
    readonly_fields = ["personal_data_closed_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "polling_date"
    # get_absolute_url is this very admin page: a "View on site" button would lead back here.
    view_on_site = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_centers=Count("centers"))

    @admin.display(description=_("centers"), ordering="_centers")
    def center_count(self, obj: Election) -> int:
        return obj._centers

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "language" in form.changed_data:
            # The register's order is the language's: every key is made again. Runs made
            # before keep their own split; a changed-only run reprints what now differs.
            refresh_sort_keys(election=obj)


class PollingCenterAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "election"]
    list_filter = ["election"]
    list_select_related = ["election"]
    search_fields = ["=code", "name"]
    autocomplete_fields = ["election"]
    show_full_result_count = False


# Registered by the console (rolls/admin/voters.py), which shows each registration's station.
class VoterAdmin(LargeTableAdmin):
    list_display = ["voter_number", "family_name", "given_name"]
    search_fields = ["=voter_number", "^family_name", "^given_name"]
    ordering = ["voter_number"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"family_name", "given_name", "voter_number"} & set(form.changed_data):
            voter_sort_keys_refresh(voter_ids=[obj.pk])


@admin.register(Registration)
class RegistrationAdmin(LargeTableAdmin):
    list_display = ["voter", "voter_name", "center", "election"]
    list_filter = ["election", ("center", CenterAutocompleteFilter)]
    list_select_related = ["voter", "center", "election"]
    # Shown as the search's help; get_search_results does the work (see there).
    search_fields = ["=voter__voter_number", "voter__search_name", "=center__code"]
    search_help_text = _(
        "A voter number, a full name in either order (“Smith Robert”, “Smith, Robert”) or "
        "the start of one, accents and case ignored, or a center code."
    )
    autocomplete_fields = ["voter", "center", "election"]
    ordering = ["id"]

    @property
    def media(self):
        return super().media + CenterAutocompleteFilter.media(self)

    def get_search_results(self, request, queryset, search_term):
        """Voters first, by index (number, folded full name in either order, folded name
        prefix), then their registrations by the voter index: Django's default ORs
        LIKEs across the joined tables, which no index serves (485 ms at 1M voters)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        folded = fold(term)
        voters = Q(voter_number=term)
        if folded:
            voters |= Q(search_name__in=name_candidates(term)) | Q(search_name__startswith=folded)
        voter_ids = list(
            # No ORDER BY: sorting every match of a short prefix would precede the LIMIT.
            Voter.objects.filter(voters)
            .order_by()
            .values_list("id", flat=True)[:MAX_SEARCHED_VOTERS]
        )
        center_ids = list(PollingCenter.objects.filter(code=term).values_list("id", flat=True))
        return queryset.filter(Q(voter_id__in=voter_ids) | Q(center_id__in=center_ids)), False

    @admin.display(description=_("name"))
    def voter_name(self, obj: Registration) -> str:
        return obj.voter.full_name

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        refresh_sort_keys(election=obj.election, voter_ids=[obj.voter_id])


admin.site.register(RegisterImport, RegisterImportAdmin)
