"""The verification stamp in the top corner of every page: a page's code as text and as a QR
code of it (rolls/page_codes.py makes the codes; painting.stamp_pages draws the stamps).

One place for every document kind (roll, door sign, center list, and any document added
later): a document passes its pages' codes to ``painting.stamp_pages`` and keeps nothing of
the stamp in its template or stylesheet. The QR code is drawn as filled rectangles, one per
run of dark modules in a row, straight into the page (no image, no layout): about 0.4 ms a
page, most of it segno making the matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import segno

# Geometry in millimetres from the page's top edge and the right edge of its content: the
# stamp sits in the top margin, above any running header, clear of a printer's unprintable
# edge (about 4 mm).
TOP = 4.5
MODULE = 0.4  # a version 1 code (21 modules) is 8.4 mm square: read by a phone at 15 cm
TEXT_GAP = 2.5  # between the text and the QR code's left edge
LABEL_SIZE_PT = 6.5
CODE_SIZE_PT = 10.0
LABEL_BASELINE = 3.4  # below TOP
CODE_BASELINE = 7.9
# One mask for every code: segno's choice of the best of eight is four fifths of its time,
# and any mask reads (the test reads every kind of page back with zxing-cpp).
MASK = 0


@dataclass(frozen=True)
class Stamp:
    """What one page carries: the code as printed, its label, and the dark runs of its QR
    code as (row, first column, length) in modules."""

    code: str
    label: str
    runs: tuple[tuple[int, int, int], ...]
    size: int  # modules a side


def qr_runs(text: str) -> tuple[tuple[tuple[int, int, int], ...], int]:
    """The dark modules of a QR code of *text*, merged into horizontal runs."""
    matrix = segno.make_qr(text, error="m", mask=MASK).matrix
    runs = []
    for row, modules in enumerate(matrix):
        start = None
        for column, dark in enumerate((*modules, 0)):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                runs.append((row, start, column - start))
                start = None
    return tuple(runs), len(matrix)


def stamps(codes, label: str) -> list[Stamp]:
    """One stamp a page, for the codes of a document's pages in page order."""
    made = []
    for code in codes:
        runs, size = qr_runs(code)
        made.append(Stamp(code=code, label=label, runs=runs, size=size))
    return made
