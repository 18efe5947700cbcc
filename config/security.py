"""django-axes hooks: the client address behind the TLS proxy, and the lockout page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


def forwarded_client_ip(request: HttpRequest) -> str | None:
    """The address the proxy saw: the right-most ``X-Forwarded-For`` entry.

    The proxy appends the address of whoever connected to it, so that entry cannot be forged;
    anything to its left was sent by the client and may be. This assumes one proxy in front
    of the console (BEHIND_TLS_PROXY=1); without the header it is the connecting address.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-1] if hops else request.META.get("REMOTE_ADDR")


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    """The admin's login frame saying why the login was refused and for how long."""
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed logins",
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    response = TemplateResponse(request, "admin/locked_out.html", context, status=429)
    return response.render()
