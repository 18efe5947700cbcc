"""The voter admin with where each voter votes, and the Find a voter page.

Registered here, not in elections/admin.py: stations and rolls are the console's, and the
register knows nothing of them (as for the election and center admins).
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from config.parsing import has_control_characters, number_or_none
from elections.admin import VoterAdmin
from elections.models import Election, Voter
from elections.references import UnknownElection, election_resolve
from rolls.admin.access import DOWNLOAD_ROLLS, require
from rolls.selectors.voters import voter_places, voters_find

ANSWERS_TEMPLATE = "admin/elections/voter/includes/answers.html"
VIEW_VOTERS = "elections.view_voter"


def answers_html(request: HttpRequest, answers) -> SafeString:
    return render_to_string(
        ANSWERS_TEMPLATE,
        {"answers": answers, "can_download": request.user.has_perm(DOWNLOAD_ROLLS)},
        request=request,
    )


@admin.register(Voter)
class VoterConsoleAdmin(VoterAdmin):
    change_list_template = "admin/elections/voter/change_list.html"
    change_form_template = "admin/elections/voter/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The voter's registrations with their center, station, page and row."""
        voter = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if voter is not None:
            extra["where_they_vote"] = answers_html(request, voter_places(voter))
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def get_urls(self):
        find = path(
            "find/", self.admin_site.admin_view(self.find_view), name="elections_voter_find"
        )
        return [find, *super().get_urls()]

    def find_view(self, request: HttpRequest) -> TemplateResponse:
        """Find a voter by number, name or a prefix of a name; answers center, station, page
        and row, a page of voters at a time."""
        require(request, VIEW_VOTERS)
        query = request.GET.get("q", "").strip()[:200]
        slug = request.GET.get("election", "").strip()
        election, problem = None, ""
        if has_control_characters(query):
            problem = gettext("The search holds a control character: type it again without it.")
        elif slug:
            try:
                election = election_resolve(slug)
            except UnknownElection as exc:
                # Never "every election" instead of the one asked for: nothing is searched.
                problem = str(exc)
        searched = bool(query) and not problem
        page = number_or_none(request.GET.get("page")) or 1
        found = voters_find(query, election=election, page=page) if searched else None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Find a voter"),
            "query": query,
            "election_slug": slug,
            "problem": problem,
            "elections": Election.objects.order_by("-polling_date", "name")[:200],
            "answers_html": answers_html(request, found.answers) if found and found.answers else "",
            "searched": searched,
            "found": found,
        }
        response = TemplateResponse(request, "admin/elections/voter/find.html", context)
        response["Cache-Control"] = "private, no-store"
        return response
