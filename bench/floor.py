"""The renderer's floor: ``python -m bench.floor``.

The same station's roll (tests/pdf_data.py's synthetic voters) written straight to a PDF
content stream, with no HTML, cascade or layout: the libraries WeasyPrint itself writes with
underneath. pydyf holds the PDF objects and page streams; each line of text is a Pango
layout shaped by HarfBuzz and drawn glyph by glyph through WeasyPrint's own glyph drawing
and font embedding (the same fonts, subset by libharfbuzz-subset, with a ToUnicode map so
the text reads back); the rows are the very lines the roll prints (rolls/pdf/roll_lines.py: fitted
names included), drawn by the roll's own ``RowText``. What is left is the floor: the glyphs
and rules of the page and nothing that decides where they go.

Each roll page has its running header and its rule, the column titles, 40 rows with their
zebra stripes and signature boxes, the rule under the rows, the end-of-roll line on the last
page, and the footer (purpose, provenance, "Page X of Y"), where the roll prints them. The
cover is the roll's own (rolls/pdf/cover.py: its lines, rules and frames, drawn as the roll
draws them into its area); the verification stamps are left out (the benchmark renders
without codes, as bench.pdf does).

Besides the product's own door to WeasyPrint's internals (rolls/pdf/engine.py), it uses two
of WeasyPrint's PDF internals, its page ``Stream`` (which records the fonts a page draws
with) and ``build_fonts_dictionary`` (subset and embed them): a benchmark outside the
product, which a WeasyPrint upgrade may break (tests/bench/test_floor.py would say so) but
the console never depends on.

It prints the median CPU seconds per station of both, measured interleaved in one process
(one core), their pages/s per core and the ratio; ``--write`` keeps the floor's PDF.
"""

from __future__ import annotations

import argparse
import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import django
import pydyf
from django.utils import translation
from django.utils.translation import gettext
from tinycss2.color5 import parse_color
from weasyprint import CSS, DEFAULT_OPTIONS, HTML
from weasyprint.pdf.fonts import build_fonts_dictionary
from weasyprint.pdf.stream import Stream
from weasyprint.text.fonts import FontConfiguration

# Nothing here reads settings at import time: django.setup() in main() comes first of use.
from bench.pdf import cpu_seconds
from rolls.pdf import cjk_common, engine, layout, painting, render_station_roll, text_widths
from rolls.pdf.cover import COVER_AREA, cover_area
from rolls.pdf.data import RollHeader, RollVoter, expected_pages
from rolls.pdf.roll import _header_context, is_right_to_left
from rolls.pdf.roll_lines import heads_line, roll_pages
from tests.pdf_data import synthetic_header, synthetic_voters

PX_PER_MM = 96 / 25.4
PT_PER_PX = 0.75  # PDF points per CSS pixel
PAGE = (layout.PAGE_WIDTH * PX_PER_MM, layout.PAGE_HEIGHT * PX_PER_MM)
INK, LABEL, MUTED, RULE = "#111", "#1f2a3a", "#5b6473", "#b8c0cc"

# One line per text style the roll prints: (name, CSS). Laid out once per process by
# WeasyPrint, only to get the computed styles (fonts, size, colour, line height) that
# Pango's layouts are made from; nothing of this document is drawn.
STYLES = (
    # Rows come in drawing order, left to right, on a right-to-left roll too (roll.css).
    (
        "rows",
        f"font-size: {layout.FONT_SIZE_PT}pt; line-height: {layout.ROW_HEIGHT}mm; direction: ltr",
    ),
    ("heads", f"font-size: {layout.HEADS_FONT_SIZE_PT}pt; font-weight: {{label}}; color: {LABEL}"),
    ("running", f"font-size: 8.5pt; color: {LABEL}"),
    ("station", f"font-size: 15pt; font-weight: {{label}}; color: {LABEL}"),
    ("footer", f"font-size: 8pt; color: {LABEL}"),
    ("end", f"font-size: 8pt; font-weight: {{label}}; letter-spacing: 0.05em; color: {LABEL}"),
    ("title", f"font-size: 22pt; color: {LABEL}"),
    ("big", f"font-size: 16pt; color: {INK}"),
    ("fact", f"font-size: 12pt; color: {INK}"),
    ("muted", f"font-size: 11pt; color: {MUTED}"),
)


@dataclass(frozen=True)
class Styles:
    by_name: dict

    def __getitem__(self, name: str):
        return self.by_name[name]


_styles: dict[str, Styles] = {}


def styles_for(language: str) -> Styles:
    """The computed styles of the roll's text in *language*, made once per process."""
    if language not in _styles:
        direction = "rtl" if is_right_to_left(language) else "ltr"
        # Labels are regular on a right-to-left roll (roll.css says why).
        label = "normal" if direction == "rtl" else "bold"
        lines = "".join(f'<p style="{css.format(label=label)}">{name}</p>' for name, css in STYLES)
        html = (
            f'<html lang="{language}" dir="{direction}" style="font-family: '
            f'{text_widths.css_font_family().replace(chr(34), chr(39))}; color: {INK}">'
            f"<body>{lines}</body></html>"
        )
        # The roll's fonts: its stack and roll.css's two @font-face rules, Arabic and the cut
        # CJK font (the styles keep the font configuration that loaded them).
        arabic = (
            f'@font-face {{ font-family: "{text_widths.FONT_STACK[0].css_family}"; '
            'src: local("NotoSansArabic-Regular"); '
            f"unicode-range: {text_widths.css_unicode_range(text_widths.ARABIC_RANGES)}; }}"
        )
        fonts = FontConfiguration()
        faces = CSS(string=arabic + cjk_common.font_face_rule(), font_config=fonts)
        page = HTML(string=html).render(stylesheets=[faces], font_config=fonts).pages[0]
        boxes = engine.text_boxes(engine.page_box(page))
        found = [engine.text_position(box)[3] for box in boxes]
        if len(found) != len(STYLES):
            raise RuntimeError(f"{len(found)} styles laid out for {len(STYLES)}")
        _styles[language] = Styles(dict(zip((n for n, _ in STYLES), found, strict=True)))
    return _styles[language]


class Writer:
    """One PDF, its pages drawn straight into their content streams."""

    def __init__(self):
        self.pdf = pydyf.PDF()
        self.fonts: dict = {}
        self.resources = pydyf.Dictionary(
            {
                "ExtGState": pydyf.Dictionary(),
                "XObject": pydyf.Dictionary(),
                "Pattern": pydyf.Dictionary(),
                "Shading": pydyf.Dictionary(),
            }
        )
        self.pdf.add_object(self.resources)
        self.layouts: dict[int, object] = {}

    def page(self) -> Stream:
        """A new A4 page's stream, in CSS pixels from the top left, as WeasyPrint draws."""
        width, height = PAGE
        stream = Stream(self.fonts, (0, 0, width, height), self.resources, {}, None, {}, None)
        stream.transform(d=-1, f=height * PT_PER_PX)
        stream.transform(a=PT_PER_PX, d=PT_PER_PX)
        self.pdf.add_object(stream)
        self.pdf.add_page(
            pydyf.Dictionary(
                {
                    "Type": "/Page",
                    "Parent": self.pdf.pages.reference,
                    "MediaBox": pydyf.Array([0, 0, width * PT_PER_PX, height * PT_PER_PX]),
                    "Contents": stream.reference,
                    "Resources": self.resources.reference,
                }
            )
        )
        return stream

    def text(self, stream, style, text: str, x: float, baseline: float, *, end=False) -> None:
        """One line of *text* in *style*, starting at *x* (ending there with *end*)."""
        layout_ = self.layouts.get(id(style))
        if layout_ is None:
            layout_ = self.layouts[id(style)] = engine.text_layout(style)
        layout_.set_text(text)
        if end:
            x -= engine.line_width(layout_, style)
        engine.set_fill_colour(stream, style)
        with engine.text_object(stream):
            drawn = engine.draw_line(stream, layout_, style, x, baseline)
        if drawn:
            engine.draw_colour_glyphs(stream, style, x, baseline, drawn)

    def bytes(self) -> bytes:
        for layout_ in self.layouts.values():
            layout_.deactivate()
        fonts = build_fonts_dictionary(self.pdf, self.fonts, True, True, dict(DEFAULT_OPTIONS))
        self.pdf.add_object(fonts)
        self.resources["Font"] = fonts.reference
        out = _Buffer()
        self.pdf.write(out, compress=True)
        return out.getvalue()


class _Buffer(bytearray):
    def write(self, data) -> None:
        self.extend(data)

    def getvalue(self) -> bytes:
        return bytes(self)


def colour(css: str):
    """A CSS colour as WeasyPrint's stream sets it (tinycss2, WeasyPrint's parser), so that
    the stream knows the current colour of the rules and the text alike."""
    return parse_color(css)


def rule(stream, x: float, y: float, width: float, points: float, css: str = LABEL) -> None:
    stream.set_color(colour(css))
    stream.rectangle(x, y, width, points / PT_PER_PX)
    stream.fill()


def mm(value: float) -> float:
    return value * PX_PER_MM


def floor_roll(header: RollHeader, voters: Sequence[RollVoter]) -> tuple[bytes, int]:
    """The station's roll written straight to PDF: its bytes and pages."""
    rtl = is_right_to_left(header.language)
    styles = styles_for(header.language)
    writer = Writer()
    with translation.override(header.language):
        context = _header_context(header)
        columns, pages = roll_pages(voters, rtl=rtl)
        heads = heads_line(columns, rtl=rtl)
        sentence = gettext("Page %(page)s of %(pages)s")
        station = gettext("Station %(number)s") % {"number": header.station_number}
        total = len(pages) + 1
        end_line = gettext(
            "END OF ROLL · Station %(station)s · %(voters)s voters · last row %(last)s · "
            "%(pages)s pages"
        ) % {
            "station": header.station_number,
            "voters": header.voter_count,
            "last": len(voters),
            "pages": total,
        }
        cover(writer, styles, header, context, len(pages))
        left, top = mm(layout.MARGIN_LEFT), mm(layout.MARGIN_TOP)
        width = mm(layout.CONTENT_WIDTH)
        right = left + width
        start, finish = (right, left) if rtl else (left, right)
        rows_top = top + mm(layout.COLUMN_HEADS_HEIGHT)
        row_height = mm(layout.ROW_HEIGHT)
        box_x = left + mm(layout.signature_box_x(rtl))
        box_h = mm(layout.ROW_HEIGHT - 2 * layout.SIGNATURE_INSET_Y)
        footer_y = PAGE[1] - mm(layout.MARGIN_BOTTOM) + mm(3)
        for number, lines in enumerate(pages, start=2):
            stream = writer.page()
            # Running header above its rule; the footer below the page's content.
            writer.text(stream, styles["running"], context["run_election"], start,
                        top - mm(2.5) - 14, end=rtl)  # fmt: skip
            writer.text(stream, styles["running"], context["run_center"], start,
                        top - mm(2.5) - 3, end=rtl)  # fmt: skip
            writer.text(stream, styles["station"], station, finish, top - mm(2.5) - 5, end=not rtl)
            rule(stream, left, top - 0.5 / PT_PER_PX, width, 0.5)
            for index, line in enumerate(context["provenance"].split("\n")):
                writer.text(stream, styles["footer"], line, start, footer_y + 9 + index * 12,
                            end=rtl)  # fmt: skip
            page_number = sentence % {"page": number, "pages": total}
            writer.text(stream, styles["footer"], page_number, finish, footer_y + 9, end=not rtl)
            # Column titles over their rule, then the rows: stripes, boxes, their text.
            inset = mm(layout.TEXT_INSET)
            writer.text(stream, styles["heads"], heads, right - inset if rtl else left + inset,
                        top + mm(2.6) + 7, end=rtl)  # fmt: skip
            rule(stream, left, rows_top - 0.8 / PT_PER_PX, width, 0.8)
            stream.set_color(colour(layout.STRIPE_COLOUR))
            for index in range(1, len(lines), 2):
                stream.rectangle(left, rows_top + index * row_height, width, row_height)
            stream.fill()
            stream.set_color(colour("#fff"))
            stream.set_color(colour(layout.BOX_STROKE), stroke=True)
            stream.set_line_width(mm(layout.BOX_STROKE_WIDTH))
            for index in range(len(lines)):
                y = rows_top + index * row_height + mm(layout.SIGNATURE_INSET_Y)
                stream.rectangle(box_x, y, mm(layout.SIGNATURE_WIDTH), box_h)
            stream.fill_and_stroke()
            with stream.stacked():
                stream.transform(e=left, f=rows_top)
                painting.RowText(lines, inset=inset, row_height=row_height, rtl=rtl).draw(
                    stream, width, len(lines) * row_height, styles["rows"]
                )
            bottom = rows_top + len(lines) * row_height
            rule(stream, left, bottom, width, 0.8)
            if number == total:
                writer.text(stream, styles["end"], end_line, start, bottom + mm(1.5) + 12, end=rtl)
    return writer.bytes(), total


def cover(writer: Writer, styles: Styles, header: RollHeader, context: dict,
          roll_pages: int) -> None:  # fmt: skip
    """The roll's own cover (cover.py: its text, rules and frames, drawn as the roll draws
    them into its area) and its footer."""
    stream = writer.page()
    area = cover_area(header, roll_pages=roll_pages)
    with stream.stacked():
        stream.transform(e=mm(layout.MARGIN_LEFT), f=mm(layout.MARGIN_TOP))
        area.draw(stream, mm(layout.CONTENT_WIDTH), mm(COVER_AREA), styles["fact"])
    footer = context["provenance"].replace("\n", " · ")
    baseline = PAGE[1] - mm(layout.MARGIN_BOTTOM) + mm(3) + 9
    writer.text(stream, styles["footer"], footer, mm(layout.MARGIN_LEFT), baseline)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("-n", "--repeats", type=int, default=9)
    parser.add_argument("--voters", type=int, default=500)
    parser.add_argument("--language", default="en", help="the roll's language (ar: right to left)")
    parser.add_argument("--write", type=Path, help="keep the floor's PDF in this file")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    voters = synthetic_voters(args.voters)
    header = synthetic_header(voters, args.language)
    # Warm-up of both: fonts, stylesheets, templates, imports.
    pdf, pages = floor_roll(header, voters)
    real_pages = render_station_roll(header, voters).pages
    if pages != real_pages or pages != expected_pages(len(voters)):
        raise SystemExit(f"the floor wrote {pages} pages, the renderer {real_pages}")
    if args.write:
        args.write.write_bytes(pdf)
    floor_times, real_times = [], []
    # Interleaved, so that load from other processes on a shared machine hits both alike.
    for _ in range(args.repeats):
        real_times.append(cpu_seconds(lambda: render_station_roll(header, voters)))
        floor_times.append(cpu_seconds(lambda: floor_roll(header, voters)))
    real, floor = statistics.median(real_times), statistics.median(floor_times)
    print(f"voters per station:      {args.voters} ({pages} pages)")
    print(f"renderer (WeasyPrint):   {real:.3f} s CPU per station, {pages / real:.1f} pages/s")
    print(f"floor (pydyf + Pango):   {floor:.3f} s CPU per station, {pages / floor:.1f} pages/s")
    print(f"renderer / floor:        {real / floor:.1f}x the floor's time (n={args.repeats})")


if __name__ == "__main__":
    main()
