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
    "Placement",
    "RollFile",
    "Run",
    "RunCenter",
    "RunStatus",
    "RunTask",
    "SetStatus",
    "Station",
]
