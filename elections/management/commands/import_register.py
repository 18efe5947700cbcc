"""``manage.py import_register PATH --election SLUG``: a register file into an election."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import CommandError, CommandParser

from config.parsing import CheckedCommand, number_argument
from elections.models import ImportMode, ImportState
from elections.references import REFERENCE_HELP, UnknownElection, election_label, election_resolve
from elections.services.registers.guard import deregistrations_refused
from elections.services.registers.imports import (
    register_import_discard,
    register_import_execute,
    register_import_preview,
)
from elections.services.registers.records import ImportRefused, register_import_create
from elections.services.registers.report import (
    count_lines,
    deregistration_note,
    deregistration_sample_lines,
    error_lines,
    renamed_elsewhere_lines,
)
from elections.services.registers.rows import FIELDS


def column_mapping(text: str) -> dict[str, str]:
    """``voter_number=Numéro,family_name=Nom`` -> {field: header}."""
    mapping = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        field, sep, header = part.partition("=")
        if not sep or field.strip() not in FIELDS or not header.strip():
            raise CommandError(
                f"--columns takes FIELD=HEADER pairs separated by commas, FIELD one of "
                f"{', '.join(FIELDS)}; got {part!r}"
            )
        mapping[field.strip()] = header.strip()
    return mapping


class Command(CheckedCommand):
    help = (
        "Import a register (CSV or XLSX with voter_number, family_name, given_name, "
        "center_code and optional center_name columns) into an election, all or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the CSV or XLSX file")
        parser.add_argument("--election", required=True, help=REFERENCE_HELP)
        parser.add_argument(
            "--mode",
            choices=ImportMode.values,
            default=ImportMode.SNAPSHOT,
            help="snapshot (default): the file is the whole register, voters missing from it "
            "are deregistered; add: only add and update",
        )
        parser.add_argument("--dry-run", action="store_true", help="count, write nothing")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid rows and keep the invalid ones in a rejected-rows CSV",
        )
        parser.add_argument(
            "--columns", default="", help="map other header names: voter_number=Numéro,..."
        )
        parser.add_argument(
            "--confirm-deregistrations",
            type=number_argument(what="--confirm-deregistrations"),
            metavar="N",
            help="a snapshot deregistering more than a set share of the register is refused "
            "unless N is exactly the number it deregisters (--dry-run shows it)",
        )
        parser.add_argument(
            "--rejected-output",
            metavar="FILE",
            help="write the rejected rows (every field as read, with the line and the reason) "
            "to this CSV file; a dry run keeps nothing in the console, so this is where they go",
        )

    def handle(
        self,
        *args,
        path,
        election,
        mode,
        dry_run,
        skip_invalid,
        columns,
        confirm_deregistrations,
        rejected_output,
        **options,
    ):
        try:
            target = election_resolve(election)
        except UnknownElection as exc:
            raise CommandError(str(exc)) from None
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path}: no such file")
        if file.stat().st_size > settings.REGISTER_UPLOAD_MAX_BYTES:
            raise CommandError(
                f"{path}: {file.stat().st_size:,} bytes, over the limit of "
                f"{settings.REGISTER_UPLOAD_MAX_BYTES:,} (REGISTER_UPLOAD_MAX_BYTES)"
            )
        try:
            with file.open("rb") as upload:
                record = register_import_create(
                    election=target,
                    upload=upload,
                    file_name=file.name,
                    username="cli",
                    mode=mode,
                    skip_invalid=skip_invalid,
                    columns=column_mapping(columns),
                    state=ImportState.PREVIEWING if dry_run else ImportState.RUNNING,
                    confirmed_deregistrations=confirm_deregistrations,
                )
        except ImportRefused as exc:
            raise CommandError(str(exc)) from None
        if not dry_run:
            record = register_import_execute(import_id=record.pk)
            self.report(record, file=file, target=target, dry_run=False, skip_invalid=skip_invalid)
            return
        # A dry run leaves nothing behind, its record and files included, whatever it found.
        try:
            record = register_import_preview(import_id=record.pk)
            if record.state == ImportState.FAILED:
                raise CommandError(f"{file.name}: {record.message}")
            if rejected_output and record.rejected_path:
                self.copy_rejected(record.rejected_path, Path(rejected_output))
            self.report(record, file=file, target=target, dry_run=True, skip_invalid=skip_invalid)
        finally:
            register_import_discard(import_id=record.pk)

    def copy_rejected(self, stored: str, target: Path) -> None:
        try:
            with default_storage.open(stored, "rb") as source, target.open("wb") as out:
                shutil.copyfileobj(source, out)
        except OSError as exc:
            raise CommandError(f"--rejected-output {target}: {exc.strerror or exc}") from None
        self.stdout.write(f"Rejected rows written to {target}")

    def report(self, record, *, file: Path, target, dry_run: bool, skip_invalid: bool) -> None:
        verb = "would change" if dry_run else "changed"
        self.stdout.write(
            ("Dry run of " if dry_run else f"Import {record.pk} of ")
            + f"{file.name} (sha256 {record.file_sha256[:12]}) into "
            f"{election_label(target)}, {record.mode}: {record.rows_read:,} rows read"
        )
        if record.counts:
            self.stdout.write(f"What it {verb}:")
            for label, number in count_lines(record):
                self.stdout.write(f"  {label:<34} {number:>10,}")
        self.write_findings(record, dry_run=dry_run)
        if record.error_count:
            self.stdout.write(f"{record.error_count:,} invalid rows; the first:")
            for line in error_lines(record):
                self.stdout.write(f"  {line}")
            if dry_run:
                self.stdout.write("All rejected rows, with reasons: --rejected-output FILE")
            elif record.rejected_path:
                self.stdout.write(
                    f"All rejected rows, with reasons: storage {record.rejected_path}"
                )
        if record.message:
            guard = deregistrations_refused(record.counts, record.confirmed_deregistrations)
            if guard and guard == record.message:
                self.stdout.write(
                    f"To import it: --confirm-deregistrations {record.counts['deregistered']}"
                )
            raise CommandError(record.message)
        if record.error_count and not skip_invalid:
            raise CommandError(
                f"{record.error_count:,} invalid rows: importing this file would write nothing "
                "(correct them, or use --skip-invalid)"
            )
        if dry_run:
            if deregistration_note(record):
                self.stdout.write(
                    f"{deregistration_note(record)} Import it with "
                    f"--confirm-deregistrations {record.counts['deregistered']}."
                )
            self.stdout.write(self.style.SUCCESS("Dry run: nothing was written."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported into {election_label(target)}."))

    def write_findings(self, record, *, dry_run: bool) -> None:
        """The voters a snapshot deregisters (a sample) and the other elections a rename
        reaches: what staff check before they confirm."""
        sample = deregistration_sample_lines(record)
        if sample:
            going = "would be" if dry_run else "were"
            self.stdout.write(
                f"The first {len(sample)} of {record.counts['deregistered']:,} voters who "
                f"{going} deregistered, by voter number:"
            )
            for line in sample:
                self.stdout.write(f"  {line}")
        elsewhere = renamed_elsewhere_lines(record)
        if elsewhere:
            self.stdout.write(
                "Voters renamed by this file who are registered in other elections too: "
                f"{record.counts['renamed_elsewhere']:,} (the names change there as well)"
            )
            for line in elsewhere:
                self.stdout.write(f"  {line}")
