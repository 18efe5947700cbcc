"""WeasyPrint's internals, behind one door.

WeasyPrint's public API (``HTML``, ``CSS``, ``FontConfiguration``, ``Document.pages``,
``write_pdf``) lays a document out and writes it. Drawing the rows, the repeated running
header and the verification stamp into the laid-out pages (painting.py) needs what it keeps
private: its boxes, its text layout and glyph drawing, its page painting. Every such use is
in this module and nowhere else, imported when the module is, so a WeasyPrint that moved or
renamed one of them fails when a process starts (an ImportError saying what to do), not at
the first render in a worker. Signatures and attributes that changed without moving are
found by the system check ``rolls.E002`` and tests/rolls/test_engine.py, both reading
``INTERNALS`` through ``problems()``.

One internal is replaced, not only used: WeasyPrint's ``draw_first_line`` (the glyphs of a
line of text) by first_line, which writes the same bytes in about half the time for a line of
plain glyphs and hands any other line to WeasyPrint's. It is installed when this module is
imported, so WeasyPrint's own text drawing (running header, footers, headings) uses it too.

Tested with WeasyPrint 70.0; pyproject.toml pins ``weasyprint>=70,<71``. On 66.0 this
code did not import (no ``strut``; ``Layout`` and ``draw_emojis`` took other arguments).
"""

from __future__ import annotations

import copy
import importlib
import inspect
import struct
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import weasyprint
from tinycss2.color5 import parse_color

TESTED = (70, 71)  # the versions tested: at least the first, below the second
TESTED_RANGE = f">={TESTED[0]},<{TESTED[1]}"  # as pyproject.toml pins it
WHAT_TO_DO = (
    f"Pin weasyprint{TESTED_RANGE} (pyproject.toml and the lock files), or re-test a new "
    "version: run the PDF read-back tests, then update rolls/pdf/engine.py (its calls, "
    "INTERNALS and TESTED) and the pin together."
)

try:
    from weasyprint.draw import draw_inline_level, draw_stacking_context
    from weasyprint.draw import text as weasyprint_text
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.formatting_structure import boxes
    from weasyprint.matrix import Matrix
    from weasyprint.stacking import StackingContext
    from weasyprint.text import ffi
    from weasyprint.text.ffi import FROM_UNITS, pango
    from weasyprint.text.ffi import ffi as pango_ffi
    from weasyprint.text.line_break import Layout, first_line_metrics, line_size, strut
except ImportError as error:  # only with an untested WeasyPrint (test_engine.py shows it)
    raise ImportError(
        f"WeasyPrint {weasyprint.__version__} lacks an internal the rolls draw with "
        f"({error}). {WHAT_TO_DO}"
    ) from error

# Every internal used below: (module, dotted name, its signature in WeasyPrint 70, or None
# for a class or attribute that only has to exist). A new WeasyPrint that changes one of
# them makes problems() name it.
INTERNALS: tuple[tuple[str, str, str | None], ...] = (
    ("weasyprint.document", "Page", None),
    ("weasyprint.document", "Page.paint", "(self, stream, scale=1)"),
    ("weasyprint.document", "Page.__init__", "(self, page_box)"),
    (
        "weasyprint.draw",
        "draw_inline_level",
        "(stream, page, box, offset_x=0, text_overflow='clip', block_ellipsis='none')",
    ),
    ("weasyprint.draw", "draw_stacking_context", "(stream, stacking_context)"),
    # An element's computed style: the rows and the page copy it, then restyle it.
    ("weasyprint.css", "ComputedStyle.copy", "(self)"),
    ("weasyprint.draw.text", "draw_emojis", "(stream, style, x, y, emojis)"),
    (
        "weasyprint.draw.text",
        "draw_first_line",
        "(stream, textbox, text_overflow, block_ellipsis, matrix)",
    ),
    ("weasyprint.formatting_structure.boxes", "Box.descendants", "(self, placeholders=False)"),
    ("weasyprint.formatting_structure.boxes", "Box.content_box_x", "(self)"),
    ("weasyprint.formatting_structure.boxes", "Box.content_box_y", "(self)"),
    ("weasyprint.formatting_structure.boxes", "BlockBox", None),
    ("weasyprint.formatting_structure.boxes", "MarginBox.__init__", "(self, at_keyword, style)"),
    (
        "weasyprint.formatting_structure.boxes",
        "ReplacedBox.__init__",
        "(self, element_tag, style, element, replacement)",
    ),
    ("weasyprint.formatting_structure.boxes", "TextBox", None),
    # RowText stands in for an image: it answers what WeasyPrint asks of its SVG images.
    (
        "weasyprint.images",
        "SVGImage.draw",
        "(self, stream, concrete_width, concrete_height, _style)",
    ),
    ("weasyprint.images", "SVGImage.get_intrinsic_size", "(self, image_resolution, font_size)"),
    ("weasyprint.matrix", "Matrix", "(a=1, b=0, c=0, d=1, e=0, f=0, matrix=None)"),
    # A plain line's glyphs are written as draw_first_line writes them (_draw_plain_line).
    ("weasyprint.pdf.stream", "Stream.add_font", "(self, pango_font)"),
    ("weasyprint.pdf.stream", "Stream.set_font_size", "(self, font, size)"),
    ("weasyprint.pdf.stream", "Stream.show_text", "(self, text)"),
    ("weasyprint.pdf.stream", "Stream.set_text_matrix", "(self, a, b, c, d, e, f)"),
    ("weasyprint.pdf.stream", "Stream.begin_text", "(self)"),
    ("weasyprint.pdf.stream", "Stream.end_text", "(self)"),
    ("weasyprint.pdf.stream", "Stream.fill", "(self, even_odd=False)"),
    ("weasyprint.pdf.stream", "Stream.set_color", "(self, color, stroke=False)"),
    ("weasyprint.pdf.stream", "Stream.stacked", "(self)"),
    ("weasyprint.pdf.stream", "Stream.transform", "(self, a=1, b=0, c=0, d=1, e=0, f=0)"),
    ("weasyprint.stacking", "StackingContext.from_box", "(box, page, child_contexts=None)"),
    ("weasyprint.text.ffi", "harfbuzz_subset", None),
    ("weasyprint.text.ffi", "FROM_UNITS", None),
    ("weasyprint.text.line_break", "Layout", "(style, justification_spacing=0, max_width=None)"),
    ("weasyprint.text.line_break", "Layout.deactivate", "(self)"),
    ("weasyprint.text.line_break", "Layout.get_first_line", "(self)"),
    ("weasyprint.text.line_break", "Layout.set_text", "(self, text, justify=False)"),
    (
        "weasyprint.text.line_break",
        "first_line_metrics",
        "(first_line, text, layout, resume_at, space_collapse, style, hyphenated=False, "
        "hyphenation_character=None)",
    ),
    ("weasyprint.text.line_break", "line_size", "(line, style)"),
    ("weasyprint.text.line_break", "strut", "(style)"),
)

# What the code below reads of a laid-out document's objects, which exist only once
# WeasyPrint has laid one out (see laid_out_problems).
LAID_OUT = {
    "page": ("_page_box", "width", "paint"),
    "page box": ("canvas_background", "margin_left", "margin_right", "style", "children"),
    "margin box": ("at_keyword", "background", "children"),
    "text box": ("position_x", "position_y", "width", "baseline", "style", "element"),
    "replaced box": ("replacement", "element", "background"),
}


def _version(text: str) -> tuple[int, ...]:
    """The leading numbers of a version: "70.0" is (70, 0), "71.0b1" is (71,)."""
    numbers = []
    for part in text.split("."):
        if not part.isdigit():
            break
        numbers.append(int(part))
    return tuple(numbers)


def problems() -> list[str]:
    """What differs between the installed WeasyPrint and the one this module was tested with:
    an untested version, a missing internal, a changed signature (empty when all match)."""
    found = []
    version = weasyprint.__version__
    if not (TESTED[0],) <= _version(version) < (TESTED[1],):
        found.append(
            f"WeasyPrint {version} is installed; the rolls were tested with {TESTED_RANGE}."
        )
    for module_name, name, signature in INTERNALS:
        where = f"{module_name}.{name}"
        try:
            target = importlib.import_module(module_name)
            for part in name.split("."):
                target = getattr(target, part)
        except (ImportError, AttributeError):
            found.append(f"{where} is missing.")
            continue
        if target is first_line:  # the stand-in installed below: check WeasyPrint's own
            target = draw_first_line
        if signature is not None:
            try:
                actual = str(inspect.signature(target))
            except (TypeError, ValueError):
                actual = "(unreadable)"
            if actual != signature:
                found.append(f"{where} is now {actual}, was {signature}.")
    return found


def laid_out_problems(document) -> list[str]:
    """The attributes of LAID_OUT that *document* (laid out from HTML with a margin box, a
    line of text and an image) lacks."""
    page = document.pages[0]
    page_box = getattr(page, "_page_box", None)
    found = {"page": page, "page box": page_box}
    kinds = (
        (boxes.MarginBox, "margin box"),
        (boxes.TextBox, "text box"),
        (boxes.ReplacedBox, "replaced box"),
    )
    for box in page_box.descendants() if page_box is not None else ():
        for kind, name in kinds:
            if isinstance(box, kind):
                found.setdefault(name, box)
    missing = []
    for kind, names in LAID_OUT.items():
        instance = found.get(kind)
        if instance is None:
            missing.append(f"no {kind} in the laid-out document")
            continue
        missing.extend(f"{kind}.{name}" for name in names if not hasattr(instance, name))
    return missing


def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint found libharfbuzz-subset (else it subsets fonts, slower, in Python)."""
    return getattr(ffi, "harfbuzz_subset", None) is not None


# Text: WeasyPrint's Pango layouts and glyph drawing, so the rows' fonts are embedded,
# subset and mapped back to text exactly as the rest of the page.


class _Line:
    """What ``draw_first_line`` reads of a text box: its Pango layout, style and text."""

    def __init__(self, layout, style):
        self.pango_layout = layout
        self.style = style

    @property
    def text(self) -> str:
        return self.pango_layout.text


def text_layout(style):
    """A Pango layout of *style*; ``set_text`` it, and ``deactivate`` it when done."""
    return Layout(style)


def restyled(style, **values):
    """A copy of the computed *style* with *values* in place of its own."""
    style = style.copy()
    for name, value in values.items():
        style[name] = value
    return style


def colour(style):
    return style["color"]


def is_right_to_left(style) -> bool:
    return style["direction"] == "rtl"


def strut_of(style) -> tuple[float, float]:
    """The line height and baseline of a line box of *style*, as WeasyPrint lays one out."""
    return strut(style)


def line_metrics(style) -> tuple[float, float]:
    """Height and baseline of one line of *style*, measured on its own line (not through
    strut: its cache ignores the line height)."""
    measuring = Layout(style)  # spent by first_line_metrics
    measuring.set_text(" ")
    line, _ = measuring.get_first_line()
    *_, height, baseline = first_line_metrics(
        line, "", measuring, resume_at=None, space_collapse=False, style=style
    )
    return height, baseline


def leading(style) -> float | None:
    """The line height of *style* in em of its font size, None for ``normal`` (the font's
    own); a length is given in em too."""
    value = style["line_height"]
    if value == "normal":
        return None
    if isinstance(value, float | int):
        return float(value)
    return value.value / style["font_size"]


def line_width(layout, style) -> float:
    """Width of the first line of *layout*, in CSS pixels."""
    line, _ = layout.get_first_line()
    return line_size(line, style)[0]


def draw_line(stream, layout, style, x: float, baseline: float) -> list:
    """Draw the first line of *layout* with its start at *x* on *baseline* (inside a text
    object); the colour glyphs it could not draw as text, for draw_colour_glyphs."""
    matrix = Matrix(d=-1, e=x, f=baseline)
    return first_line(stream, _Line(layout, style), "none", "none", matrix)


def first_line(stream, textbox, text_overflow, block_ellipsis, matrix) -> list:
    """WeasyPrint's ``draw_first_line``, faster: a line of plain glyphs (no ellipsis, no
    colour or bitmap font, no missing glyph, none raised or lowered) is written by
    _draw_plain_line, which writes what ``draw_first_line`` writes, byte for byte
    (tests/rolls/test_glyph_drawing.py holds the two to each other), in about half its time:
    WeasyPrint reads each glyph's four numbers one cffi access at a time, a fifth of a roll's
    CPU. Any other line is WeasyPrint's own.

    It stands in for ``draw_first_line`` in WeasyPrint's text drawing too (install_first_line,
    when this module is imported): the running header, footers and headings it draws."""
    if (
        text_overflow != "ellipsis"
        and block_ellipsis == "none"
        and textbox.text.strip()
        and textbox.style["font_size"] >= 1e-6
    ):
        layout = textbox.pango_layout
        pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
        runs = _plain_runs(stream, layout)
        if runs is not None:
            _draw_plain_line(stream, layout, runs, matrix)
            return []
    return draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix)


def install_first_line() -> None:
    """Have WeasyPrint's text drawing (``draw_text``, SVG text) write lines with first_line."""
    weasyprint_text.draw_first_line = first_line


# PangoGlyphInfo: the glyph, its width, x offset and y offset (PangoGlyphGeometry), and its
# visual attributes (a bit field in a guint), 20 bytes.
_GLYPH_INFO = struct.Struct("=Iiii4x")


def _plain_runs(stream, layout) -> list | None:
    """The first line's runs as ``(pango font, font, size, glyph item, glyphs)``, each glyph
    ``(id, width, x offset, y offset)``; None where WeasyPrint's own drawing is needed: a
    colour or bitmap font (drawn as images, or as one-byte glyph ids), a missing glyph (logged
    and given a glyph of its own) or a glyph raised or lowered (a text rise)."""
    line, _ = layout.get_first_line()
    runs = []
    previous = font = font_size = None
    run = line.runs[0]
    while run != pango_ffi.NULL:
        glyph_item = run.data
        run = run.next
        pango_font = glyph_item.item.analysis.font
        if pango_font != previous:
            previous = pango_font
            font, font_size = stream.add_font(pango_font)
            if font.png or font.svg or font.colr or font.bitmap or not _SIZED:
                return None
        glyph_string = glyph_item.glyphs
        glyphs = list(
            _GLYPH_INFO.iter_unpack(
                pango_ffi.buffer(glyph_string.glyphs, glyph_string.num_glyphs * _GLYPH_INFO.size)
            )
        )
        for glyph, _, _, y_offset in glyphs:
            if y_offset or (glyph & _UNKNOWN and glyph != _EMPTY):
                return None
        runs.append((pango_font, font, font_size, glyph_item, glyphs))
    return runs


_EMPTY = pango.PANGO_GLYPH_EMPTY
_UNKNOWN = pango.PANGO_GLYPH_UNKNOWN_FLAG
# Before Pango 1.48.2 a font's size came from the style (a Pango bug WeasyPrint works around).
_SIZED = pango.pango_version() >= 14802
# What a glyph writes, per font of a document and size: (glyph, width, x offset, y offset)
# -> its text in the run's string. The font records the glyph's width and text when its
# piece is first written, so a piece found here has both on its font already.
_PIECES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _draw_plain_line(stream, layout, runs: list, matrix) -> None:
    """The glyphs of *runs* (from _plain_runs) as WeasyPrint's ``draw_first_line`` writes
    them: a font's run as hexadecimal glyph ids, each glyph's offset and the difference
    between its advance and its width in the font between them, in thousandths of the font
    size; every glyph's width and text recorded on the font for its embedding."""
    stream.set_text_matrix(*matrix.values)
    previous = None
    string = ""
    utf8 = None
    for pango_font, font, font_size, glyph_item, glyphs in runs:
        if pango_font != previous:
            previous = pango_font
            if string:
                stream.show_text(string)
            string = ""
            stream.set_font_size(font.hash, font_size)
        pieces = _PIECES.setdefault(font, {}).setdefault(font_size, {})
        parts = [pieces.get(glyph) for glyph in glyphs]
        if None in parts:
            utf8 = utf8 or layout.text.encode()
            for index, glyph in enumerate(glyphs):
                if parts[index] is None:
                    piece = pieces.get(glyph)
                    if piece is None:
                        piece = pieces[glyph] = _piece(
                            stream, pango_font, font, font_size, (glyph_item, glyphs, index), utf8
                        )
                    parts[index] = piece
        string += "<" + "".join(parts)
        string = string[:-1] if string[-1] == "<" else string + ">"
    stream.show_text(string)


def _piece(stream, pango_font, font, font_size: float, where: tuple, utf8: bytes) -> str:
    """What glyph *where* (glyph item, its glyphs, the index) writes, as draw_first_line
    writes it; its width and text recorded on *font*."""
    glyph_item, glyphs, index = where
    glyph, width, x_offset, _ = glyphs[index]
    if glyph == _EMPTY:  # a zero-width empty glyph
        return f">{-width / font_size}<"
    if glyph not in font.to_unicode:
        font.to_unicode[glyph] = _glyph_text(glyph_item, len(glyphs), index, utf8)
    offset = x_offset / font_size
    piece = f">{-offset}<" if offset else ""
    piece += f"{glyph:04x}"
    logical_width = font.widths.get(glyph)
    if logical_width is None:
        pango.pango_font_get_glyph_extents(pango_font, glyph, stream.ink_rect, stream.logical_rect)
        logical_width = font.widths[glyph] = round(
            stream.logical_rect.width * 1000 * FROM_UNITS / font_size
        )
    kerning = logical_width + offset - width * 1000 * FROM_UNITS / font_size
    if kerning:
        piece += f">{int(kerning)}<"
    return piece


def _glyph_text(glyph_item, count: int, index: int, utf8: bytes) -> str:
    """The characters glyph *index* of a run draws (its cluster), for the font's ToUnicode."""
    item = glyph_item.item
    clusters = glyph_item.glyphs.log_clusters
    start = clusters[index]
    if item.analysis.level % 2:  # right to left: the cluster ends where the previous starts
        end = item.length if index == 0 else clusters[index - 1]
    else:
        end = item.length if index == count - 1 else clusters[index + 1]
    return utf8[item.offset + start : item.offset + end].decode()


def draw_colour_glyphs(stream, style, x: float, y: float, drawn: list) -> None:
    """Draw the colour glyphs (a system fallback font may be an emoji font) of a line."""
    draw_emojis(stream, style, x, y, drawn)


def draw_colour_glyph_lines(stream, lines: list) -> None:
    """Draw the colour glyphs of lines drawn in a text object, after it: each line as
    ``(x, y, style, what draw_line returned)``."""
    for x, y, style, drawn in lines:
        if drawn:
            draw_emojis(stream, style, x, y, drawn)


# The page's drawing stream: WeasyPrint's Stream, a pydyf Stream.


def set_fill_colour(stream, style) -> None:
    stream.set_color(colour(style))


@contextmanager
def text_object(stream) -> Iterator[None]:
    """A PDF text object: lines are drawn inside one."""
    stream.begin_text()
    yield
    stream.end_text()


@contextmanager
def scaled(stream, scale) -> Iterator[None]:
    """The graphics state saved, then scaled to *scale* as Page.paint scales its page."""
    with stream.stacked():
        stream.transform(a=scale, d=scale)
        yield


def fill_path(stream, path: str, *, unit: float, x: float, y: float) -> None:
    """Fill *path* (PDF path operators) drawn in units of *unit* from (*x*, *y*). WeasyPrint's
    Stream keeps its operators in pydyf's list ``stream``, as its own begin_text reads it."""
    with stream.stacked():
        stream.transform(a=unit, d=unit, e=x, f=y)
        stream.stream.append(path)
        stream.fill()


def fill_rectangle(stream, colour, *, x: float, y: float, width: float, height: float) -> None:
    """Fill a rectangle in *colour* (as css_colour gives it), in the stream's units."""
    with stream.stacked():
        stream.set_color(colour)
        stream.rectangle(x, y, width, height)
        stream.fill()


def stroke_rectangle(
    stream, colour, *, x: float, y: float, width: float, height: float, line: float, radius=0.0
) -> None:
    """Stroke a rectangle *line* thick in *colour* (as css_colour gives it), its corners
    rounded by *radius*, the line centred on the edges (as CSS draws a border, inside the
    box: the edges given are the border's outer ones), in the stream's units."""
    half = line / 2
    left, top, right, bottom = x + half, y + half, x + width - half, y + height - half
    r = max(0.0, min(radius - half, (right - left) / 2, (bottom - top) / 2))
    k = r * 0.4477  # a quarter circle's control points, 1 - 0.5523 of the radius in
    with stream.stacked():
        stream.set_color(colour, stroke=True)
        stream.set_line_width(line)
        stream.move_to(left + r, top)
        stream.line_to(right - r, top)
        stream.curve_to(right - k, top, right, top + k, right, top + r)
        stream.line_to(right, bottom - r)
        stream.curve_to(right, bottom - k, right - k, bottom, right - r, bottom)
        stream.line_to(left + r, bottom)
        stream.curve_to(left + k, bottom, left, bottom - k, left, bottom - r)
        stream.line_to(left, top + r)
        stream.curve_to(left, top + k, left + k, top, left + r, top)
        stream.close()
        stream.stroke()


def css_colour(text: str):
    """A CSS colour as WeasyPrint's computed styles hold one (what set_fill_colour draws)."""
    colour = parse_color(text)
    if colour is None:
        raise ValueError(f"not a CSS colour: {text!r}")
    return colour


# The laid-out boxes of a page.


def page_box(page):
    return page._page_box


def page_geometry(page) -> tuple[float, float, float]:
    """The page's width and its left and right margins, in CSS pixels."""
    box = page._page_box
    return page.width, box.margin_left, box.margin_right


def page_style(page):
    return page._page_box.style


def _classed(root, css_class: str, kind) -> list:
    """The boxes of type *kind* under *root* made for elements of *css_class* (their line and
    text boxes name the same element)."""
    found = []
    for box in root.descendants():
        element = getattr(box, "element", None)
        if (
            isinstance(box, kind)
            and element is not None
            and css_class in (element.get("class") or "").split()
        ):
            found.append(box)
    return found


def image_boxes(page, css_class: str) -> list:
    """The boxes of the page's images (``<img>``) of *css_class*."""
    return _classed(page._page_box, css_class, boxes.ReplacedBox)


def block_boxes(page, css_class: str) -> list:
    """The block boxes of the page's elements of *css_class*."""
    return _classed(page._page_box, css_class, boxes.BlockBox)


def replace_image(box, image) -> None:
    """Have WeasyPrint draw *image* (an object answering get_intrinsic_size and draw, as
    its SVGImage does) where *box*'s image would be."""
    box.replacement = image


def margin_boxes(page) -> list:
    """The page's laid-out margin boxes (``@top-left`` and the like)."""
    return [box for box in page._page_box.children if isinstance(box, boxes.MarginBox)]


def margin_name(box) -> str:
    return box.at_keyword


def text_boxes(box) -> list:
    return [child for child in box.descendants() if isinstance(child, boxes.TextBox)]


def text_position(box) -> tuple[float, float, float, object]:
    """A text box's left edge, width, baseline (from the page's top) and style."""
    return box.position_x, box.width, box.position_y + box.baseline, box.style


def lines_of(box) -> list:
    return list(box.children)


def content_origin(box) -> tuple[float, float]:
    return box.content_box_x(), box.content_box_y()


def painted_under(page, target) -> bool:
    """Whether a background (the page's, the canvas's, *target*'s or one of its ancestors')
    would be drawn over what is drawn before the page."""

    def paints(background) -> bool:
        # The page always has one (for its bleed area), transparent unless styled.
        return background is not None and (
            background.color.alpha > 0 or any(layer.image for layer in background.layers)
        )

    def path_to(box) -> list | None:
        if box is target:
            return [box]
        for child in getattr(box, "children", ()):
            path = path_to(child)
            if path is not None:
                return [box, *path]
        return None

    root = page._page_box
    if paints(root.canvas_background):
        return True
    return any(paints(box.background) for box in path_to(root) or [root])


# Painting a page: Page.paint is what write_pdf calls to draw each page.


def copy_page(page):
    """Another page drawn from the same laid-out boxes: its own paint to wrap, the same
    boxes (whatever is drawn differently on it is set as it is painted)."""
    return copy.copy(page)


def wrap_paint(page, wrapper: Callable[[Callable], Callable]) -> None:
    """Draw *page* with ``wrapper(paint)``, a function of (stream, scale) that calls the
    page's own paint when it chooses."""
    page.paint = wrapper(page.paint)


def draw_lines(stream, page, lines) -> None:
    """Draw laid-out line boxes of *page* (with their text) again."""
    for line in lines:
        draw_inline_level(stream, page._page_box, line)


def draw_boxes(stream, page, drawn) -> None:
    """Draw laid-out boxes of *page* (margin boxes, with all they hold) again."""
    for box in drawn:
        draw_stacking_context(stream, StackingContext.from_box(box, page._page_box))


# Every line WeasyPrint draws goes through first_line from the moment the rolls can render.
install_first_line()
