"""The voter rows of each roll page, and the running header of the later pages, drawn into
the pages WeasyPrint lays out.

WeasyPrint lays out and draws everything else (the cover, the column heads, the end-of-roll
line, and the running header and footer of the first roll page, which repeat_running_header
draws again on the later pages). The rows area of a page is one block ``<img>`` as
tall as its rows, with the repeated SVG tile (stripes and signature boxes) as its background.
Once the document is laid out, its placeholder image is swapped for a ``RowText``, which
WeasyPrint then draws where the image would be: after the box's background, in page order,
so the text a reader extracts still runs header, column heads, rows, footer.

``RowText`` draws each row as one Pango line (a row whose name had to be fitted, rows.py, as
its numbers and then its name's lines at their smaller size, centred in the row), in the
same fonts, language, size and colour the stylesheet gives the rows, through WeasyPrint's
own glyph drawing (so fonts are embedded, subset and mapped back to text exactly as for the
rest of the page), on the baseline WeasyPrint's own line box would have. Why: laid out as
lines of a ``<pre>``, every row was a line box with its text boxes to cascade, split and
position, and for ``white-space: pre`` the rest of the page's text was shaped again for
every line. Drawn like this, with the header repeated, a 500-voter station takes about 60%
of the time it took (``python -m rolls.pdf.bench``).

This reaches into WeasyPrint's drawing internals (``draw_first_line``, ``Layout``,
``strut``), as WeasyPrint's own SVG text does: the version is pinned in the lock file, and the
PDF tests read every row back, so an upgrade that changes them fails loudly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rolls.pdf import stamp
from rolls.pdf.fitting import LEADING
from rolls.pdf.rows import FittedRow, Row
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


class _Line:
    """What ``draw_first_line`` reads of a text box: its Pango layout, style and text."""

    def __init__(self, layout, style):
        self.pango_layout = layout
        self.style = style

    @property
    def text(self) -> str:
        return self.pango_layout.text


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
        from weasyprint.draw.text import draw_emojis
        from weasyprint.text.line_break import Layout, strut

        line_height, baseline = strut(style)
        if abs(line_height - self.row_height) > 0.01:
            # The rows would drift off the stripes and boxes of the background tile.
            raise RowsNotPlaced(
                f"rows line height {line_height:.3f}px, tile row {self.row_height:.3f}px"
            )
        layout = Layout(style)
        smaller = _SmallerText(style)
        stream.set_color(style["color"])
        emojis = []
        stream.begin_text()
        for index, row in enumerate(self.lines):
            fitted = row if isinstance(row, FittedRow) else None
            if fitted is None and not row.strip():
                continue
            layout.set_text(fitted.numbers if fitted else row)
            x = self.inset
            if self.rtl:
                x = concrete_width - self.inset - _line_width(layout, style)
            y = index * line_height + baseline
            emojis.append((x, y, style, _draw_line(stream, layout, style, x, y)))
            if fitted:  # right after its numbers: the text reads back row by row
                top = index * line_height
                emojis.extend(
                    smaller.draw(stream, fitted, top, line_height, y, concrete_width, self.rtl)
                )
        stream.end_text()
        # Colour glyphs (a system fallback font may be an emoji font) are images of their own.
        for x, y, drawn_style, drawn in emojis:
            if drawn:
                draw_emojis(stream, drawn_style, x, y, drawn)
        smaller.deactivate()
        layout.deactivate()


class _SmallerText:
    """The names of fitted rows: a layout per size, made the first time a page needs it."""

    def __init__(self, style):
        self.style = style
        self.sizes: dict[float, tuple] = {}

    def _at(self, size_pt: float) -> tuple:
        from weasyprint.text.line_break import Layout, first_line_metrics

        if size_pt not in self.sizes:
            style = self.style.copy()
            style["font_size"] = size_pt * PX_PER_PT
            # As strut() measures the rows' own line (not through it: its cache ignores the
            # line height); the measuring layout is spent by it.
            measuring = Layout(style)
            measuring.set_text(" ")
            line, _ = measuring.get_first_line()
            *_, height, baseline = first_line_metrics(
                line, "", measuring, resume_at=None, space_collapse=False, style=style
            )
            self.sizes[size_pt] = (Layout(style), style, height, baseline)
        return self.sizes[size_pt]

    def draw(self, stream, row: FittedRow, top, row_height, row_baseline, width, rtl: bool):
        """Draw the name lines of *row*, whose stripe starts at *top*: one line on the row's
        baseline, more centred in the row; the colour glyphs drawn, for draw_emojis."""
        layout, style, height, baseline = self._at(row.size_pt)
        pitch = row.size_pt * LEADING * PX_PER_PT
        count = len(row.name_lines)
        first = top + (row_height - count * pitch) / 2 + (pitch - height) / 2 + baseline
        edge = row.name_at * PX_PER_MM
        drawn = []
        for number, text in enumerate(row.name_lines):
            layout.set_text(text)
            x = width - edge - _line_width(layout, style) if rtl else edge
            y = row_baseline if count == 1 else first + number * pitch
            drawn.append((x, y, style, _draw_line(stream, layout, style, x, y)))
        return drawn

    def deactivate(self) -> None:
        for layout, *_ in self.sizes.values():
            layout.deactivate()


def rows_boxes(document):
    """The rows box of every page, in page order (a page without rows gives none)."""
    from weasyprint.formatting_structure import boxes

    for page in document.pages:
        yield from _classed(page._page_box, ROWS_CLASS, boxes.ReplacedBox)


def place_rows(
    document, pages: Sequence[Sequence[str]], *, inset: float, row_height: float, rtl: bool
) -> None:
    """Give every roll page's rows box its text; refuse a document with a page too few or
    too many (a roll printed without a page of its voters must never pass)."""
    found = list(rows_boxes(document))
    if len(found) != len(pages):
        raise RowsNotPlaced(f"{len(found)} rows areas laid out for {len(pages)} roll pages")
    for box, lines in zip(found, pages, strict=True):
        box.replacement = RowText(lines, inset=inset, row_height=row_height, rtl=rtl)


class _PageNumber:
    """ "Page X of Y" of one later roll page, drawn where the opening page's own number is:
    the same style and baseline, aligned to the same edge."""

    def __init__(self, number_box, *, align_right: bool):
        from weasyprint.formatting_structure import boxes

        texts = [box for box in number_box.descendants() if isinstance(box, boxes.TextBox)]
        if len(texts) != 1:
            raise RowsNotPlaced(f"the page number is {len(texts)} pieces of text, not one")
        (self.box,) = texts
        self.align_right = align_right

    def draw(self, stream, text: str) -> None:
        from weasyprint.text.line_break import Layout

        box, style = self.box, self.box.style
        layout = Layout(style)
        layout.set_text(text)
        x = box.position_x
        if self.align_right:
            x = box.position_x + box.width - _line_width(layout, style)
        stream.set_color(style["color"])
        stream.begin_text()
        _draw_line(stream, layout, style, x, box.position_y + box.baseline)
        stream.end_text()
        layout.deactivate()


def _line_width(layout, style) -> float:
    """Width of the first line of *layout*, in CSS pixels."""
    from weasyprint.text.line_break import line_size

    line, _ = layout.get_first_line()
    return line_size(line, style)[0]


def _draw_line(stream, layout, style, x: float, baseline: float) -> list:
    """Draw the first line of *layout* with its start at *x* on *baseline* (inside a text
    object); the colour glyphs it could not draw as text, for draw_emojis."""
    from weasyprint.draw.text import draw_first_line
    from weasyprint.matrix import Matrix

    matrix = Matrix(d=-1, e=x, f=baseline)
    return draw_first_line(stream, _Line(layout, style), "none", "none", matrix)


def _classed(page_box, css_class: str, kind) -> list:
    """The boxes of type *kind* that *page_box* has for elements of *css_class* (their line
    and text boxes name the same element)."""
    found = []
    for box in page_box.descendants():
        element = getattr(box, "element", None)
        if (
            isinstance(box, kind)
            and element is not None
            and css_class in (element.get("class") or "").split()
        ):
            found.append(box)
    return found


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
    from weasyprint.formatting_structure import boxes

    pages = document.pages
    later = pages[opening + 1 :]
    if not later:
        return
    page_box = pages[opening]._page_box
    margins = [box for box in page_box.children if isinstance(box, boxes.MarginBox)]
    numbers = [box for box in margins if box.at_keyword == numbers_at]
    if len(numbers) != 1 or len(margins) < 2:
        raise RowsNotPlaced(f"the opening page has no {numbers_at} page number to repeat")
    number = _PageNumber(numbers[0], align_right=numbers_at.endswith("right"))
    repeated = [box for box in margins if box is not numbers[0]]
    opening_heads = _classed(page_box, heads_class, boxes.BlockBox)
    heads = opening_heads[0] if len(opening_heads) == 1 else None
    if heads is None or not heads.children:
        raise RowsNotPlaced("the opening page has no column heads to repeat")
    total = len(pages)
    for index, page in enumerate(later, start=opening + 2):
        if any(isinstance(box, boxes.MarginBox) for box in page._page_box.children):
            raise RowsNotPlaced(f"page {index} lays out its own margins: it would show them twice")
        own = _classed(page._page_box, heads_class, boxes.BlockBox)
        if (
            len(own) != 1
            or own[0].children
            or abs(own[0].content_box_y() - heads.content_box_y()) > 0.01
            or abs(own[0].content_box_x() - heads.content_box_x()) > 0.01
        ):
            raise RowsNotPlaced(f"page {index} has no empty column heads where the first has")
        if _painted_under(page._page_box, own[0]):
            raise RowsNotPlaced(f"page {index} paints a background under its column heads")
        page.paint = _painter(
            page.paint, page_box, repeated, heads.children, number, page_number(index, total)
        )


def _painted_under(page_box, heads) -> bool:
    """Whether a background (the page's, the canvas's, the heads box's or one of its
    ancestors') would be drawn over heads text drawn before the page."""

    def paints(background) -> bool:
        # The page always has one (for its bleed area), transparent unless styled.
        return background is not None and (
            background.color.alpha > 0 or any(layer.image for layer in background.layers)
        )

    def path_to(box) -> list | None:
        if box is heads:
            return [box]
        for child in getattr(box, "children", ()):
            path = path_to(child)
            if path is not None:
                return [box, *path]
        return None

    if paints(page_box.canvas_background):
        return True
    return any(paints(box.background) for box in path_to(page_box) or [page_box])


def _painter(paint, page_box, repeated, heads_lines, number: _PageNumber, number_text: str):
    from weasyprint.draw import draw_inline_level, draw_stacking_context
    from weasyprint.stacking import StackingContext

    def paint_with_running_header(stream, scale=1):
        # The column titles first, so that the page's text reads heads, rows, end of roll,
        # margins: nothing the page draws lies under them (their box has a border only, the
        # page and the root no background; repeat_running_header checks).
        with stream.stacked():
            stream.transform(a=scale, d=scale)
            for line in heads_lines:
                draw_inline_level(stream, page_box, line)
        paint(stream, scale)
        with stream.stacked():
            stream.transform(a=scale, d=scale)
            for box in repeated:
                draw_stacking_context(stream, StackingContext.from_box(box, page_box))
            number.draw(stream, number_text)

    return paint_with_running_header


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
        page.paint = _stamped(page.paint, page, page_stamp, lines)


class _StampLines:
    """The label's and the code's Pango layouts, made on the first page and reused by every
    later page of the document (a layout a page was a third of the stamp's cost)."""

    def __init__(self):
        self.made: list[tuple] | None = None

    def get(self, page_style) -> list[tuple]:
        from weasyprint.text.line_break import Layout

        if self.made is None:
            self.made = []
            for size, baseline in (
                (stamp.LABEL_SIZE_PT, stamp.LABEL_BASELINE),
                (stamp.CODE_SIZE_PT, stamp.CODE_BASELINE),
            ):
                # The page's own style (the root's font, colour and language), left to right:
                # the code is Latin letters and digits in every language.
                style = page_style.copy()
                style["direction"] = "ltr"
                style["font_weight"] = 400
                style["letter_spacing"] = "normal"
                style["font_size"] = size * PX_PER_PT
                self.made.append((Layout(style), style, baseline * PX_PER_MM))
        return self.made


def _stamped(paint, page, page_stamp: Stamp, lines: _StampLines):
    box = page._page_box
    top = stamp.TOP * PX_PER_MM
    module = stamp.MODULE * PX_PER_MM
    # In the corner where the page's reading ends its first line: top right, or top left on
    # a right-to-left page (mirrored: the QR code outermost, the text inside it).
    rtl = box.style["direction"] == "rtl"
    if rtl:
        left = box.margin_left
        text_left = left + page_stamp.size * module + stamp.TEXT_GAP * PX_PER_MM
    else:
        left = page.width - box.margin_right - page_stamp.size * module
        text_right = left - stamp.TEXT_GAP * PX_PER_MM

    def paint_with_stamp(stream, scale=1):
        paint(stream, scale)
        label, code = lines.get(box.style)
        with stream.stacked():
            stream.transform(a=scale, d=scale)
            stream.set_color(label[1]["color"])
            with stream.stacked():
                # In modules from the code's corner: the path is written as stamp.py made it
                # (pydyf's Stream keeps its operators in the list ``stream``, as WeasyPrint's
                # own begin_text reads it).
                stream.transform(a=module, d=module, e=left, f=top)
                stream.stream.append(page_stamp.path)
                stream.fill()
            stream.begin_text()
            for (layout, style, baseline), text in (
                (label, page_stamp.label),
                (code, page_stamp.code),
            ):
                layout.set_text(text)
                x = text_left if rtl else text_right - _line_width(layout, style)
                _draw_line(stream, layout, style, x, top + baseline)
            stream.end_text()

    return paint_with_stamp
