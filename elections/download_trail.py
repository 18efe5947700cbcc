"""Who downloaded a file holding voters' names from the register's pages.

The register knows nothing of the console, yet the console keeps the one download trail an
auditor reads. The console registers its recorder here at start-up (``rolls/signals.py``);
the import pages call it before the first byte of such a file is sent. With no recorder
registered the file is not served: an unrecorded download is the one thing not allowed.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from elections.models import RegisterImport

# (request, import, file name given to the browser) -> None; raises if it cannot record.
RejectedRowsRecorder = Callable[..., object]

_recorders: list[RejectedRowsRecorder] = []


class DownloadNotRecorded(Exception):
    """No download trail is set up in this process: the file stays unserved."""


def rejected_rows_recorder_register(recorder: RejectedRowsRecorder) -> None:
    if recorder not in _recorders:
        _recorders.append(recorder)


def rejected_rows_download_record(
    *, request: HttpRequest, register_import: RegisterImport, name: str
) -> None:
    if not _recorders:
        raise DownloadNotRecorded("No download trail records this file: it is not served.")
    for recorder in _recorders:
        recorder(request=request, register_import=register_import, name=name)
