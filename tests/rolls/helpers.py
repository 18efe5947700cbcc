"""Reading a run's output back: PDFs from storage, voter numbers from their text."""

from __future__ import annotations

import io
import re
from collections import Counter

from django.core.files.storage import default_storage
from pypdf import PdfReader

from rolls.models import RollFile, Run


def read_pdf(path: str) -> PdfReader:
    with default_storage.open(path, "rb") as handle:
        return PdfReader(io.BytesIO(handle.read()))


def roll_page_texts(reader: PdfReader) -> list[str]:
    """Text of the roll pages (the cover, page 1, also names the first and last voter)."""
    return [page.extract_text() or "" for page in reader.pages[1:]]


def voter_numbers_in_run(run: Run, pattern: str = r"R\d{9}") -> Counter:
    seen: Counter = Counter()
    for roll in RollFile.objects.filter(run=run):
        reader = read_pdf(roll.path)
        assert len(reader.pages) == roll.pages
        for text in roll_page_texts(reader):
            seen.update(re.findall(pattern, text))
    return seen
