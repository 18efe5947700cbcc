"""manage.py reprint RUN (--station CODE/N | --center CODE) --reason TEXT [--output DIR]"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import CommandError

from config.parsing import CheckedCommand, number_argument, number_or_none
from rolls.models import Run
from rolls.services.closing import PersonalDataClosed, election_open_check
from rolls.services.reprints import ReprintRefused, run_reprint


def station_reference(value: str) -> tuple[str, int]:
    """``CODE/N`` -> (code, N); the code itself may hold slashes ("12/3/4" is station 4)."""
    code, _, number = value.rpartition("/")
    station = number_or_none(number, minimum=1)
    if not code or station is None:
        raise CommandError(f"--station takes CENTER-CODE/NUMBER (e.g. C012/3), not {value!r}")
    return code, station


class Command(CheckedCommand):
    help = (
        "Reprint one station's roll and door sign, or every document of one center, exactly "
        "as a finished run split them: served as stored if intact, else regenerated (never "
        "split again). Each reprint is recorded with who asked and why."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "run",
            type=number_argument(what="RUN", minimum=1),
            help="the run's id (e.g. the official set's)",
        )
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--station", help="CENTER-CODE/NUMBER")
        target.add_argument("--center", help="CENTER-CODE: every document of the center")
        parser.add_argument("--reason", required=True, help="why (recorded with the reprint)")
        parser.add_argument("--output", type=Path, help="copy the reprinted PDFs into DIR")

    def handle(self, *args, run: int, station, center, reason, output, **options):
        found = Run.objects.select_related("election").filter(pk=run).first()
        if found is None:
            raise CommandError(f"No run {run}")
        try:
            election_open_check(found.election)
        except PersonalDataClosed as exc:
            raise CommandError(str(exc)) from None
        code, number = station_reference(station) if station else (center, None)
        # The folder first: a reprint is recorded, so it is not made for a copy that fails.
        if output is not None:
            try:
                output.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise CommandError(f"Cannot make {output}: {exc.strerror or exc}") from None
        try:
            done = run_reprint(
                run=found,
                center_code=code,
                station_number=number,
                requested_by="cli",
                reason=reason,
            )
        except ReprintRefused as exc:
            raise CommandError(str(exc)) from None
        for item in done:
            reprint = item.reprint
            line = f"{reprint.get_outcome_display()}: {reprint.path} sha256 {reprint.sha256}"
            if output is not None:
                target = output / reprint.path.rsplit("/", 1)[-1]
                with default_storage.open(reprint.path, "rb") as source, target.open("wb") as sink:
                    shutil.copyfileobj(source, sink)
                line += f" -> {target}"
            self.stdout.write(line)
