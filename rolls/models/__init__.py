from rolls.models.run import ACTIVE_STATUSES, RollFile, Run, RunCenter, RunStatus, RunTask
from rolls.models.station import Station

__all__ = ["ACTIVE_STATUSES", "RollFile", "Run", "RunCenter", "RunStatus", "RunTask", "Station"]
