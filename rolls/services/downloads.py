"""Recording downloads of files holding voters' names (rolls, zips, exports, an import's
rejected rows): one row per file or zip served."""

from __future__ import annotations

from django.http import HttpRequest

from elections.models import RegisterImport
from rolls.models import Download, DownloadKind, RollFile, Run


def client_address(request: HttpRequest) -> str | None:
    """The address Django sees (REMOTE_ADDR). Behind the TLS proxy that is the proxy's
    unless the deployment's middleware rewrites it; better a true proxy address than a
    client-supplied header taken on trust."""
    return request.META.get("REMOTE_ADDR") or None


def download_record(
    *,
    request: HttpRequest,
    run: Run,
    kind: DownloadKind,
    name: str,
    roll_file: RollFile | None = None,
) -> Download:
    return _record(request=request, kind=kind, name=name, run=run, roll_file=roll_file)


def download_record_rejected_rows(
    *, request: HttpRequest, register_import: RegisterImport, name: str
) -> Download:
    """The rejected rows of an import (voter numbers and names, with why each was refused)."""
    return _record(
        request=request,
        kind=DownloadKind.REJECTED_ROWS,
        name=name,
        register_import=register_import,
    )


def _record(
    *,
    request: HttpRequest,
    kind: DownloadKind,
    name: str,
    run: Run | None = None,
    roll_file: RollFile | None = None,
    register_import: RegisterImport | None = None,
) -> Download:
    user = request.user if request.user.is_authenticated else None
    return Download.objects.create(
        run=run,
        run_number=run.pk if run else None,
        register_import=register_import,
        import_number=register_import.pk if register_import else None,
        user=user,
        username=(user.get_username() if user else "")[:150],
        kind=kind,
        roll_file=roll_file,
        name=name[:500],
        ip_address=client_address(request),
    )
