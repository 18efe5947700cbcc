"""``python -m bench.floor`` writes the same roll straight to PDF, and times it beside the
renderer: its PDF must still be the roll (every page, every voter, text that reads back)."""

from __future__ import annotations

import re
import unicodedata

from pypdf import PdfReader

from rolls.pdf.data import expected_pages
from tests.pdf_data import synthetic_voters
from tests.support.processes import python_m

ARABIC = re.compile("[\u0600-\u06ff]")


def test_the_floor_writes_every_page_and_every_voter_and_prints_the_ratio(tmp_path):
    pdf = tmp_path / "floor.pdf"
    done = python_m("bench.floor", "--voters", "41", "-n", "1", "--write", str(pdf),
                    var_dir=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "voters per station:      41 (3 pages)\n" in done.stdout
    assert re.search(r"^floor \(pydyf \+ Pango\): +[\d.]+ s CPU per station, [\d.]+ pages/s$",
                     done.stdout, re.M)  # fmt: skip
    assert re.search(r"^renderer / floor: +[\d.]+x the floor's time \(n=1\)$", done.stdout, re.M)

    reader = PdfReader(pdf)
    voters = synthetic_voters(41)  # the voters bench.floor writes
    assert len(reader.pages) == expected_pages(len(voters)) == 3
    text = unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in reader.pages[1:]))
    flat = "".join(text.split())  # a fitted name may be wrapped onto two lines
    assert [n for n in re.findall(r"R\d{9}", text)] == [v.voter_number for v in voters]
    for voter in voters:
        if ARABIC.search(voter.family_name):
            # Extraction gives right-to-left runs in visual order; each word stays whole.
            assert voter.family_name in text and voter.given_name in text
        else:
            assert "".join(f"{voter.family_name},{voter.given_name}".split()) in flat
    assert "Page 3 of 3" in text and "END OF ROLL · Station 3 · 41 voters" in text
