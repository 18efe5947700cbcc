"""Cells a spreadsheet program would run as formulas, made inert.

Shared by every CSV the console writes (a run's manifest and exports, an import's rejected
rows): it lives in the register so both apps may import it without ``elections`` importing
``rolls``.
"""

from __future__ import annotations

# A leading tab or carriage return is how some spreadsheets are tricked past the check on
# the first character, so they count as formula starts too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(value: object) -> object:
    """A text cell that a spreadsheet would take for a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
