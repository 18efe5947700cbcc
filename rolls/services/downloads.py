"""Recording downloads of voter rolls (personal data): one row per file or zip served."""

from __future__ import annotations

from django.http import HttpRequest

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
    user = request.user if request.user.is_authenticated else None
    return Download.objects.create(
        run=run,
        run_number=run.pk,
        user=user,
        username=(user.get_username() if user else "")[:150],
        kind=kind,
        roll_file=roll_file,
        name=name[:500],
        ip_address=client_address(request),
    )
