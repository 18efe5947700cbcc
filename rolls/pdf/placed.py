"""Text and rules drawn straight into an area of a laid-out page, as the roll's rows are.

A center list's station rows are one ``<img>`` per page, as tall as the rows, and all a door
sign shows but its footer is one ``<img>`` (center_documents.py); once the document is laid
out, the image is swapped for a ``PlacedText`` that draws the pieces of text and the rules in
it. Laid out as table cells and paragraphs, each piece was a box to cascade, shape and
position: a list page's rows were two thirds of its time, a sign's text most of its
(``python -m bench.pdf_set`` prints both).

Each piece is placed in a box of the area (mm from its top and from its starting edge: the
left, or the right on a right-to-left page, whose boxes are mirrored), its lines one under the
other at the piece's line height (the area's unless given), centred in the box's height or
ending at its bottom, aligned to the box's start or end. It is drawn through WeasyPrint's own
text drawing (engine.py), in the area's fonts, language and direction, so the text is
embedded, subset and read back as the rest of the page's. Pieces are drawn in the order
given: that is the order a reader extracts. A piece never moves anything else: a line taller
than its box (a fallback font's) overlaps its neighbours rather than push a page over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rolls.pdf import engine

PX_PER_PT = 96 / 72
PX_PER_MM = 96 / 25.4


@dataclass(frozen=True)
class Piece:
    """Lines of text at *size_pt* in a box *width* by *height* mm, *x* mm from the area's
    starting edge and *top* mm from its top; ``end``: aligned to the box's far edge;
    ``colour``: a CSS colour (the area's own when empty); ``spacing``: letter spacing in
    em; ``leading``: the line height in em (the area's when None); ``bottom``: set on the
    box's bottom instead of centred in its height."""

    lines: tuple[str, ...]
    size_pt: float
    x: float
    width: float
    top: float
    height: float
    end: bool = False
    colour: str = ""
    spacing: float = 0.0  # between letters, in em
    leading: float | None = None  # line height in em; None: the area's
    bottom: bool = False  # the lines end at the box's bottom (else centred in it)
    bold: bool = False


@dataclass(frozen=True)
class Rule:
    """A filled bar across *width* mm from *x* (from the starting edge), *top* mm down."""

    x: float
    width: float
    top: float
    thickness: float
    colour: str


@dataclass(frozen=True)
class Frame:
    """A border *thickness* mm wide around a box *width* by *height* mm, *x* mm from the
    area's starting edge and *top* mm from its top, its corners rounded by *radius* mm."""

    x: float
    width: float
    top: float
    height: float
    thickness: float
    colour: str
    radius: float = 0.0


# A page's few colours, parsed once each (a list draws a rule under every row).
_colour = lru_cache(maxsize=64)(engine.css_colour)


class PlacedText:
    """The pieces, rules and frames of one page's area, drawn where its placeholder image
    would be."""

    def __init__(
        self,
        pieces: Sequence[Piece],
        rules: Sequence[Rule] = (),
        frames: Sequence[Frame] = (),
        *,
        height: float | None = None,
    ):
        self.pieces = pieces
        self.rules = rules
        self.frames = frames
        self.height = height  # mm the pieces take from the area's top, where it is known

    def get_intrinsic_size(self, image_resolution, font_size):
        return None, None, None  # the box's size: set by the stylesheet

    def draw(self, stream, concrete_width, concrete_height, style):
        rtl = engine.is_right_to_left(style)

        def left(x: float, width: float) -> float:
            """The box's left edge, in CSS pixels from the area's."""
            return concrete_width - (x + width) * PX_PER_MM if rtl else x * PX_PER_MM

        for rule in self.rules:
            engine.fill_rectangle(
                stream,
                _colour(rule.colour),
                x=left(rule.x, rule.width),
                y=rule.top * PX_PER_MM,
                width=rule.width * PX_PER_MM,
                height=rule.thickness * PX_PER_MM,
            )
        for frame in self.frames:
            engine.stroke_rectangle(
                stream,
                _colour(frame.colour),
                x=left(frame.x, frame.width),
                y=frame.top * PX_PER_MM,
                width=frame.width * PX_PER_MM,
                height=frame.height * PX_PER_MM,
                line=frame.thickness * PX_PER_MM,
                radius=frame.radius * PX_PER_MM,
            )
        sizes = _Sizes(style)
        emojis = []
        with engine.text_object(stream):
            for piece in self.pieces:
                layout, drawn_style, height, baseline = sizes.at(piece)
                engine.set_fill_colour(stream, drawn_style)
                box_left = left(piece.x, piece.width)
                box_right = box_left + piece.width * PX_PER_MM
                room = piece.height * PX_PER_MM - len(piece.lines) * height
                first = piece.top * PX_PER_MM + (room if piece.bottom else room / 2)
                for number, text in enumerate(piece.lines):
                    layout.set_text(text)
                    to_right = piece.end != rtl  # the end of a left-to-right box is its right
                    x = box_right - engine.line_width(layout, drawn_style) if to_right else box_left
                    y = first + number * height + baseline
                    drawn = engine.draw_line(stream, layout, drawn_style, x, y)
                    emojis.append((x, y, drawn_style, drawn))
        # Colour glyphs (a system fallback font may be an emoji font) are images of their own.
        engine.draw_colour_glyph_lines(stream, emojis)
        sizes.deactivate()


class _Sizes:
    """A Pango layout, style and line metrics per size and colour, made when first drawn."""

    def __init__(self, style):
        self.style = style
        self.made: dict[tuple, tuple] = {}

    def at(self, piece: Piece) -> tuple:
        size_pt, colour, spacing = piece.size_pt, piece.colour, piece.spacing
        key = (size_pt, colour, spacing, piece.leading, piece.bold)
        if key not in self.made:
            values: dict = {"font_size": size_pt * PX_PER_PT}
            if piece.bold:
                values["font_weight"] = 700
            if colour:
                values["color"] = _colour(colour)
            if spacing:
                values["letter_spacing"] = spacing * size_pt * PX_PER_PT
            style = engine.restyled(self.style, **values)
            # The font's own line (ascent to descent), then the line height it is set in,
            # the difference shared above and below, as WeasyPrint's line boxes do.
            natural, baseline = engine.line_metrics(style)
            leading = engine.leading(self.style) if piece.leading is None else piece.leading
            height = natural if leading is None else leading * size_pt * PX_PER_PT
            baseline += (height - natural) / 2
            self.made[key] = (engine.text_layout(style), style, height, baseline)
        return self.made[key]

    def deactivate(self) -> None:
        for layout, *_ in self.made.values():
            layout.deactivate()


class AreasNotPlaced(RuntimeError):
    """The laid-out document does not have one area per page that has pieces to draw."""


def place(document, css_class: str, areas: Sequence[PlacedText]) -> None:
    """Give every area of *css_class*, in page order, its pieces; refuse a document with an
    area too few or too many (a station left off a list must never pass)."""
    found = [box for page in document.pages for box in engine.image_boxes(page, css_class)]
    if len(found) != len(areas):
        raise AreasNotPlaced(f"{len(found)} areas of {css_class} laid out for {len(areas)}")
    for box, area in zip(found, areas, strict=True):
        engine.replace_image(box, area)
