"""``manage.py import_register PATH --election SLUG``: a register file into an election."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError, CommandParser

from config.parsing import CheckedCommand
from elections.models import ImportMode, ImportState
from elections.references import REFERENCE_HELP, UnknownElection, election_label, election_resolve
from elections.services.registers.imports import register_import_execute, register_import_preview
from elections.services.registers.records import ImportRefused, register_import_create
from elections.services.registers.report import count_lines, error_lines
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

    def handle(self, *args, path, election, mode, dry_run, skip_invalid, columns, **options):
        try:
            target = election_resolve(election)
        except UnknownElection as exc:
            raise CommandError(str(exc)) from None
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path}: no such file")
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
                )
        except ImportRefused as exc:
            raise CommandError(str(exc)) from None
        if dry_run:
            record = register_import_preview(import_id=record.pk)
        else:
            record = register_import_execute(import_id=record.pk)
        verb = "would change" if dry_run else "changed"
        self.stdout.write(
            f"Import {record.pk} of {file.name} (sha256 {record.file_sha256[:12]}) into "
            f"{election_label(target)}, {record.mode}: {record.rows_read:,} rows read"
        )
        if record.counts:
            self.stdout.write(f"What it {verb}:")
            for label, number in count_lines(record):
                self.stdout.write(f"  {label:<34} {number:>10,}")
        if record.error_count:
            self.stdout.write(f"{record.error_count:,} invalid rows; the first:")
            for line in error_lines(record):
                self.stdout.write(f"  {line}")
            if record.rejected_path:
                self.stdout.write(
                    f"All rejected rows, with reasons: storage {record.rejected_path}"
                )
        if record.message:
            raise CommandError(record.message)
        if record.error_count and not skip_invalid:
            raise CommandError(
                f"{record.error_count:,} invalid rows: importing this file would write nothing "
                "(correct them, or use --skip-invalid)"
            )
        if dry_run:
            self.stdout.write(self.style.SUCCESS("Dry run: nothing was written."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported into {election_label(target)}."))
