"""django-axes hooks (the client address behind the TLS proxy, the lockout page), and the
refusal of NUL characters in query strings and of an empty ``_to_field``."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import TO_FIELD_VAR
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
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


class RefuseNulInQueryMiddleware:
    """400 for a query string holding a NUL character (``?strategy=%00``): PostgreSQL
    refuses NUL in text, so a list filter or search passing it on answered 500. No page
    of the console has a use for one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest("A query string may not hold a NUL character.")
        return self.get_response(request)


class RefuseEmptyToFieldMiddleware:
    """400 for an admin request whose ``_to_field`` is present but empty. The admin skips
    its allowed-field check for an empty value and then looks the field up by name: any
    change, delete or history page with ``?_to_field=`` answered 500 (FieldDoesNotExist),
    for every model, the third-party ones included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        # Read as the admin reads it (its options.py): the form's value, else the query's.
        if request.POST.get(TO_FIELD_VAR, request.GET.get(TO_FIELD_VAR)) == "":
            return HttpResponseBadRequest(f"{TO_FIELD_VAR} names no field.")
        return None
