"""Page geometry shared by the stylesheet, the row background and the tests.

Everything is in millimetres on an A4 portrait page. The roll rows are lines drawn one row
apart (painting.py); the zebra stripes and signature boxes are one SVG tile repeated under
them, so the numbers here must agree with the CSS exactly: the template takes them from this
module.
"""

from __future__ import annotations

from urllib.parse import quote

PT = 25.4 / 72  # millimetres per point

PAGE_WIDTH = 210.0
PAGE_HEIGHT = 297.0
MARGIN_TOP = 25.0
MARGIN_BOTTOM = 16.0
MARGIN_LEFT = 15.0
MARGIN_RIGHT = 15.0
CONTENT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT

FONT_SIZE_PT = 9.0
EM = FONT_SIZE_PT * PT  # one em of the row text, in millimetres

ROW_HEIGHT = 6.0
COLUMN_HEADS_HEIGHT = 7.0
HEADS_FONT_SIZE_PT = 7.0
TEXT_INSET = 2.0  # left padding of the row text inside the stripe

SIGNATURE_X = 124.0  # from the left edge of the rows
SIGNATURE_RIGHT_INSET = 1.5
SIGNATURE_WIDTH = CONTENT_WIDTH - SIGNATURE_RIGHT_INSET - SIGNATURE_X
SIGNATURE_INSET_Y = 0.8
SIGNATURE_LABEL_INSET = 1.5
# Names stop this far before the box, so a stroke of ink never touches the next column.
NAME_GAP = 3.0

STRIPE_COLOUR = "#eceff4"
BOX_STROKE = "#5b6473"
BOX_STROKE_WIDTH = 0.25


def signature_box_x(rtl: bool = False) -> float:
    """Left edge of the signature box within the rows: mirrored on a right-to-left roll, where
    the row number is at the right edge and the box at the left."""
    return CONTENT_WIDTH - SIGNATURE_X - SIGNATURE_WIDTH if rtl else SIGNATURE_X


def row_tile_svg(rtl: bool = False) -> str:
    """Two rows (plain, striped), each with its signature box; repeated down the page."""
    box_h = ROW_HEIGHT - 2 * SIGNATURE_INSET_Y
    box = (
        f'<rect x="{signature_box_x(rtl)}" y="{{y}}" width="{SIGNATURE_WIDTH}" height="{box_h}" '
        f'fill="#fff" stroke="{BOX_STROKE}" stroke-width="{BOX_STROKE_WIDTH}"/>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CONTENT_WIDTH}mm" '
        f'height="{2 * ROW_HEIGHT}mm" viewBox="0 0 {CONTENT_WIDTH} {2 * ROW_HEIGHT}" '
        'preserveAspectRatio="none">'
        f'<rect x="0" y="{ROW_HEIGHT}" width="{CONTENT_WIDTH}" height="{ROW_HEIGHT}" '
        f'fill="{STRIPE_COLOUR}"/>'
        + box.format(y=SIGNATURE_INSET_Y)
        + box.format(y=ROW_HEIGHT + SIGNATURE_INSET_Y)
        + "</svg>"
    )


def row_tile_data_url(rtl: bool = False) -> str:
    # Fully percent-encoded: the URL goes into a <style> element, where HTML escaping does not
    # apply, so it must not contain a quote, a '<' or anything else that needs escaping.
    return "data:image/svg+xml," + quote(row_tile_svg(rtl), safe="")
