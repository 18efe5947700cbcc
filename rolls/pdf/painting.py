"""The voter rows of each roll page, and the running header of the later pages, drawn into
the pages WeasyPrint lays out.

WeasyPrint lays out and draws everything else (the cover, the column heads, the end-of-roll
line, and the running header and footer of the first roll page, which repeat_running_header
draws again on the later pages). The rows area of a page is one block ``<img>`` as
tall as its rows, with the repeated SVG tile (stripes and signature boxes) as its background.
Once the document is laid out, its placeholder image is swapped for a ``RowText``, which
WeasyPrint then draws where the image would be: after the box's background, in page order,
so the text a reader extracts still runs header, column heads, rows, footer.

``RowText`` draws each row as one Pango line (a row whose name had to be fitted, roll_lines.py, as
its numbers and then its name's lines at their smaller size, centred in the row), in the
same fonts, language, size and colour the stylesheet gives the rows, through WeasyPrint's
own glyph drawing (so fonts are embedded, subset and mapped back to text exactly as for the
rest of the page), on the baseline WeasyPrint's own line box would have. Why: laid out as
lines of a ``<pre>``, every row was a line box with its text boxes to cascade, split and
position, and for ``white-space: pre`` the rest of the page's text was shaped again for
every line. Drawn like this, with the header repeated, a 500-voter station takes about 60%
of the time it took (``python -m bench.pdf``).

Everything here that needs WeasyPrint's internals (its boxes, text layouts, glyph drawing
and page painting, as its own SVG text uses them) goes through engine.py, the one module that
touches them; the PDF tests read every row back, so an upgrade that changes them fails loudly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rolls.pdf import engine, stamp
from rolls.pdf.fitting import LEADING
from rolls.pdf.roll_lines import FittedRow, Row
from rolls.pdf.stamp import Stamp

ROWS_CLASS = "rows"
PX_PER_PT = 96 / 72
PX_PER_MM = 96 / 25.4
HEADS_CLASS = "heads"
# What the rows' <img> loads until its text is drawn instead: an empty SVG (WeasyPrint needs
# an image to make a replaced box; a failed load would print the alt text instead, and the
# swap below would then find fewer boxes than pages and refuse the document).
PLACEHOLDER = (
    "data:image/svg+xml,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22"
    "%20width%3D%221%22%20height%3D%221%22%2F%3E"
)


class RowsNotPlaced(RuntimeError):
    """The laid-out document does not have one rows box per roll page."""


class RowText:
    """The text of one page's rows, drawn in place of the rows box's image.

    ``inset`` is the distance from the line's starting edge (left, or right on a right-to-left
    roll, whose lines are right-aligned) in CSS pixels; ``row_height`` the pitch of the tile.
    """

    def __init__(self, lines: Sequence[Row], *, inset: float, row_height: float, rtl: bool):
        self.lines = lines
        self.inset = inset
        self.row_height = row_height
        self.rtl = rtl

    def get_intrinsic_size(self, image_resolution, font_size):
        return None, None, None  # the box's size: set by the stylesheet

    def draw(self, stream, concrete_width, concrete_height, style):
        line_height, baseline = engine.strut_of(style)
        if abs(line_height - self.row_height) > 0.01:
            # The rows would drift off the stripes and boxes of the background tile.
            raise RowsNotPlaced(
                f"rows line height {line_height:.3f}px, tile row {self.row_height:.3f}px"
            )
        layout = engine.text_layout(style)
        smaller = _SmallerText(style)
        engine.set_fill_colour(stream, style)
        emojis = []
        with engine.text_object(stream):
            for index, row in enumerate(self.lines):
                fitted = row if isinstance(row, FittedRow) else None
                if fitted is None and not row.strip():
                    continue
                layout.set_text(fitted.numbers if fitted else row)
                x = self.inset
                if self.rtl:
                    x = concrete_width - self.inset - engine.line_width(layout, style)
                y = index * line_height + baseline
                emojis.append((x, y, style, engine.draw_line(stream, layout, style, x, y)))
                if fitted:  # right after its numbers: the text reads back row by row
                    top = index * line_height
                    emojis.extend(
                        smaller.draw(stream, fitted, top, line_height, y, concrete_width, self.rtl)
                    )
        # Colour glyphs (a system fallback font may be an emoji font) are images of their own.
        engine.draw_colour_glyph_lines(stream, emojis)
        smaller.deactivate()
        layout.deactivate()


class _SmallerText:
    """The names of fitted rows: a layout per size, made the first time a page needs it."""

    def __init__(self, style):
        self.style = style
        self.sizes: dict[float, tuple] = {}

    def _at(self, size_pt: float) -> tuple:
        if size_pt not in self.sizes:
            style = engine.restyled(self.style, font_size=size_pt * PX_PER_PT)
            # Measured as the rows' own line is, at this size.
            height, baseline = engine.line_metrics(style)
            self.sizes[size_pt] = (engine.text_layout(style), style, height, baseline)
        return self.sizes[size_pt]

    def draw(self, stream, row: FittedRow, top, row_height, row_baseline, width, rtl: bool):
        """Draw the name lines of *row*, whose stripe starts at *top*: one line on the row's
        baseline, more centred in the row; the colour glyphs drawn, for draw_colour_glyphs."""
        layout, style, height, baseline = self._at(row.size_pt)
        pitch = row.size_pt * LEADING * PX_PER_PT
        count = len(row.name_lines)
        first = top + (row_height - count * pitch) / 2 + (pitch - height) / 2 + baseline
        edge = row.name_at * PX_PER_MM
        drawn = []
        for number, text in enumerate(row.name_lines):
            layout.set_text(text)
            x = width - edge - engine.line_width(layout, style) if rtl else edge
            y = row_baseline if count == 1 else first + number * pitch
            drawn.append((x, y, style, engine.draw_line(stream, layout, style, x, y)))
        return drawn

    def deactivate(self) -> None:
        for layout, *_ in self.sizes.values():
            layout.deactivate()


def place_rows(
    document, pages: Sequence[Sequence[str]], *, inset: float, row_height: float, rtl: bool
) -> None:
    """Give every roll page's rows box its text; refuse a document with a page too few or
    too many (a roll printed without a page of its voters must never pass).

    A repeated page (repeat_middle_page) shares its rows box with the page it copies, so each
    page hands the box its own rows as it is drawn, not before."""
    found = [(page, box) for page in document.pages for box in engine.image_boxes(page, ROWS_CLASS)]
    if len(found) != len(pages):
        raise RowsNotPlaced(f"{len(found)} rows areas laid out for {len(pages)} roll pages")
    for (page, box), lines in zip(found, pages, strict=True):
        rows = RowText(lines, inset=inset, row_height=row_height, rtl=rtl)
        engine.wrap_paint(page, _with_rows(box, rows))


def _with_rows(box, rows: RowText):
    def wrapper(paint):
        def paint_with_rows(stream, scale=1):
            engine.replace_image(box, rows)
            paint(stream, scale)

        return paint_with_rows

    return wrapper


def repeat_middle_page(document, *, at: int, copies: int) -> None:
    """Follow page *at* with *copies* copies of it, before anything is drawn into it.

    A roll's pages between its second and its last are laid out alike (an empty heads box,
    a full page of rows, no margin boxes), so WeasyPrint lays out one of them and the rest are
    copies, each drawn with its own rows, running header and number like any later page (a
    long roll's layout was a third of its time, most of it pages laid out the same way)."""
    if copies <= 0:
        return
    pages = document.pages
    if not 0 < at < len(pages) - 1:
        raise RowsNotPlaced(f"page {at + 1} of {len(pages)} is not a middle page to repeat")
    pages[at + 1 : at + 1] = [engine.copy_page(pages[at]) for _ in range(copies)]


class _PageNumber:
    """ "Page X of Y" of one later roll page, drawn where the opening page's own number is:
    the same style and baseline, aligned to the same edge."""

    def __init__(self, number_box, *, align_right: bool):
        texts = engine.text_boxes(number_box)
        if len(texts) != 1:
            raise RowsNotPlaced(f"the page number is {len(texts)} pieces of text, not one")
        (self.box,) = texts
        self.align_right = align_right

    def draw(self, stream, text: str) -> None:
        left, width, baseline, style = engine.text_position(self.box)
        layout = engine.text_layout(style)
        layout.set_text(text)
        x = left
        if self.align_right:
            x = left + width - engine.line_width(layout, style)
        engine.set_fill_colour(stream, style)
        with engine.text_object(stream):
            engine.draw_line(stream, layout, style, x, baseline)
        layout.deactivate()


def repeat_running_header(
    document,
    *,
    opening: int,
    numbers_at: str,
    page_number: Callable[[int, int], str],
    heads_class: str = HEADS_CLASS,
) -> None:
    """Draw the running header and footer of page *opening* (0-based), and the text of its
    column heads, on every later page.

    Only that page lays them out (the later roll pages are a named page with no margin boxes,
    and their column heads an empty box of the same size, see roll.css and roll.html): the
    header, the station number, the provenance line and the column titles are the same on
    every page of a station, so they are drawn again as laid out, and only the page number
    (the margin box *numbers_at*, e.g. ``@bottom-right``) is drawn anew for each page. Laying
    them out again on every page was a fifth of a station's time, more on a right-to-left
    roll, whose labels are shaped and reordered again on every page.
    """
    pages = document.pages
    later = pages[opening + 1 :]
    if not later:
        return
    first = pages[opening]
    margins = engine.margin_boxes(first)
    numbers = [box for box in margins if engine.margin_name(box) == numbers_at]
    if len(numbers) != 1 or len(margins) < 2:
        raise RowsNotPlaced(f"the opening page has no {numbers_at} page number to repeat")
    number = _PageNumber(numbers[0], align_right=numbers_at.endswith("right"))
    repeated = [box for box in margins if box is not numbers[0]]
    opening_heads = engine.block_boxes(first, heads_class)
    heads = opening_heads[0] if len(opening_heads) == 1 else None
    if heads is None or not engine.lines_of(heads):
        raise RowsNotPlaced("the opening page has no column heads to repeat")
    total = len(pages)
    for index, page in enumerate(later, start=opening + 2):
        if engine.margin_boxes(page):
            raise RowsNotPlaced(f"page {index} lays out its own margins: it would show them twice")
        own = engine.block_boxes(page, heads_class)
        if len(own) != 1 or engine.lines_of(own[0]) or not _same_place(own[0], heads):
            raise RowsNotPlaced(f"page {index} has no empty column heads where the first has")
        if engine.painted_under(page, own[0]):
            raise RowsNotPlaced(f"page {index} paints a background under its column heads")
        engine.wrap_paint(
            page,
            _painter(first, repeated, engine.lines_of(heads), number, page_number(index, total)),
        )


def _same_place(box, other) -> bool:
    (x, y), (other_x, other_y) = engine.content_origin(box), engine.content_origin(other)
    return abs(y - other_y) <= 0.01 and abs(x - other_x) <= 0.01


def _painter(first, repeated, heads_lines, number: _PageNumber, number_text: str):
    """Draws a later page as *first* (the opening page) drew its running header."""

    def wrapper(paint):
        def paint_with_running_header(stream, scale=1):
            # The column titles first, so that the page's text reads heads, rows, end of
            # roll, margins: nothing the page draws lies under them (their box has a border
            # only, the page and the root no background; repeat_running_header checks).
            with engine.scaled(stream, scale):
                engine.draw_lines(stream, first, heads_lines)
            paint(stream, scale)
            with engine.scaled(stream, scale):
                engine.draw_boxes(stream, first, repeated)
                number.draw(stream, number_text)

        return paint_with_running_header

    return wrapper


def stamp_pages(document, page_stamps: Sequence[Stamp]) -> None:
    """Draw each page's verification stamp (stamp.py) in its top margin, at the right edge
    of its content (the left edge on a right-to-left page), after everything else on it;
    refuse a document whose pages and stamps differ in number (a page without its code must
    never pass)."""
    pages = document.pages
    if len(page_stamps) != len(pages):
        raise RowsNotPlaced(f"{len(page_stamps)} verification codes for {len(pages)} pages")
    lines = _StampLines()
    for page, page_stamp in zip(pages, page_stamps, strict=True):
        engine.wrap_paint(page, _stamped(page, page_stamp, lines))


class _StampLines:
    """The label's and the code's Pango layouts, made on the first page and reused by every
    later page of the document (a layout a page was a third of the stamp's cost)."""

    def __init__(self):
        self.made: list[tuple] | None = None

    def get(self, page_style) -> list[tuple]:
        if self.made is None:
            self.made = []
            for size, baseline in (
                (stamp.LABEL_SIZE_PT, stamp.LABEL_BASELINE),
                (stamp.CODE_SIZE_PT, stamp.CODE_BASELINE),
            ):
                # The page's own style (the root's font, colour and language), left to right:
                # the code is Latin letters and digits in every language.
                style = engine.restyled(
                    page_style,
                    direction="ltr",
                    font_weight=400,
                    letter_spacing="normal",
                    font_size=size * PX_PER_PT,
                )
                self.made.append((engine.text_layout(style), style, baseline * PX_PER_MM))
        return self.made


def _stamped(page, page_stamp: Stamp, lines: _StampLines):
    page_style = engine.page_style(page)
    page_width, margin_left, margin_right = engine.page_geometry(page)
    top = stamp.TOP * PX_PER_MM
    module = stamp.MODULE * PX_PER_MM
    # In the corner where the page's reading ends its first line: top right, or top left on
    # a right-to-left page (mirrored: the QR code outermost, the text inside it).
    rtl = engine.is_right_to_left(page_style)
    if rtl:
        left = margin_left
        text_left = left + page_stamp.size * module + stamp.TEXT_GAP * PX_PER_MM
    else:
        left = page_width - margin_right - page_stamp.size * module
        text_right = left - stamp.TEXT_GAP * PX_PER_MM

    def wrapper(paint):
        def paint_with_stamp(stream, scale=1):
            paint(stream, scale)
            label, code = lines.get(page_style)
            with engine.scaled(stream, scale):
                engine.set_fill_colour(stream, label[1])
                # In modules from the code's corner: the path is written as stamp.py made it.
                engine.fill_path(stream, page_stamp.path, unit=module, x=left, y=top)
                with engine.text_object(stream):
                    for (layout, style, baseline), text in (
                        (label, page_stamp.label),
                        (code, page_stamp.code),
                    ):
                        layout.set_text(text)
                        x = text_left if rtl else text_right - engine.line_width(layout, style)
                        engine.draw_line(stream, layout, style, x, top + baseline)

        return paint_with_stamp

    return wrapper
