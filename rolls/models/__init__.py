from rolls.models.download import Download, DownloadKind
from rolls.models.run import (
    ACTIVE_STATUSES,
    AssignmentMode,
    RollFile,
    Run,
    RunCenter,
    RunStatus,
    RunTask,
    SetStatus,
)
from rolls.models.station import Placement, Station

__all__ = [
    "ACTIVE_STATUSES",
    "AssignmentMode",
    "Download",
    "DownloadKind",
    "Placement",
    "RollFile",
    "Run",
    "RunCenter",
    "RunStatus",
    "RunTask",
    "SetStatus",
    "Station",
]
