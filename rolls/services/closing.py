"""Closing an election's personal data once its retention date has come.

Removed: every stored file of the election (roll PDFs, door signs, center lists, reprints,
uploaded registers, rejected-rows CSVs), its placements (each voter's printed name, station
and row), the names on its stations, its registrations, the voters registered and printed in
no other election, the import records' voter numbers and names, and the task results of its
runs and imports. Zips and voter lists are made from those on demand, so none can be made
again.

Kept, as the proof of what was printed: the runs, their file records (path, pages, bytes,
SHA-256) and so their manifests, who published what and when, the stations' and centers'
counts, the import records' hashes and counts, and the download trail. Serving a file of a
closed election answers "closed" (:class:`PersonalDataClosed`), never its contents.

Refused until the election's retention date has passed: until then its sets are records that must
stay as they were. Every closing is recorded (:class:`rolls.models.PersonalDataClosing`).
A closing cut short (a crash) is finished by running it again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_celery_results.models import TaskResult

from elections.models import Election, RegisterImport, Registration, Voter, imports_folder
from rolls.formatting import error_without_details
from rolls.models import (
    PersonalDataClosing,
    Placement,
    Reprint,
    ReprintOutcome,
    RollFile,
    Run,
    RunTask,
    Station,
)
from rolls.services.storage import election_folder

logger = logging.getLogger(__name__)

VOTER_BATCH = 5_000


class ClosingRefused(Exception):
    """The election's personal data cannot be closed now; nothing changed."""


class PersonalDataClosed(Exception):
    """The file or list asked for held personal data of a closed election: not served."""

    def __init__(self, election: Election) -> None:
        self.election = election
        super().__init__(
            gettext(
                "The personal data of %(election)s was closed on %(when)s: its rolls, lists "
                "and uploads were removed. Its runs, manifests and SHA-256 records remain."
            )
            % {
                "election": election.name,
                "when": election.personal_data_closed_at.strftime("%Y-%m-%d"),
            }
        )


def election_open_check(election: Election) -> None:
    """Raise :class:`PersonalDataClosed` when ``election``'s personal data was closed."""
    if election.personal_data_closed_at is not None:
        raise PersonalDataClosed(election)


@dataclass(frozen=True)
class ClosingPlan:
    """What closing the election removes (or, recorded after it, removed), kind by kind."""

    stored_files: int
    roll_files: int
    reprint_files: int
    upload_files: int
    placements: int
    station_names: int
    registrations: int
    voters: int
    import_reports: int
    task_results: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


# (field of ClosingPlan, what it is on the confirmation page)
PLAN_LINES = [
    ("stored_files", _("files in the election's storage folders (the next three, and leftovers)")),
    ("roll_files", _("PDFs its runs rendered (rolls, door signs, center lists)")),
    ("reprint_files", _("reprints kept apart")),
    ("upload_files", _("uploaded registers and rejected-rows CSVs")),
    ("placements", _("voters' places on the rolls (printed names, stations, rows)")),
    ("station_names", _("stations naming their first and last voters")),
    ("registrations", _("registrations")),
    ("voters", _("voters registered in no other election")),
    ("import_reports", _("import records listing voter numbers or names")),
    ("task_results", _("task results of its runs and imports")),
]


def removed_lines(removed: dict) -> list[tuple[str, int]]:
    return [(str(label), removed.get(field, 0)) for field, label in PLAN_LINES]


def _stored_names(folder: str) -> Iterator[str]:
    """Every file under ``folder`` in storage, whatever made it (a file no record names,
    such as a temporary file left by a crash, is personal data too)."""
    try:
        folders, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _stored_names(f"{folder}/{sub}")


def _election_files(election_id: int) -> list[str]:
    return [
        *_stored_names(election_folder(election_id=election_id)),
        *_stored_names(imports_folder(election_id)),
    ]


def _voters_leaving(election_id: int):
    """The voters the election registers or its runs printed, and no other election does.

    Led by the election's own rows (its registrations, its runs' placements), so it reads
    the election's share of the register, not the whole of it; whether a voter is anyone
    else's is one indexed lookup each (registrations and placements by voter)."""
    runs = Run.objects.filter(election_id=election_id).values("pk")
    registered_here = Registration.objects.filter(election_id=election_id).values("voter_id")
    printed_here = Placement.objects.filter(run__in=runs).values("voter_id")
    elsewhere = Exists(
        Registration.objects.filter(voter=OuterRef("pk")).exclude(election_id=election_id)
    )
    printed_elsewhere = Exists(Placement.objects.filter(voter=OuterRef("pk")).exclude(run__in=runs))
    return Voter.objects.filter(Q(pk__in=registered_here) | Q(pk__in=printed_here)).filter(
        ~elsewhere, ~printed_elsewhere
    )


def _task_results(election_id: int):
    """The task results of the election's runs and imports: a failure's message may quote
    a voter (they expire after CELERY_RESULT_EXPIRES_DAYS anyway)."""
    runs = Run.objects.filter(election_id=election_id)
    return TaskResult.objects.filter(
        Q(task_id__in=RunTask.objects.filter(run__in=runs).values("task_id"))
        | Q(task_id__in=runs.exclude(root_task_id="").values("root_task_id"))
        | Q(
            task_id__in=RegisterImport.objects.filter(election_id=election_id)
            .exclude(task_id="")
            .values("task_id")
        )
    )


def _import_reports(election_id: int):
    """Import records still holding voter numbers or names (errors by line, the sample)."""
    return RegisterImport.objects.filter(election_id=election_id).filter(
        ~Q(errors=[]) | ~Q(deregistration_sample=[])
    )


def closing_plan(*, election_id: int) -> ClosingPlan:
    """Count everything the closing will remove (what the confirmation page shows)."""
    runs = Run.objects.filter(election_id=election_id)
    imports = RegisterImport.objects.filter(election_id=election_id)
    return ClosingPlan(
        stored_files=len(_election_files(election_id)),
        roll_files=RollFile.objects.filter(run__in=runs, source_run__isnull=True).count(),
        reprint_files=Reprint.objects.filter(run__in=runs, outcome=ReprintOutcome.SEPARATE).count(),
        upload_files=sum(
            bool(path)
            for pair in imports.values_list("file_path", "rejected_path")
            for path in pair
        ),
        placements=Placement.objects.filter(run__in=runs).count(),
        station_names=Station.objects.filter(election_id=election_id)
        .exclude(first_voter_name="", last_voter_name="", first_voter_number="")
        .count(),
        registrations=Registration.objects.filter(election_id=election_id).count(),
        voters=_voters_leaving(election_id).count(),
        import_reports=_import_reports(election_id).count(),
        task_results=_task_results(election_id).count(),
    )


def closing_refused(election: Election, *, today: date | None = None) -> str:
    """Why the election's personal data cannot be closed now (empty when it can)."""
    today = today or timezone.localdate()
    done = PersonalDataClosing.objects.filter(election=election).first()
    if done is not None:
        return gettext(
            "The personal data of %(election)s was closed already, on %(when)s by %(by)s."
        ) % {
            "election": election.name,
            "when": f"{done.finished_at:%Y-%m-%d}",
            "by": done.closed_by,
        }
    if today <= election.retention_ends:
        return gettext(
            "The personal data of %(election)s is kept until its retention date, "
            "%(date)s: it can be closed the day after (today is %(today)s). Staff may "
            "change the retention date on the election's page."
        ) % {"election": election.name, "date": election.retention_ends, "today": today}
    run = Run.objects.active().filter(election=election).first()
    if run is not None:
        return gettext(
            "Run %(run)s of %(election)s is %(status)s: close its personal data once it has ended."
        ) % {"run": run.pk, "election": election.name, "status": run.status}
    if RegisterImport.objects.active().filter(election=election).exists():
        return gettext(
            "An import into %(election)s is under way: close its personal data once it has ended."
        ) % {"election": election.name}
    return ""


def personal_data_close(
    *, election_id: int, closed_by: str, today: date | None = None
) -> PersonalDataClosing:
    """Close the election's personal data (see the module's docstring); raise
    :class:`ClosingRefused`, having changed nothing, before its retention date."""
    with transaction.atomic():
        # The election's row locked: an import's merge and a run's start wait, then see it
        # closed (both lock or read it), so nothing new lands while the closing decides.
        election = Election.objects.select_for_update().get(pk=election_id)
        refused = closing_refused(election, today=today)
        if refused:
            raise ClosingRefused(refused)
        if election.personal_data_closed_at is None:
            election.personal_data_closed_at = timezone.now()
            election.save(update_fields=["personal_data_closed_at"])
    plan = closing_plan(election_id=election_id)
    # Files first, outside the transaction (slow I/O): a crash leaves the database's rows
    # for the next attempt to remove, never a file that no record leads to.
    for name in _election_files(election_id):
        default_storage.delete(name)
    with transaction.atomic():
        _database_close(election_id)
        try:
            with transaction.atomic():
                closing = PersonalDataClosing.objects.create(
                    election=election,
                    election_slug=election.slug,
                    election_name=election.name,
                    retention_date=election.retention_ends,
                    closed_by=closed_by[:200],
                    started_at=election.personal_data_closed_at,
                    removed=plan.as_dict(),
                )
        except IntegrityError:
            # A second closing of the same election ran beside this one and recorded first.
            raise ClosingRefused(closing_refused(election, today=today)) from None
    logger.info("personal data of election %s closed by %s", election.pk, closed_by)
    return closing


def _database_close(election_id: int) -> None:
    runs = Run.objects.filter(election_id=election_id)
    leaving = list(_voters_leaving(election_id).values_list("pk", flat=True))
    Placement.objects.filter(run__in=runs).delete()
    Station.objects.filter(election_id=election_id).update(
        first_voter_number="", first_voter_name="", last_voter_number="", last_voter_name=""
    )
    Registration.objects.filter(election_id=election_id).delete()
    for start in range(0, len(leaving), VOTER_BATCH):
        Voter.objects.filter(pk__in=leaving[start : start + VOTER_BATCH]).delete()
    RegisterImport.objects.filter(election_id=election_id).update(
        file_path="", rejected_path="", errors=[], deregistration_sample=[]
    )
    RegisterImport.objects.filter(election_id=election_id, files_deleted_at__isnull=True).update(
        files_deleted_at=timezone.now(), files_deleted_by="closing"
    )
    _task_results(election_id).delete()
    # A run's error may quote a voter (an exception's message): its kinds stay, not the text.
    for run_id, error in runs.exclude(error="").values_list("pk", "error"):
        Run.objects.filter(pk=run_id).update(error=error_without_details(error))
