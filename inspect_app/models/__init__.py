"""Typed SQLAlchemy models; importing this package registers every table on Base.metadata."""

from .campaign import Campaign, ChecklistVersion
from .district import District, Office
from .station import Station
from .user import User

__all__ = ["Campaign", "ChecklistVersion", "District", "Office", "Station", "User"]
