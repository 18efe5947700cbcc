"""A roll in its election's language: labels and dates from the catalogs in locale/, and an
Arabic roll laid out right to left (read back from the PDF: text with pypdf and poppler's
pdftotext, pixels with pdftoppm, glyphs from the embedded fonts with fontTools)."""

from __future__ import annotations

import datetime
import io
import re
import subprocess

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from rolls.pdf import RollVoter, layout, render_station_roll
from rolls.pdf.center_documents import render_center_list, render_door_sign
from rolls.pdf.ranges import CenterHeader, StationRange
from rolls.pdf.roll import render_html
from tests.support.pdfs import (
    ARABIC,
    gray_page,
    header_for,
    needs_poppler,
    render,
    text_runs,
    texts,
    voters_named,
    words_on_page,
)

# Arabic names, Latin names and two mixed ones: an Arabic family name with a Latin given name
# (first strong: right to left) and the other way round (left to right).
ARABIC_NAMES = [
    ("الخوارزمي", "عبد الرحمن"),
    ("Abbott", "Anne"),
    ("بن علي", "Smith"),
    ("Dubois", "محمد"),
]


def arabic_roll(count: int = 40):
    voters = voters_named(ARABIC_NAMES, count)
    reader, pdf = render(
        voters,
        language="ar",
        election_name="الانتخابات العامة 2026",
        center_name="مدرسة النور",
        first_voter="الخوارزمي, عبد الرحمن",
        last_voter="Dubois, محمد",
    )
    return voters, reader, pdf


@pytest.fixture(scope="module")
def rtl():
    return arabic_roll()


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        (
            "fr",
            [
                "LISTE ÉLECTORALE",
                "Jour du scrutin : dimanche 14 juin 2026",
                "Centre de vote",
                "Électeurs inscrits",
                "À AFFICHER À L’ENTRÉE DU BUREAU",  # noqa: RUF001 - French apostrophe
                "Bureau 3",
                "Page 1 sur 2",
                "Tirage 12",
                "édité le 2026-12-01 10:05 UTC",
            ],
        ),
        ("es", ["PADRÓN ELECTORAL", "domingo 14 de junio de 2026", "Mesa 3", "Página 1 de 2"]),
        ("ru", ["СПИСОК ИЗБИРАТЕЛЕЙ", "14 июня 2026 г.", "Участок 3", "Страница 1 из 2"]),  # noqa: RUF001
        ("en", ["VOTER ROLL", "Polling day: Sunday 14 June 2026", "Station 3", "Page 1 of 2"]),
    ],
)
def test_cover_labels_and_date_read_back_in_the_election_language(language, labels):
    reader, _ = render(voters_named([("Abbott", "Anne")], 3), language=language)
    cover = " ".join(texts(reader)[0].split())
    for label in labels:
        assert label in cover


def test_column_titles_and_page_numbers_of_a_french_roll():
    reader, _ = render(voters_named([("Abbott", "Anne")], 3), language="fr")
    page = texts(reader)[1]
    assert all(title in page for title in ("N°", "NOM", "SIGNATURE", "Bureau 3", "Page 2 sur 2"))
    assert "Page 2 of 2" not in page and "NAME" not in page


def test_an_arabic_roll_has_arabic_labels(rtl):
    _, reader, _ = rtl
    cover, page = texts(reader)[:2]
    # pypdf gives each Arabic word in logical order; words of a label may come in visual order.
    for word in ("سجل", "الناخبين", "الاقتراع", "المحطة", "يُعلَّق"):
        assert word in cover
    for word in ("الاسم", "التوقيع", "الناخب", "صفحة"):
        assert word in page
    assert "VOTER" not in cover + page and "Page" not in page


def test_the_html_of_an_arabic_roll_is_right_to_left():
    voters = voters_named(ARABIC_NAMES, 4)
    arabic, _ = render_html(header_for(voters, language="ar"), voters)
    french, _ = render_html(header_for(voters, language="fr"), voters)
    assert '<html lang="ar" dir="rtl">' in arabic
    assert '<html lang="fr" dir="ltr">' in french


def row_words(words, voter: RollVoter) -> dict[str, float]:
    """Word -> its left x, on the row of *voter*."""
    row_y = next(y for _, y, text in words if text == voter.voter_number)
    return {text.strip(","): x for x, y, text in words if abs(y - row_y) < 4}


@needs_poppler
def test_arabic_rows_run_right_to_left_and_mixed_names_keep_their_order(rtl):
    voters, _, pdf = rtl
    words = words_on_page(pdf, 2)
    for voter in voters[:4]:
        row = row_words(words, voter)
        family = voter.family_name.split()[-1]
        # Row number at the right, then the voter number, then the name to its left.
        assert row[str(voter.position)] > row[voter.voter_number] > row[family]
    # "بن علي, Smith" reads right to left (family name on the right); "Dubois, محمد" left to
    # right: each mixed name in its own first strong direction, never merged with its row.
    mixed_rtl, mixed_ltr = row_words(words, voters[2]), row_words(words, voters[3])
    assert mixed_rtl["Smith"] < mixed_rtl["علي"] < mixed_rtl["بن"]
    assert mixed_ltr["Dubois"] < mixed_ltr["محمد"]
    # The heads follow: the row number title at the right, the signature title at the left.
    heads = {text: x for x, y, text in words if text in ("م", "التوقيع")}
    assert heads["م"] > heads["التوقيع"]


@needs_poppler
def test_arabic_text_extracts_in_logical_order(rtl):
    voters, _, pdf = rtl
    out = subprocess.run(
        ["pdftotext", "-f", "2", "-l", "2", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    text = re.sub("[\u202a-\u202e]", "", out)  # the embedding marks pdftotext adds
    words = text.replace(",", " ").split()
    # The roll order (row numbers and voter numbers) ...
    numbers = [word for word in words if re.fullmatch(r"V\d{9}", word)]
    assert numbers == [voter.voter_number for voter in voters]
    # ... and each Arabic name word by word as it was typed: family name first.
    expected = ["الخوارزمي", "عبد", "الرحمن"]
    start = words.index(expected[0])
    assert words[start : start + 3] == expected


@needs_poppler
def test_the_row_number_column_is_on_the_right_of_an_arabic_page(rtl):
    dpi = 100
    _, _, pdf = rtl
    _, _, ltr_pdf = arabic_roll_in("en")
    top = layout.MARGIN_TOP + layout.COLUMN_HEADS_HEIGHT + 0.5
    bottom = top + 20 * layout.ROW_HEIGHT
    # The strip just inside each edge of the rows: row numbers print there, black; the
    # signature box edge on the other side is a thin grey line, never this dark.
    right = layout.MARGIN_LEFT + layout.CONTENT_WIDTH
    strips = {
        "left": (layout.MARGIN_LEFT + 0.8, layout.MARGIN_LEFT + 7),
        "right": (right - 7, right - 0.8),
    }

    def dark_pixels(pdf_bytes: bytes, side: str) -> int:
        width, _, pixels = image = gray_page(pdf_bytes, 2, dpi)
        px = dpi / 25.4
        left_mm, right_mm = strips[side]
        return sum(
            pixels[y * width + x] < 90
            for y in range(round(top * px), round(bottom * px))
            for x in range(round(left_mm * px), round(right_mm * px))
        ) + 0 * len(image)

    assert dark_pixels(pdf, "right") > 200 and dark_pixels(pdf, "left") == 0
    assert dark_pixels(ltr_pdf, "left") > 200 and dark_pixels(ltr_pdf, "right") == 0


def arabic_roll_in(language: str):
    voters = voters_named(ARABIC_NAMES, 40)
    reader, pdf = render(voters, language=language)
    return voters, reader, pdf


BFCHAR = re.compile(r"<([0-9a-f]+)> <([0-9a-f]+)>")


def embedded_fonts(reader: PdfReader):
    """(family, font program, {glyph id: text}) of each font embedded in the PDF; the text of
    a glyph comes from the font's ToUnicode map, which says what each drawn glyph stands for."""
    seen = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if font["/BaseFont"] in seen:
                continue
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            key = next(k for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in descriptor)
            program = TTFont(io.BytesIO(descriptor[key].get_object().get_data()))
            cmap = font["/ToUnicode"].get_object().get_data().decode()
            glyphs = {
                int(gid, 16): bytes.fromhex(text).decode("utf-16-be")
                for gid, text in BFCHAR.findall(cmap)
            }
            seen[font["/BaseFont"]] = (program["name"].getDebugName(1), program, glyphs)
    return list(seen.values())


def undrawn(reader: PdfReader, characters: set[str]) -> set[str]:
    """The characters no embedded font draws with a real glyph (one with an outline)."""
    drawn = set()
    for _, program, glyphs in embedded_fonts(reader):
        order = program.getGlyphOrder()
        for gid, text in glyphs.items():
            # Glyph 0 is the missing-glyph box ("tofu"), listed as U+FFFF when it is drawn.
            if gid == 0 or text == "\uffff" or gid >= len(order):
                continue
            outline = "glyf" not in program or program["glyf"][order[gid]].numberOfContours
            if not text.isspace() and not outline:
                continue
            drawn.update(text)
    return characters - drawn


def name_characters(voters) -> set[str]:
    return {c for v in voters for c in v.family_name + v.given_name if not c.isspace()}


def test_every_name_character_has_a_real_glyph_no_tofu(rtl):
    voters, reader, _ = rtl
    characters = name_characters(voters)
    assert any(ARABIC.match(c) for c in characters)
    assert not undrawn(reader, characters)


def test_the_tofu_check_sees_a_character_no_font_has():
    # A Toto letter (Unicode 14): no installed font has it, so it prints as a missing-glyph box.
    voters = voters_named([("Abbott\U0001e290", "Anne")], 2)
    reader, _ = render(voters, language="ar")
    assert undrawn(reader, name_characters(voters)) == {"\U0001e290"}


def test_arabic_letters_are_shaped_not_isolated(rtl):
    # ح is in the middle of الرحمن and خ of الخوارزمي: joined, they are drawn with their medial
    # forms. The isolated form is the glyph the font's cmap gives the letter; the subset font
    # keeps only what was drawn, so it has none for them.
    _, reader, _ = rtl
    arabic = [font for font in embedded_fonts(reader) if font[0] == "Noto Sans Arabic"]
    regular = [(p, g) for _, p, g in arabic if "ح" in "".join(g.values())]
    assert regular
    for program, glyphs in regular:
        cmap = program.getBestCmap() or {}
        for letter in "حخ":
            assert letter in "".join(glyphs.values())
            assert ord(letter) not in cmap


def test_arabic_names_are_drawn_whole_by_the_arabic_font(rtl):
    # Joined letters need the whole word in one font: DejaVu Sans has part of the script only.
    _, reader, _ = rtl
    runs = text_runs(reader.pages[1])
    arabic = [(family, text) for _, _, family, text in runs if ARABIC.search(text)]
    assert arabic and all(family == "Noto Sans Arabic" for family, _ in arabic)


def test_a_right_to_left_station_of_500_renders_every_voter():
    voters = voters_named(ARABIC_NAMES, 500)
    rendered = render_station_roll(header_for(voters, language="ar"), voters)
    reader = PdfReader(io.BytesIO(rendered.pdf))
    found = [n for text in texts(reader)[1:] for n in re.findall(r"V\d{9}", text)]
    assert found == [voter.voter_number for voter in voters]


@pytest.mark.parametrize(
    ("language", "sign_labels", "list_labels", "end"),
    [
        ("fr", ["BUREAU DE VOTE", "DE", "À", "3 électeurs"],
         ["1 bureau", "Électeurs", "Cherchez votre nom", "Tirage 12"],
         "FIN DE LA LISTE · Bureau 3 · 3 électeurs · dernière ligne 3"),
        ("ru", ["ИЗБИРАТЕЛЬНЫЙ УЧАСТОК", "3 избирателя"],
         ["1 участок", "Найдите свою фамилию", "Запуск 12"],
         "КОНЕЦ СПИСКА · Участок 3 · избирателей: 3 · последняя строка 3"),
    ],
)  # fmt: skip
def test_door_sign_center_list_and_end_of_roll_in_the_election_language(
    language, sign_labels, list_labels, end
):
    header = CenterHeader(
        election_name="Municipales 2026",
        polling_date=datetime.date(2026, 6, 14),
        center_code="C1",
        center_name="École Jules Ferry",
        run_id=12,
        language=language,
    )
    station = StationRange(number=3, voters=3, first="Abbott", last="Zola")
    sign = " ".join(texts(PdfReader(io.BytesIO(render_door_sign(header, station).pdf)))[0].split())
    center_list = PdfReader(io.BytesIO(render_center_list(header, [station]).pdf))
    listed = " ".join(" ".join(texts(center_list)).split())
    for label in sign_labels:
        assert label in sign
    for label in list_labels:
        assert label in listed
    reader, _ = render(voters_named([("Abbott", "Anne")], 3), language=language)
    assert end in " ".join(texts(reader)[-1].split())
    assert "END OF ROLL" not in " ".join(texts(reader)) and "voters" not in sign
