"""Verify a printed page: the form where a page's code is typed, and the answer in words."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext

from rolls.admin.access import VIEW_RUNS, require
from rolls.selectors.printed_pages import page_verify

MAX_TYPED = 300  # a code is 11 characters; the address a QR code holds, a few dozen


def page_verify_view(request: HttpRequest, *, model_admin) -> TemplateResponse:
    """Staff and observers type (or scan into) the code; ``?code=`` fills the form, so the
    address of this page with a code answers it at once."""
    require(request, VIEW_RUNS)
    typed = request.GET.get("code", "")[:MAX_TYPED]
    answers = page_verify(typed) if typed.strip() else []
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": gettext("Verify a printed page"),
        "typed": typed,
        "answers": answers,
    }
    response = TemplateResponse(request, "admin/rolls/run/verify_page.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
