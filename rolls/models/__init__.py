from rolls.models.closing import PersonalDataClosing
from rolls.models.download import Download, DownloadKind
from rolls.models.printed_page import PrintedPage
from rolls.models.reprint import Reprint, ReprintOutcome
from rolls.models.run import (
    ACTIVE_STATUSES,
    CENTER_LIST_STATION,
    DEFAULT_PURPOSE,
    AssignmentMode,
    DocumentKind,
    FileDamage,
    RollFile,
    Run,
    RunCenter,
    RunPurpose,
    RunStatus,
    SetStatus,
)
from rolls.models.signature import SetSignature
from rolls.models.station import Placement, Station
from rolls.models.task import ENDED_TASK_STATES, RunTask, TaskState

__all__ = [
    "ACTIVE_STATUSES",
    "CENTER_LIST_STATION",
    "DEFAULT_PURPOSE",
    "ENDED_TASK_STATES",
    "AssignmentMode",
    "DocumentKind",
    "Download",
    "DownloadKind",
    "FileDamage",
    "PersonalDataClosing",
    "Placement",
    "PrintedPage",
    "Reprint",
    "ReprintOutcome",
    "RollFile",
    "Run",
    "RunCenter",
    "RunPurpose",
    "RunStatus",
    "RunTask",
    "SetSignature",
    "SetStatus",
    "Station",
    "TaskState",
]
