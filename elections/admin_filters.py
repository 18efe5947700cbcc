"""A list filter by polling center that stays usable with thousands of centers: Django's own
autocomplete widget (select2, fed by the center admin's search) instead of a link per center.

No package: the admin already ships the widget and its JSON view; this is the small
``FieldListFilter`` that puts it in the filter sidebar. The chosen center filters on the
foreign key column itself (``center_id = N``), which the tables' center indexes serve.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils.translation import gettext

from config.parsing import number_or_none


class CenterAutocompleteFilter(admin.FieldListFilter):
    template = "admin/elections/autocomplete_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.lookup_kwarg = f"{field_path}__id__exact"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.chosen = self._chosen()
        self.form_field = forms.ModelChoiceField(
            queryset=field.remote_field.model._default_manager.all(),
            widget=AutocompleteSelect(field, model_admin.admin_site),
            required=False,
        )

    def _chosen(self) -> int | None:
        value = self.used_parameters.get(self.lookup_kwarg)
        if isinstance(value, list):
            value = value[-1] if value else None
        if value in (None, ""):
            return None
        chosen = number_or_none(str(value))
        if chosen is None:
            raise IncorrectLookupParameters(f"{self.lookup_kwarg} must be a center id")
        return chosen

    def expected_parameters(self) -> list[str]:
        return [self.lookup_kwarg]

    def has_output(self) -> bool:
        return True

    def queryset(self, request, queryset):
        if self.chosen is None:
            return queryset
        return queryset.filter(**{f"{self.field_path}_id": self.chosen})

    def choices(self, changelist):
        yield {
            "selected": self.chosen is None,
            "query_string": changelist.get_query_string(remove=[self.lookup_kwarg]),
            "display": gettext("All"),
        }

    def widget_html(self) -> str:
        return self.form_field.widget.render(
            self.lookup_kwarg,
            self.chosen,
            attrs={"id": f"filter-{self.lookup_kwarg}", "data-filter-param": self.lookup_kwarg},
        )

    @staticmethod
    def media(model_admin) -> forms.Media:
        """What the changelist needs besides its own media: select2 and the widget's script."""
        widget = AutocompleteSelect(
            model_admin.model._meta.get_field("center"), model_admin.admin_site
        )
        return widget.media + forms.Media(js=["elections/autocomplete_filter.js"])
