"""The verification code printed on every page: what it is made of, how it is typed back.

A code is an HMAC-SHA256 of the page's identity (the run that printed it, the document kind,
the center, the station, the page number) under ``settings.VERIFICATION_KEY``, cut to 50 bits
and written as ten Crockford base32 characters in two groups of five ("7KQ2M-XW4PD"). The
alphabet has no I, L, O or U: nothing to confuse with 1 or 0 when a code is read aloud or
typed from paper, and a typed O, I or L is taken as the digit it looks like. Without the key a
code cannot be made by hand for a page; and since every code is recorded when its page is
(``rolls.services.page_codes``), a code that was never printed is simply unknown. 50 bits make
a collision between two of the ~32,000 pages of a million-voter run about one in a million
runs; the lookup answers every page a code matches, so even then nothing is hidden.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import parse_qs, urlsplit

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
CHARS = 10
BITS = 5 * CHARS
GROUP = 5
# What a person may type for a character of the alphabet (Crockford's decoding rules).
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Anything between characters: spaces, dashes, dots, as a code is copied from paper.
_SEPARATORS = re.compile(r"[\s\-_.·/\u2010-\u2015]+")


def page_code(*, run_id: int, kind: str, center_id: int, station_number: int, page: int) -> int:
    """The code of one page, as a number below 2**50 (what is recorded and looked up)."""
    message = f"page:v1:{run_id}:{kind}:{center_id}:{station_number}:{page}".encode()
    digest = hmac.new(settings.VERIFICATION_KEY.encode(), message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - BITS)


def code_text(code: int) -> str:
    """The code as printed: "7KQ2M-XW4PD"."""
    chars = "".join(ALPHABET[(code >> shift) & 31] for shift in range(BITS - 5, -1, -5))
    return f"{chars[:GROUP]}-{chars[GROUP:]}"


def code_value(typed: str) -> int | None:
    """The code someone typed (any case, spaces or dashes, O for 0, I or L for 1), or the
    address a page's QR code holds (``...?code=...``); None when it cannot be a code."""
    typed = typed.strip()
    if "code=" in typed:
        typed = (parse_qs(urlsplit(typed).query).get("code") or [""])[0]
    chars = _SEPARATORS.sub("", typed).upper().translate(_LOOKALIKES)
    if len(chars) != CHARS or any(char not in ALPHABET for char in chars):
        return None
    value = 0
    for char in chars:
        value = value * 32 + ALPHABET.index(char)
    return value


def document_codes(
    *, run_id: int, kind: str, center_id: int, station_number: int, pages: int
) -> tuple[str, ...]:
    """The printed codes of a document's pages, first page first."""
    return tuple(
        code_text(
            page_code(
                run_id=run_id,
                kind=kind,
                center_id=center_id,
                station_number=station_number,
                page=page,
            )
        )
        for page in range(1, pages + 1)
    )
