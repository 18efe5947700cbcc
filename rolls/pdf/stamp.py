"""The verification stamp in the top corner of every page: a page's code as text and as a QR
code of it (rolls/page_codes.py makes the codes; painting.stamp_pages draws the stamps).

One place for every document kind (roll, door sign, center list, and any document added
later): a document passes its pages' codes to ``painting.stamp_pages`` and keeps nothing of
the stamp in its template or stylesheet. The QR code is drawn as filled rectangles, one per
run of dark modules in a row, straight into the page (no image, no layout); most of its
cost is segno making the matrix (about 0.3 ms a page).
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
# What a stamp may take from its corner along the top edge (QR code, gap and the longest
# translated label): a document whose content starts higher than the stamp's bottom keeps
# its first lines this far away from the corner.
ROOM = 50.0
BOTTOM = TOP + 21 * MODULE  # a version 1 code's bottom edge, from the page's top
LABEL_SIZE_PT = 6.5
CODE_SIZE_PT = 10.0
LABEL_BASELINE = 3.4  # below TOP
CODE_BASELINE = 7.9
# One mask for every code: segno's choice of the best of eight is four fifths of its time,
# and any mask reads (the test reads every kind of page back with zxing-cpp).
MASK = 0


@dataclass(frozen=True)
class Stamp:
    """What one page carries: the code as printed, its label, and its QR code as PDF path
    operators, one rectangle (``x y width 1 re``) per run of dark modules in a row, in
    modules from the code's top-left corner."""

    code: str
    label: str
    path: bytes
    size: int  # modules a side


def qr_path(text: str) -> tuple[bytes, int]:
    """A QR code of *text* as path operators (Stamp.path) and its size in modules. Written
    here as one piece: through pydyf's ``rectangle`` (four numbers formatted a rectangle,
    about 100 rectangles a code) it cost more than laying out the rest of the stamp."""
    matrix = segno.make_qr(text, error="m", mask=MASK).matrix
    operators = []
    for row, modules in enumerate(matrix):
        start = None
        for column, dark in enumerate((*modules, 0)):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                operators.append(f"{start} {row} {column - start} 1 re")
                start = None
    return "\n".join(operators).encode(), len(matrix)


def stamps(codes, label: str) -> list[Stamp]:
    """One stamp a page, for the codes of a document's pages in page order."""
    made = []
    for code in codes:
        path, size = qr_path(code)
        made.append(Stamp(code=code, label=label, path=path, size=size))
    return made
