"""Typed SQLAlchemy models; importing this package registers every table on Base.metadata."""

from .audit import AuditEntry, AuditHead
from .bundle import Bundle, BundleStatus, CertificateAuthority, CertificateEnrolment, SigningCertificate
from .campaign import Campaign, ChecklistVersion
from .district import District, Office
from .housekeeping import HousekeepingRun
from .inspection import Inspection, InspectionAnswer, Photo, Signature
from .sign_in import RateLimitEntry, UserSession
from .station import Station
from .stored_file import StoredFile
from .submission import CityReport, DemonstrationDecision, Submission
from .sync import AnswerConflict, IdempotentRequest, Upload
from .user import User

__all__ = ["AnswerConflict", "AuditEntry", "AuditHead", "Bundle", "BundleStatus", "Campaign", "CertificateAuthority",
           "CertificateEnrolment", "CityReport", "ChecklistVersion", "DemonstrationDecision", "District",
           "HousekeepingRun", "IdempotentRequest", "Inspection", "InspectionAnswer", "Office", "Photo",
           "RateLimitEntry", "Signature", "SigningCertificate", "Station", "StoredFile", "Submission", "Upload", "User",
           "UserSession"]
