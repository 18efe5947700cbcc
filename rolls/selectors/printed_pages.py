"""What a verification code typed from a printed page says about that page, in words.

Read from the database only (PrintedPage, the runs and their centers), never from a PDF: the
answer holds after a run's files are deleted. A page is in every published set that printed
its center (its run) or carried its center over unchanged from that run; the latest such set
says whether it is official or was superseded.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext

from elections.models import PollingCenter
from rolls.models import DocumentKind, PrintedPage, Run, RunCenter, RunPurpose
from rolls.page_codes import code_text, code_value


class PageStatus:
    OFFICIAL = "official"
    SUPERSEDED = "superseded"
    NOT_PUBLISHED = "never published"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PageAnswer:
    """One page a code names (or none: unknown), and what it is now, in the active language."""

    code: str  # as printed, or as typed when it is not a code
    status: str  # a PageStatus
    words: str

    def __post_init__(self):
        object.__setattr__(self, "words", capfirst(self.words))


def page_verify(typed: str) -> list[PageAnswer]:
    """Every page whose code is *typed* (normally one), or one unknown answer. A mistyped
    code (case, spaces, dashes, O for 0) is read as meant; a wrong one is unknown."""
    value = code_value(typed)
    pages = (
        list(PrintedPage.objects.filter(code=value).order_by("run_id", "pk"))
        if value is not None
        else []
    )
    if not pages:
        shown = "".join(char for char in typed.strip()[:40] if char.isprintable())
        return [_unknown(code_text(value) if value is not None else shown)]
    return [_answer(page) for page in pages]


def _unknown(code: str) -> PageAnswer:
    words = gettext(
        "%(code)s is unknown: no page printed by this console carries it. Check that it was "
        "typed as printed; a page with an unknown code is not one of this console's rolls."
    ) % {"code": code}
    return PageAnswer(code=code, status=PageStatus.UNKNOWN, words=words)


def _when(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _document(page: PrintedPage, center: str) -> str:
    numbers = {"page": page.page, "pages": page.pages, "center": center}
    if page.kind == DocumentKind.SIGN:
        return gettext("the door sign of %(center)s station %(station)s") % {
            **numbers,
            "station": page.station_number,
        }
    if page.kind == DocumentKind.CENTER_LIST:
        return gettext("page %(page)s of %(pages)s of the center list of %(center)s") % numbers
    return gettext("page %(page)s of %(pages)s of %(center)s station %(station)s") % {
        **numbers,
        "station": page.station_number,
    }


def _purpose(run: Run) -> str:
    purpose = RunPurpose(run.purpose)
    if purpose is RunPurpose.PROVISIONAL:
        return pgettext("run purpose, short", "provisional")
    if purpose is RunPurpose.FINAL:
        return pgettext("run purpose, short", "final")
    return pgettext("run purpose, short", "draft")


def _answer(page: PrintedPage) -> PageAnswer:
    center = PollingCenter.objects.select_related("election").get(pk=page.center_id)
    election = center.election.name
    document = _document(page, center.code)
    code = code_text(page.code)
    printed_by = Run.objects.filter(pk=page.run_id).first()
    if printed_by is None:
        # Only unpublished runs are ever purged.
        words = gettext(
            "%(document)s, run %(run)s (deleted since): never published as the official set of "
            "%(election)s"
        ) % {"document": document, "run": page.run_id, "election": election}
        return PageAnswer(code, PageStatus.NOT_PUBLISHED, words)
    facts = {
        "document": document,
        "run": page.run_id,
        "purpose": _purpose(printed_by),
        "election": election,
    }
    latest = (
        RunCenter.objects.filter(center_id=page.center_id, run__published_at__isnull=False)
        .filter(Q(run_id=page.run_id, source_run__isnull=True) | Q(source_run_id=page.run_id))
        .select_related("run")
        .order_by("-run__published_at")
        .first()
    )
    if latest is None:
        words = gettext(
            "%(document)s, run %(run)s, %(purpose)s: never published as the official set of "
            "%(election)s"
        )
        return PageAnswer(code, PageStatus.NOT_PUBLISHED, words % facts)
    published = latest.run
    if published.superseded_at is not None:
        words = gettext(
            "%(document)s, run %(run)s, %(purpose)s: superseded by run %(by)s on %(date)s; it is "
            "no longer the official set of %(election)s"
        ) % {**facts, "by": published.superseded_by_id, "date": _when(published.superseded_at)}
        return PageAnswer(code, PageStatus.SUPERSEDED, words)
    if published.pk == page.run_id:
        words = gettext(
            "%(document)s, run %(run)s, %(purpose)s, the official set of %(election)s since "
            "%(date)s"
        )
    else:
        # Carried over unchanged: the same page is part of a later run's official set.
        words = gettext(
            "%(document)s, run %(run)s, %(purpose)s, part of the official set of %(election)s "
            "(run %(official)s, which kept this center unchanged) since %(date)s"
        )
    facts.update(official=published.pk, date=_when(published.published_at))
    return PageAnswer(code, PageStatus.OFFICIAL, words % facts)
