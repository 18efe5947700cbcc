from __future__ import annotations

from django.db import models
from django.db.models import Q


class PrintedPage(models.Model):
    """One printed page and its verification code (``rolls.page_codes``): what a code typed
    from paper is looked up in.

    Recorded in bulk with the documents of each station (about 16 rows for a station of 500
    voters), and everything an answer needs is here, not in the PDF: a page stays verifiable
    after its file is deleted. ``run_id`` is a plain number, not a key: a purged run leaves
    its pages answerable ("run 17, since deleted, never published") instead of unknown.
    """

    run_id = models.PositiveBigIntegerField(help_text="The run that printed the page.")
    # The center carries the election: deleting the election deletes its pages.
    center = models.ForeignKey(
        "elections.PollingCenter", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20)  # a DocumentKind
    station_number = models.PositiveIntegerField(help_text="0 for the center's list.")
    page = models.PositiveIntegerField()
    pages = models.PositiveIntegerField()
    code = models.PositiveBigIntegerField(db_index=True)

    class Meta:
        constraints = [
            # A redelivered task or a reprint records the same pages again: nothing changes.
            models.UniqueConstraint(
                fields=["run_id", "center", "station_number", "kind", "page"],
                name="page_printed_once_per_run",
            ),
            models.CheckConstraint(
                condition=Q(page__gte=1) & Q(page__lte=models.F("pages")),
                name="printed_page_within_its_document",
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.run_id} {self.kind} {self.center_id}/{self.station_number} p{self.page}"
