"""Every printed page verifiable: its code read back from the QR code on the rendered page,
answered by ``manage.py verify_page`` as the page's set changes (never published, official,
carried over, superseded), and forged or mistyped codes."""

from __future__ import annotations

import dataclasses
import functools
import html
import re
import subprocess
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
import zxingcpp
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image

from elections.models import Voter
from rolls.models import DocumentKind, PrintedPage, RollFile, Run
from rolls.page_codes import (
    code_text,
    code_value,
    document_codes,
    page_code,
)
from rolls.pdf import expected_pages, render_station_roll
from rolls.pdf import stamp as stamp_module
from rolls.pdf.center_documents import (
    StationRange,
    list_pages,
    render_center_list,
    render_door_sign,
)
from rolls.services.closing import personal_data_close
from rolls.services.publication import run_publish
from rolls.services.retention import runs_purge
from tests.pdf_data import synthetic_center, synthetic_header, synthetic_voters
from tests.support.builders import build_election
from tests.support.pdfs import forged, qr_of_page
from tests.support.runs import full_run


def verify(code: str) -> str:
    out = StringIO()
    call_command("verify_page", code, stdout=out)
    return out.getvalue()


def document(run: Run, center: str, kind: str, station: int) -> RollFile:
    return RollFile.objects.get(run=run, center__code=center, kind=kind, station_number=station)


@pytest.mark.django_db
def test_a_code_read_from_a_page_answers_through_every_change_of_its_set(
    private_media, tmp_path, django_capture_on_commit_callbacks
):
    election = build_election("Municipal 2027")  # A: 45 voters (1 station), B: 130 (3 stations)
    first = full_run(election)
    roll = document(first, "B", DocumentKind.ROLL, 2)
    code = qr_of_page(roll.path, 2, tmp_path)
    assert code_value(code) is not None
    pages = roll.pages
    assert f"Page 2 of {pages} of B station 2, run {first.pk}, final: never published" in verify(
        code
    )

    first = run_publish(run_id=first.pk, published_by="test")
    answer = verify(code)
    assert answer.startswith(f"{code}: Page 2 of {pages} of B station 2, run {first.pk}, final,")
    assert "the official set of Municipal 2027 since" in answer
    # The door sign and the center list carry theirs too.
    sign = qr_of_page(document(first, "B", DocumentKind.SIGN, 2).path, 1, tmp_path)
    assert f"The door sign of B station 2, run {first.pk}, final, the official" in verify(sign)
    center_list = qr_of_page(document(first, "A", DocumentKind.CENTER_LIST, 0).path, 1, tmp_path)
    assert f"Page 1 of 1 of the center list of A, run {first.pk}" in verify(center_list)
    a_cover = qr_of_page(document(first, "A", DocumentKind.ROLL, 1).path, 1, tmp_path)

    # Center B changes; A is carried over unchanged into the next official set.
    voter = Voter.objects.filter(registrations__center__code="B").order_by("pk").first()
    Voter.objects.filter(pk=voter.pk).update(family_name="Aardvark")
    second = full_run(election, changed_only=True, callbacks=django_capture_on_commit_callbacks)
    assert RollFile.objects.filter(run=second, center__code="A", source_run=first).exists()
    second = run_publish(run_id=second.pk, published_by="test")

    answer = verify(code)
    assert f"run {first.pk}, final: superseded by run {second.pk} on" in answer
    assert "no longer the official set of Municipal 2027" in answer
    answer = verify(a_cover)
    assert f"Page 1 of 3 of A station 1, run {first.pk}, final, part of the official set" in answer
    assert f"(run {second.pk}, which kept this center unchanged)" in answer

    # Typed from paper: lower case, spaces for the dash, the letter O for a zero.
    typed = code.lower().replace("-", " ").replace("0", "o")
    assert verify(typed) == verify(code)
    with pytest.raises(CommandError, match="is unknown"):
        verify(forged(code))


@pytest.mark.django_db
def test_every_page_of_two_runs_has_its_own_code(private_media):
    election = build_election()
    runs = [full_run(election), full_run(election)]
    recorded = list(PrintedPage.objects.values_list("code", flat=True))
    assert len(recorded) == sum(
        run.pages for run in Run.objects.filter(pk__in=[r.pk for r in runs])
    )
    assert len(set(recorded)) == len(recorded)
    # What was recorded is what was printed: the codes of the first run's first roll.
    roll = RollFile.objects.filter(run=runs[0], kind=DocumentKind.ROLL).first()
    printed = document_codes(
        run_id=runs[0].pk,
        kind=roll.kind,
        center_id=roll.center_id,
        station_number=roll.station_number,
        pages=roll.pages,
    )
    assert [code_text(c) for c in PrintedPage.objects.filter(
        run_id=runs[0].pk, center_id=roll.center_id, kind=roll.kind,
        station_number=roll.station_number,
    ).order_by("page").values_list("code", flat=True)] == list(printed)  # fmt: skip


def test_codes_do_not_collide_across_runs_documents_and_pages():
    codes = {
        page_code(run_id=run, kind=kind, center_id=center, station_number=station, page=page)
        for run in (1, 2)
        for kind in DocumentKind.values
        for center in range(1, 6)
        for station in range(1, 9)
        for page in range(1, 16)
    }
    assert len(codes) == 2 * 3 * 5 * 8 * 15


def test_a_typed_code_is_normalised_and_anything_else_is_no_code():
    value = code_value("01ABC-DEFGH")
    assert value is not None and code_text(value) == "01ABC-DEFGH"
    for typed in ("oiabc defgh", " 0LABC\u2013DEFGH ", "01abcdefgh", "01ABC.DEFGH"):
        assert code_value(typed) == value, typed
    address = "https://console.example.org/admin/rolls/run/verify-page/?code=01ABC-DEFGH"
    assert code_value(address) == value
    for wrong in ("", "01ABC-DEFG", "01ABC-DEFGHJ", "01ABU-DEFGH", "01ABC-DEFG!", "ÄBCDE-FGHJK"):
        assert code_value(wrong) is None, wrong


@pytest.mark.django_db
def test_an_unknown_or_malformed_code_is_unknown_not_an_error(private_media):
    with pytest.raises(CommandError, match="ZZZZZ-ZZZZZ is unknown"):
        verify("zzzzz zzzzz")
    with pytest.raises(CommandError, match="is unknown"):
        verify("not a code at all")


def stamp_clear_of_the_page(
    pdf: bytes, codes: tuple[str, ...], folder: Path, language: str = "en"
) -> None:
    """On every page: the label (in the document's language) and the code printed once, the
    QR code beside it reads as the code, and no other word of the page comes into the
    stamp's area (label, code and QR code)."""
    with translation.override(language):
        label = gettext("Verification code").split()
    path = folder / "doc.pdf"
    path.write_bytes(pdf)
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = boxes.split("<page ")[1:]
    assert len(pages) == len(codes)
    mm = 72 / 25.4
    for number, (page, code) in enumerate(zip(pages, codes, strict=True), start=1):
        width = float(re.search(r'width="([\d.]+)"', page).group(1))
        words = [
            (html.unescape(text), *map(float, box))
            for *box, text in re.findall(
                r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', page
            )
        ]
        qr_bottom = stamp_module.BOTTOM * mm
        # pdftotext reads the glyphs of an Arabic word drawn in a left-to-right line (the
        # stamp's) back to front: such a word counts in either order of its letters.
        read = {word: word for word in (*label, code)} | {word[::-1]: word for word in label}
        stamp = [w for w in words if w[0] in read and w[2] < qr_bottom]
        assert sorted(read[w[0]] for w in stamp) == sorted([*label, code]), number
        # Top right, or top left on a right-to-left page: from the stamp's words to the
        # page's edge on the QR code's side.
        if max(w[3] for w in stamp) > width / 2:
            left, right = min(w[1] for w in stamp), width
        else:
            left, right = 0.0, max(w[3] for w in stamp)
        bottom = max(max(w[4] for w in stamp), qr_bottom)
        others = [w for w in words if w not in stamp]
        assert others, "the page has its own text"
        intruders = [w[0] for w in others if w[1] < right and w[3] > left and w[2] < bottom]
        assert intruders == [], (number, intruders)
        subprocess.run(
            ["pdftoppm", "-r", "150", "-png", "-f", str(number), "-l", str(number),
             "-singlefile", str(path), str(folder / "stamp")],
            check=True,
        )  # fmt: skip
        assert [b.text for b in zxingcpp.read_barcodes(Image.open(folder / "stamp.png"))] == [code]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_every_document_kind_prints_its_stamp_clear_of_its_own_text(language, tmp_path):
    voters = synthetic_voters(90)

    codes = functools.partial(document_codes, run_id=7, center_id=3)
    roll_codes = codes(kind=DocumentKind.ROLL, station_number=3, pages=expected_pages(90))
    header = dataclasses.replace(synthetic_header(voters, language), page_codes=roll_codes)
    stamp_clear_of_the_page(render_station_roll(header, voters).pdf, roll_codes, tmp_path, language)
    center = synthetic_center(header)
    stations = [StationRange(n, 90, "Abbott", "Zulu") for n in range(1, 17)]
    sign_codes = codes(kind=DocumentKind.SIGN, station_number=3, pages=1)
    sign = render_door_sign(center, stations[2], sign_codes)
    stamp_clear_of_the_page(sign.pdf, sign_codes, tmp_path, language)
    list_codes = codes(kind=DocumentKind.CENTER_LIST, station_number=0, pages=list_pages(16))
    center_list = render_center_list(center, stations, list_codes)
    stamp_clear_of_the_page(center_list.pdf, list_codes, tmp_path, language)


@pytest.mark.django_db
def test_a_page_of_a_purged_run_is_still_answered_not_unknown(private_media, tmp_path):
    election = build_election("Municipal 2027")
    run = full_run(election)
    sign = document(run, "A", DocumentKind.SIGN, 1)
    code = qr_of_page(sign.path, 1, tmp_path)
    assert runs_purge(older_than=timedelta(0)).runs == 1
    assert not Run.objects.filter(pk=run.pk).exists()
    assert f"The door sign of A station 1, run {run.pk} (deleted since): never published" in (
        verify(code)
    )


@pytest.mark.django_db
def test_a_page_of_a_closed_elections_official_set_still_verifies(private_media, tmp_path):
    """Closing an election's personal data deletes its PDFs and voters; the proof stays:
    a page read before the closing still answers as a page of the official set."""
    polling = date.today() - timedelta(days=30)
    election = build_election(
        "Municipal 2027",
        polling_date=polling,
        retention_date=polling + timedelta(days=1),
    )
    run = run_publish(run_id=full_run(election).pk, published_by="test")
    roll = document(run, "B", DocumentKind.ROLL, 2)
    code = qr_of_page(roll.path, 2, tmp_path)
    before = verify(code)
    assert "the official set of Municipal 2027 since" in before

    personal_data_close(election_id=election.pk, closed_by="admin:chief")
    assert not default_storage.exists(roll.path)
    assert not Voter.objects.filter(registrations__center__election=election).exists()
    assert verify(code) == before
    with pytest.raises(CommandError, match="is unknown"):
        verify(forged(code))
