"""Typed SQLAlchemy models; importing this package registers every table on Base.metadata."""

from .bundle import Bundle, BundleStatus, CertificateAuthority, SigningCertificate
from .campaign import Campaign, ChecklistVersion
from .district import District, Office
from .inspection import Inspection, InspectionAnswer, Photo, Signature
from .station import Station
from .sync import AnswerConflict, IdempotentRequest, Upload
from .user import User

__all__ = ["AnswerConflict", "Bundle", "BundleStatus", "Campaign", "CertificateAuthority", "SigningCertificate", "ChecklistVersion", "District", "Inspection", "InspectionAnswer", "Office", "Photo",
           "IdempotentRequest", "Signature", "Station", "Upload", "User"]
