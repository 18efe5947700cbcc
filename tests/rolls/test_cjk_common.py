"""The CJK characters in everyday use drawn from a font cut from the CJK font: the same
glyphs, a fraction of the font to subset per document, the whole font for the rest."""

import io
import logging

import pytest
import uharfbuzz as hb
from pypdf import PdfReader

from rolls.checks import cjk_font_check
from rolls.pdf import cjk_common, roll, text_widths
from rolls.pdf.fontdata import font_location
from tests.support.pdfs import render, texts, voters_named

EVERYDAY = "王小明山田太郎さくらサクラ김민준李龍Ａ、"
COMMON_FONT = cjk_common.common_font  # cached; a test may patch the module's name
RARE = "\U00020bb7"  # 𠮷, of Japanese family names: JIS X 0213, in none of the sets cut


def base_fonts(reader: PdfReader) -> set[str]:
    """The fonts a PDF embeds, by the name it gives them, without the subset tag."""
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


@pytest.fixture
def fresh_stylesheets():
    """Stylesheets and font configuration made again, before and after the test."""
    roll._forget_setup()
    COMMON_FONT.cache_clear()
    yield
    roll._forget_setup()
    COMMON_FONT.cache_clear()


def test_the_sets_cut_are_the_national_standards_and_not_the_rare_characters():
    chars = cjk_common.characters()
    assert {ord(c) for c in EVERYDAY} <= chars
    assert 13_000 < len(chars) < 15_000
    assert ord(RARE) not in chars and ord("\u4e02") not in chars  # 丂: GBK only


def test_the_cut_font_draws_the_same_glyphs_from_a_fifth_of_the_font():
    source, index = font_location(cjk_common.SOURCE_FAMILY)
    whole = hb.Font(hb.Face(hb.Blob.from_file_path(source), index))
    cut = hb.Font(hb.Face(hb.Blob.from_file_path(str(cjk_common.common_font()))))

    assert whole.face.glyph_count == 65_535
    assert cut.face.glyph_count < 15_000
    assert cut.face.upem == whole.face.upem
    for char in EVERYDAY:
        old, new = whole.get_nominal_glyph(ord(char)), cut.get_nominal_glyph(ord(char))
        assert new is not None, char
        assert cut.get_glyph_h_advance(new) == whole.get_glyph_h_advance(old), char
        assert cut.get_glyph_extents(new) == whole.get_glyph_extents(old), char
    assert cut.get_nominal_glyph(ord(RARE)) is None
    assert whole.get_nominal_glyph(ord(RARE)) is not None


def test_a_roll_draws_everyday_cjk_from_the_cut_font_and_a_rare_character_from_the_whole_one(
    fresh_stylesheets,
):
    names = [("王", "小明"), ("山田", "さくら"), ("김", "민준"), (f"{RARE}田", "太郎")]
    reader, _ = render(voters_named(names))

    text = "".join(texts(reader))
    for family, given in names:
        assert f"{family}, {given}" in text
    fonts = base_fonts(reader)
    assert "Noto-Sans-CJK-Common-Roll" in fonts
    assert "Noto-Sans-CJK-JP" in fonts  # for 𠮷 alone


def test_a_roll_of_everyday_cjk_names_does_not_embed_the_whole_font(fresh_stylesheets):
    reader, _ = render(voters_named([("王", "小明"), ("山田", "さくら"), ("김", "민준")]))

    assert "Noto-Sans-CJK-JP" not in base_fonts(reader)
    assert "王, 小明" in "".join(texts(reader))


def test_without_the_cut_font_the_whole_font_draws_every_cjk_name(fresh_stylesheets, monkeypatch):
    monkeypatch.setattr(cjk_common, "common_font", lambda: None)
    assert cjk_common.FAMILY not in text_widths.css_font_family()
    assert cjk_common.font_face_rule() == ""

    reader, _ = render(voters_named([("王", "小明"), ("김", "민준")]))

    assert "王, 小明" in "".join(texts(reader)) and "김, 민준" in "".join(texts(reader))
    fonts = base_fonts(reader)
    assert "Noto-Sans-CJK-JP" in fonts and "Noto-Sans-CJK-Common-Roll" not in fonts


def test_a_cache_folder_that_cannot_be_written_leaves_the_cut_font_out_and_says_why(
    fresh_stylesheets, monkeypatch, tmp_path, caplog
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setattr(cjk_common, "cache_dir", lambda: blocker / "fonts")

    with caplog.at_level(logging.WARNING, logger="rolls.pdf.cjk_common"):
        assert cjk_common.common_font() is None
    assert "CJK names are drawn from the whole font" in caplog.text


def test_the_cut_font_is_made_once_and_reused_by_the_next_process(
    fresh_stylesheets, monkeypatch, tmp_path
):
    monkeypatch.setattr(cjk_common, "cache_dir", lambda: tmp_path)
    first = cjk_common.common_font()
    made = first.stat().st_mtime_ns
    cjk_common.common_font.cache_clear()  # as a new process would find it

    assert cjk_common.common_font() == first and first.stat().st_mtime_ns == made
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no partial file left
    assert io.BytesIO(first.read_bytes()).read(4) == b"OTTO"  # a CFF OpenType font


def test_the_system_check_warns_when_the_cut_font_cannot_be_made(fresh_stylesheets, monkeypatch):
    assert cjk_font_check(None) == []

    monkeypatch.setattr(cjk_common, "common_font", lambda: None)
    (warning,) = cjk_font_check(None)
    assert warning.id == "rolls.W001" and "whole font" in warning.msg


@pytest.mark.parametrize("damage", ["truncated", "not a font", "empty"])
def test_a_damaged_cut_font_in_the_cache_is_cut_again(
    fresh_stylesheets, monkeypatch, tmp_path, damage
):
    monkeypatch.setattr(cjk_common, "cache_dir", lambda: tmp_path)
    path = cjk_common.common_font()
    whole = path.read_bytes()
    path.write_bytes(
        {"truncated": whole[: len(whole) // 3], "not a font": b"%PDF-1.7\n" * 100, "empty": b""}[
            damage
        ]
    )
    COMMON_FONT.cache_clear()

    assert cjk_common.common_font() == path and path.read_bytes() == whole
    reader, _ = render(voters_named([("王", "小明")]))
    assert "王, 小明" in "".join(texts(reader))
    assert "Noto-Sans-CJK-Common-Roll" in base_fonts(reader)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_space_between_cjk_characters_is_a_space_not_a_missing_glyph_box(
    fresh_stylesheets, caplog, language
):
    # Pango keeps a CJK run's font for the spaces in it: the cut font needs its own, for the
    # names ("山田 太郎"), the cover's door range and, right to left, the rows' column gaps.
    # The spaces the face has are cut with it; HarfBuzz draws any other from its U+0020.
    source, index = font_location(cjk_common.SOURCE_FAMILY)
    whole = hb.Font(hb.Face(hb.Blob.from_file_path(source), index))
    cut = hb.Font(hb.Face(hb.Blob.from_file_path(str(cjk_common.common_font()))))
    assert cut.get_nominal_glyph(ord(" ")) is not None
    for space in " \u00a0\u2002\u2003\u200a\u3000":
        had = whole.get_nominal_glyph(ord(space)) is not None
        assert (cut.get_nominal_glyph(ord(space)) is not None) == had, hex(ord(space))
    names = [("山田 太郎", "さくら"), ("王 小明", "Smith John"), ("김", "민 준")]
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        reader, _ = render(voters_named(names), language=language, first_voter="山田 太郎, さくら")
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]
    text = "".join(texts(reader))
    assert "山田 太郎, さくら" in text and "王 小明, Smith John" in text
