"""The commission's signing key in the console: its fingerprint on the election and run
pages, and its public half (PEM) for staff and observers to hand on or check sets with.

The public key is no secret, but it is what observers trust: it is served to logged-in
console users only (so nobody can be pointed at a look-alike page), and a published set's
page serves the key that signed that set, which stays right after the key is rotated.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.http import content_disposition_header

from rolls.admin.access import VIEW_RUNS, require
from rolls.models import Run, SetSignature
from rolls.selectors.signatures import run_set_signature
from rolls.services.signing import commission_public_key, signature_public_key
from rolls.signed_sets import grouped, key_fingerprint, public_key_base64, public_key_pem

PRIVATE = "private, no-store"


def pem_response(public_key: Ed25519PublicKey) -> HttpResponse:
    fingerprint = key_fingerprint(public_key)
    response = HttpResponse(public_key_pem(public_key), content_type="application/x-pem-file")
    response["Content-Disposition"] = content_disposition_header(
        True, f"roll-set-signing-key-{fingerprint[:16]}.pem"
    )
    response["Cache-Control"] = PRIVATE
    return response


def signing_key_view(request: HttpRequest, *, model_admin) -> HttpResponse:
    """The commission's current public key: the one the next publication signs with."""
    require(request, VIEW_RUNS)
    public_key, problem = commission_public_key()
    if public_key is None:
        raise Http404(problem)
    return pem_response(public_key)


def run_signing_key_view(request: HttpRequest, run_id: int, *, model_admin) -> HttpResponse:
    """The public key that signed this run's set when it was published."""
    require(request, VIEW_RUNS)
    signed = run_set_signature(get_object_or_404(Run, pk=run_id).pk)
    if signed is None:
        raise Http404("This run's set was never signed (it was not published with a key)")
    return pem_response(signature_public_key(signed))


def signing_urls(wrap) -> list:
    """The two public-key downloads, mounted under the run admin (``wrap``: its view wrapper)."""
    current = wrap(signing_key_view)
    of_run = wrap(run_signing_key_view)
    return [
        path("signing-key.pem", current, name="rolls_run_current_signing_key"),
        path("<id:run_id>/signing-key.pem", of_run, name="rolls_run_signing_key"),
    ]


def key_facts(public_key: Ed25519PublicKey, url: str) -> dict:
    fingerprint = key_fingerprint(public_key)
    return {
        "fingerprint": fingerprint,
        "fingerprint_grouped": grouped(fingerprint),
        "base64": public_key_base64(public_key),
        "url": url,
    }


def signed_facts(signed: SetSignature) -> dict:
    return {
        **key_facts(
            signature_public_key(signed),
            reverse("admin:rolls_run_signing_key", args=[signed.run_id]),
        ),
        "signed_at": signed.signed_at,
        "run_id": signed.run_id,
    }


def commission_facts() -> dict:
    """The current key's facts, or ``{"problem": why there is none}``."""
    public_key, problem = commission_public_key()
    if public_key is None:
        return {"problem": problem}
    return key_facts(public_key, reverse("admin:rolls_run_current_signing_key"))


def signing_context(request: HttpRequest, signed: SetSignature | None) -> dict:
    """The signing panel of a page (a run's, an election's): the key that signed the set
    shown (``signed``: the run's, the election's official set's), and the commission's key,
    which signs the next publication."""
    if not request.user.has_perm(VIEW_RUNS):
        return {}
    current = commission_facts()
    return {
        "signing": {
            "signed": signed_facts(signed) if signed else None,
            "current": current,
            "rotated": bool(signed) and current.get("fingerprint") != signed.key_fingerprint,
        }
    }
