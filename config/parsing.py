"""Numbers and text that come from outside (a request, a command line), parsed in one place.

``int()`` is no parser for them: it takes ``'٣'`` (an Arabic-Indic three), ``' 7 '`` and
``'1_000'``, and ``str.isdigit()`` is true for ``'²'``, which ``int()`` then refuses with a
traceback. A number here is ASCII digits and nothing else, small enough for any integer
column of both databases (PostgreSQL raises a DataError past 2**31 - 1 in an integer
column). Text must not hold control characters: PostgreSQL refuses NUL in text, and the
others end up in logs and file names.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

# The largest value of a PostgreSQL ``integer`` column: any id, count or number the console
# takes from outside fits every column it may be compared with.
MAX_NUMBER = 2**31 - 1
_ASCII_NUMBER = re.compile(r"[0-9]+")
# C0 and C1 controls and DEL. Tabs and line breaks are allowed only in text that may span
# lines (a reason, a JSON field).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_OR_LINE_BREAK = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class NotANumber(ValueError):
    """The text is not a number in the accepted range; the message says what was expected."""


class ControlCharacters(ValueError):
    """The text holds a NUL or another control character."""


def number_parse(
    text: object, *, what: str = "number", minimum: int = 0, maximum: int = MAX_NUMBER
) -> int:
    """``text`` as an int: ASCII digits only (no sign, no spaces), within the bounds."""
    if not isinstance(text, str) or not _ASCII_NUMBER.fullmatch(text):
        raise NotANumber(
            f"{what} must be a whole number written with the digits 0-9, not {text!r}"[:300]
        )
    # Compared as text first: int() of thousands of digits is slow, and refused past 4,300.
    if len(text.lstrip("0")) > len(str(maximum)):
        raise NotANumber(f"{what} must be at most {maximum:,}, not {text[:30]}…")
    number = int(text)
    if number < minimum:
        raise NotANumber(f"{what} must be at least {minimum}, not {number}")
    if number > maximum:
        raise NotANumber(f"{what} must be at most {maximum:,}, not {number:,}")
    return number


def number_or_none(text: object, *, minimum: int = 1, maximum: int = MAX_NUMBER) -> int | None:
    """An optional id from a query string: the number, or None when it is missing or not an
    id (the page then shows its default, as for no value)."""
    try:
        return number_parse(text, minimum=minimum, maximum=maximum)
    except NotANumber:
        return None


def number_argument(
    *, what: str = "number", minimum: int = 0, maximum: int = MAX_NUMBER
) -> Callable[[str], int]:
    """An argparse ``type=``: a bad number is a usage error (a CommandError under
    call_command), never a traceback."""

    def parse(text: str) -> int:
        try:
            return number_parse(text, what=what, minimum=minimum, maximum=maximum)
        except NotANumber as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = what  # argparse names the type in its message
    return parse


def duration_argument(
    *, unit: str = "seconds", maximum: float = 7 * 24 * 3600
) -> Callable[[str], float]:
    """An argparse ``type=`` for a duration: a finite number above 0 (``inf`` waited for
    ever, ``nan`` not at all)."""

    def parse(text: str) -> float:
        try:
            value = float(text) if text.isascii() else math.nan
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and 0 < value <= maximum):
            raise argparse.ArgumentTypeError(
                f"a number of {unit} above 0 and at most {maximum:g} is expected, not {text!r}"
            )
        return value

    parse.__name__ = unit
    return parse


class NotJSON(ValueError):
    """The text is not JSON, or is too long or too deeply nested to be parsed."""


def _nesting_depth(raw: str) -> int:
    """How deep brackets nest in JSON text, counted without parsing it (brackets inside
    strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in raw:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def json_parse(raw: str, *, what: str, max_chars: int, max_depth: int) -> object:
    """``raw`` parsed, once its size and depth are known to be small: json.loads recurses
    once a bracket and raises RecursionError (no ValueError) past about a thousand."""
    if len(raw) > max_chars:
        raise NotJSON(f"{what} is {len(raw):,} characters long; at most {max_chars:,}")
    if _nesting_depth(raw) > max_depth:
        raise NotJSON(f"{what} nests deeper than {max_depth} levels")
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise NotJSON(f"{what} is not valid JSON ({exc})") from None


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    pattern = _CONTROL if multiline else _CONTROL_OR_LINE_BREAK
    return pattern.search(text) is not None


def text_check(text: str, *, what: str, multiline: bool = False) -> str:
    """``text`` unchanged, or ControlCharacters naming the field."""
    if has_control_characters(text, multiline=multiline):
        raise ControlCharacters(
            f"{what} holds a control character (such as NUL): type it again without it"
        )
    return text


class CheckedCommand(BaseCommand):
    """A management command whose text arguments are refused, with a CommandError, when
    they hold a control character: a NUL reached PostgreSQL (a traceback) and file names."""

    def execute(self, *args, **options):
        named = [(f"--{name.replace('_', '-')}", value) for name, value in options.items()]
        for label, value in [*(("argument", value) for value in args), *named]:
            if isinstance(value, os.PathLike):
                value = os.fspath(value)
            if isinstance(value, str) and has_control_characters(value, multiline=True):
                raise CommandError(f"{label} holds a control character (such as NUL)")
        return super().execute(*args, **options)


class IdConverter:
    """``<id:name>`` in a URL: an id in ASCII digits that fits an integer column, or no match
    (a 404). Django's ``<int:...>`` takes any run of digits, and a foreign-key filter on one
    past 2**63 overflows SQLite's integer (a server error, not a missing page)."""

    regex = "[0-9]{1,10}"

    def to_python(self, value: str) -> int:
        # A ValueError makes Django try the next pattern, then answer 404.
        return number_parse(value, minimum=0)

    def to_url(self, value: int) -> str:
        return str(value)
