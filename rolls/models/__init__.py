from rolls.models.station import Station

__all__ = ["Station"]
