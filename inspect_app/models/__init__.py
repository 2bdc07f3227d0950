"""Typed SQLAlchemy models; importing this package registers every table on Base.metadata."""

from .campaign import Campaign, ChecklistVersion
from .district import District, Office
from .inspection import Inspection, InspectionAnswer, Photo, Signature
from .station import Station
from .user import User

__all__ = ["Campaign", "ChecklistVersion", "District", "Inspection", "InspectionAnswer", "Office", "Photo",
           "Signature", "Station", "User"]
