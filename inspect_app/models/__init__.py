"""Typed SQLAlchemy models; importing this package registers every table on Base.metadata."""

from .audit import AuditEntry, AuditHead
from .bundle import Bundle, BundleStatus, CertificateAuthority, CertificateEnrolment, SigningCertificate
from .campaign import Campaign, ChecklistVersion
from .district import District, Office
from .housekeeping import HousekeepingRun
from .inspection import Inspection, InspectionAnswer, Photo, Signature
from .pin_attempt import SigningPinFailure
from .sign_in import RateLimitEntry, UserSession
from .station import Station
from .stored_file import StoredFile
from .submission import CityReport, CityReportStatus, DemonstrationDecision, Submission
from .sync import AnswerConflict, IdempotentRequest, Upload
from .user import User

__all__ = ["AnswerConflict", "AuditEntry", "AuditHead", "Bundle", "BundleStatus", "Campaign", "CertificateAuthority",
           "CertificateEnrolment", "CityReport", "CityReportStatus", "ChecklistVersion", "DemonstrationDecision", "District",
           "HousekeepingRun", "IdempotentRequest", "Inspection", "InspectionAnswer", "Office", "Photo",
           "RateLimitEntry", "Signature", "SigningCertificate", "SigningPinFailure", "Station", "StoredFile",
           "Submission", "Upload", "User", "UserSession"]
