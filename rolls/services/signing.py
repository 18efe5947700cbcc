"""The commission's signing key, and the signed manifest of a set being published.

The key comes from ``ROLL_SET_SIGNING_KEY`` (or ``ROLL_SET_SIGNING_KEY_FILE``), PEM. The
embedded default makes one under ``var/`` on first use; production without a key refuses to
publish (``SigningKeyUnavailable``), and nothing is published. What is signed, and how a
downloaded set is checked, is :mod:`rolls.signed_sets` (no Django there, so observers can run
it anywhere).
"""

from __future__ import annotations

import datetime
import logging
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils.translation import gettext

from rolls.models import RollFile, Run, RunCenter, SetSignature
from rolls.services.manifest import zip_entry_name
from rolls.signed_sets import (
    FORMAT,
    KEY_FINGERPRINT,
    PUBLIC_KEY,
    SIGNATURE,
    SIGNED_MANIFEST,
    VERIFY_NOTE,
    SigningKeyError,
    grouped,
    key_fingerprint,
    manifest_sign,
    private_key_from_pem,
    private_key_pem,
    public_key_pem,
    raw_public_bytes,
)

logger = logging.getLogger(__name__)


class SigningKeyUnavailable(Exception):
    """No usable signing key: the message says what to set."""


def _key_file_made(path: Path) -> None:
    """Make the embedded default's key at ``path`` (and say so in the log).

    Written to a temporary file, then linked into place: two processes starting at once
    both end up with the one key that won, never with half a file."""
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".signing-key-")
    try:
        os.fchmod(handle, 0o600)
        os.write(handle, private_key_pem(key))
        os.close(handle)
        os.link(temporary, path)
    except FileExistsError:
        return  # another process made it first: theirs is the key
    finally:
        Path(temporary).unlink(missing_ok=True)
    # The fingerprint only: the key itself never reaches a log.
    logger.warning(
        "made a new roll-set signing key at %s (fingerprint %s) for this development "
        "console; production sets ROLL_SET_SIGNING_KEY_FILE",
        path,
        key_fingerprint(key.public_key()),
    )


def _default_key(path: Path) -> Ed25519PrivateKey:
    """The embedded default's key at ``path``, made on first use."""
    try:
        if not path.exists():
            _key_file_made(path)
        pem = path.read_bytes()
    except OSError as exc:
        raise SigningKeyUnavailable(
            gettext("cannot read or make the signing key %(path)s (%(reason)s)")
            % {"path": path, "reason": exc.strerror or exc}
        ) from None
    return private_key_from_pem(pem, source=str(path))


def commission_key() -> Ed25519PrivateKey:
    """The private key publications are signed with, or SigningKeyUnavailable saying why."""
    try:
        if settings.ROLL_SET_SIGNING_KEY:
            return private_key_from_pem(
                settings.ROLL_SET_SIGNING_KEY,
                source="ROLL_SET_SIGNING_KEY (or the file ROLL_SET_SIGNING_KEY_FILE names)",
            )
        if settings.ROLL_SET_SIGNING_KEY_DEFAULT_FILE:
            return _default_key(Path(settings.ROLL_SET_SIGNING_KEY_DEFAULT_FILE))
    except SigningKeyError as exc:
        raise SigningKeyUnavailable(str(exc)) from None
    raise SigningKeyUnavailable(
        gettext(
            "no signing key is configured: set ROLL_SET_SIGNING_KEY_FILE to the commission's "
            "Ed25519 private key (PEM; `make compose-secrets` writes one)"
        )
    )


def commission_public_key() -> tuple[Ed25519PublicKey | None, str]:
    """The public half of the commission's key for the pages, or None and why not."""
    try:
        return commission_key().public_key(), ""
    except SigningKeyUnavailable as exc:
        return None, str(exc)


def set_document(
    *, run: Run, rolls: list[RollFile], published_at: datetime.datetime, fingerprint: str
) -> dict:
    """What a publication signs: the election, the run with its purpose and each center's
    split fingerprint, every file by its name in the set's folder with its SHA-256, the
    publication time and the key's fingerprint. ``roll.center`` must be loaded."""
    election = run.election
    centers = RunCenter.objects.filter(run=run).select_related("center").order_by("center__code")
    return {
        "format": FORMAT,
        "election": {
            "id": election.pk,
            "name": election.name,
            "slug": election.slug,
            "language": election.language,
            "polling_date": election.polling_date.isoformat() if election.polling_date else None,
        },
        "run": {
            "id": run.pk,
            "purpose": run.purpose,
            "strategy": run.strategy,
            "assignment_mode": run.assignment_mode,
            "template_version": run.template_version,
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        },
        "centers": [
            {
                "code": rc.center.code,
                "name": rc.center.name,
                "stations": rc.stations,
                "voters": rc.voters,
                "split_fingerprint": rc.fingerprint,
                "split_run": rc.split_run_id,
            }
            for rc in centers
        ],
        "files": sorted(
            (
                {
                    "name": zip_entry_name(run, roll).split("/", 1)[1],
                    "sha256": roll.sha256,
                    "bytes": roll.bytes,
                    "pages": roll.pages,
                    "center": roll.center.code,
                    "station": roll.station_number,
                    "document": roll.kind,
                    "voters": roll.voters,
                }
                for roll in rolls
            ),
            key=lambda entry: entry["name"],
        ),
        "published_at": published_at.astimezone(datetime.UTC).isoformat(),
        "signing_key": fingerprint,
    }


def set_signature_create(
    *, run: Run, key: Ed25519PrivateKey, published_at: datetime.datetime
) -> SetSignature:
    """Sign the run's set as published at ``published_at``; call it inside the transaction
    that publishes the run, so a set is never published unsigned (or signed unpublished)."""
    public = key.public_key()
    fingerprint = key_fingerprint(public)
    rolls = list(RollFile.objects.filter(run=run).select_related("center"))
    document = set_document(
        run=run, rolls=rolls, published_at=published_at, fingerprint=fingerprint
    )
    signed, signature = manifest_sign(key, document)
    return SetSignature.objects.create(
        run=run,
        manifest=signed.decode("utf-8"),
        signature=signature,
        public_key=raw_public_bytes(public),
        key_fingerprint=fingerprint,
        signed_at=published_at,
    )


def signature_public_key(signed: SetSignature) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes(signed.public_key))


def signature_files(signed: SetSignature) -> list[tuple[str, bytes]]:
    """What a published set's zip holds besides its PDFs: the signed manifest, its signature,
    the key's fingerprint, the public key (a convenience: a check must use the key the
    commission handed out, not this one) and how to check it all."""
    fingerprint = signed.key_fingerprint
    note = gettext(
        "This set was signed by the election commission when it was published.\n"
        "%(manifest)s lists every file with its SHA-256; %(signature)s is its Ed25519 "
        "signature.\n\n"
        "The signing key's fingerprint (SHA-256 of the public key):\n  %(fingerprint)s\n\n"
        "Check it with the public key the commission gave you (never only the copy in this "
        "zip, which whoever changed the set could have replaced):\n"
        "  python manage.py verify_set THIS.zip --public-key COMMISSION.pem\n"
        "or with Python and its cryptography package alone (rolls/signed_sets.py of the "
        "console's source):\n"
        "  python signed_sets.py THIS.zip --public-key COMMISSION.pem\n"
        "or, with OpenSSL 3 alone (the signature only, not the files):\n"
        "  openssl pkeyutl -verify -pubin -inkey COMMISSION.pem -rawin "
        "-in %(manifest)s -sigfile %(signature)s\n"
    ) % {"manifest": SIGNED_MANIFEST, "signature": SIGNATURE, "fingerprint": grouped(fingerprint)}
    return [
        (SIGNED_MANIFEST, signed.signed_bytes),
        (SIGNATURE, bytes(signed.signature)),
        (KEY_FINGERPRINT, f"{fingerprint}\n".encode()),
        (PUBLIC_KEY, public_key_pem(signature_public_key(signed))),
        (VERIFY_NOTE, note.encode("utf-8")),
    ]
