"""Record the pages a run printed with their verification codes (rolls.page_codes)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rolls.models import PrintedPage
from rolls.page_codes import page_code


@dataclass(frozen=True)
class PrintedDocument:
    kind: str  # a DocumentKind
    station_number: int  # 0 for a center list
    pages: int


def printed_pages_record(
    *, run_id: int, center_id: int, documents: Iterable[PrintedDocument]
) -> None:
    """Record every page of *documents*, which run *run_id* printed for the center: one
    INSERT for all of them. Recording them again (a redelivered task, a reprint) changes
    nothing: the codes are the same, and the rows already there are kept."""
    PrintedPage.objects.bulk_create(
        [
            PrintedPage(
                run_id=run_id,
                center_id=center_id,
                kind=document.kind,
                station_number=document.station_number,
                page=page,
                pages=document.pages,
                code=page_code(
                    run_id=run_id,
                    kind=document.kind,
                    center_id=center_id,
                    station_number=document.station_number,
                    page=page,
                ),
            )
            for document in documents
            for page in range(1, document.pages + 1)
        ],
        ignore_conflicts=True,
    )
