"""The "Close personal data" action on elections: a confirmation page that counts everything
the closing removes and says what stays, then the closing (``rolls.services.closing``).

One election at a time, and only with the ``rolls.close_personal_data`` permission, which no
role holds by default: the closing cannot be undone, so it is granted to named people."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from elections.models import Election
from elections.readonly_admin import RecordAdmin
from rolls.admin.access import CLOSE_PERSONAL_DATA, require
from rolls.models import PersonalDataClosing
from rolls.services.closing import (
    ClosingRefused,
    closing_plan,
    closing_refused,
    personal_data_close,
    removed_lines,
)


@admin.action(description=_("Close personal data"), permissions=["close_personal_data"])
def close_personal_data(modeladmin, request: HttpRequest, queryset: QuerySet[Election]):
    require(request, CLOSE_PERSONAL_DATA)
    elections = list(queryset[:2])
    if len(elections) != 1:
        modeladmin.message_user(
            request,
            gettext("Close the personal data of one election at a time: select only one."),
            messages.ERROR,
        )
        return None
    (election,) = elections
    refused = closing_refused(election)
    if refused:
        modeladmin.message_user(request, refused, messages.ERROR)
        return None
    if request.POST.get("post"):
        try:
            closing = personal_data_close(
                election_id=election.pk, closed_by=f"admin:{request.user.get_username()}"
            )
        except ClosingRefused as exc:
            modeladmin.message_user(request, str(exc), messages.ERROR)
            return None
        modeladmin.message_user(
            request,
            gettext(
                "The personal data of %(election)s is closed: %(files)s files, "
                "%(registrations)s registrations and %(voters)s voters removed. Its runs and "
                "their SHA-256 records remain."
            )
            % {
                "election": election.name,
                "files": closing.removed["stored_files"],
                "registrations": closing.removed["registrations"],
                "voters": closing.removed["voters"],
            },
            messages.SUCCESS,
        )
        return None
    return TemplateResponse(
        request,
        "admin/rolls/close_personal_data.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "title": gettext("Close the personal data of %(election)s") % {"election": election},
            "election": election,
            "queryset": [election],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action_name": "close_personal_data",
            "lines": removed_lines(closing_plan(election_id=election.pk).as_dict()),
            "submit_label": gettext("Yes, close its personal data"),
            "media": modeladmin.media,
        },
    )


@admin.register(PersonalDataClosing)
class PersonalDataClosingAdmin(RecordAdmin):
    """Every closing: which election, who, when, and how much of each kind went."""

    list_display = ["election_name", "retention_date", "closed_by", "finished_at"]
    readonly_fields = ["removed_counts"]
    exclude = ["removed"]

    @admin.display(description=_("removed"))
    def removed_counts(self, obj: PersonalDataClosing) -> str:
        return format_html_join(
            "", "<div>{}: {}</div>", ((label, f"{n:,}") for label, n in removed_lines(obj.removed))
        )
