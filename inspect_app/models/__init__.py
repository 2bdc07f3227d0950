"""Typed SQLAlchemy models; importing this package registers every table on Base.metadata."""

from inspect_app.models.audit import AuditEntry, AuditHead
from inspect_app.models.bundle import (
    Bundle,
    BundleStatus,
    CertificateAuthority,
    CertificateEnrolment,
    SigningCertificate,
)
from inspect_app.models.campaign import Campaign, ChecklistVersion
from inspect_app.models.district import District, Office
from inspect_app.models.follow_up import RectificationOrder, SampledStation, SpotCheckSample
from inspect_app.models.housekeeping import HousekeepingRun
from inspect_app.models.inspection import Inspection, InspectionAnswer, Photo, Signature
from inspect_app.models.notice import ResultsNotice
from inspect_app.models.sign_in import RateLimitEntry, SigningPinFailure, UserSession
from inspect_app.models.signboard import Plaque, StationStaff
from inspect_app.models.station import Station
from inspect_app.models.stored_file import StoredFile
from inspect_app.models.submission import CityReport, CityReportStatus, DemonstrationDecision, Submission
from inspect_app.models.sync import AnswerConflict, IdempotentRequest, Upload
from inspect_app.models.todo import MailedItem
from inspect_app.models.user import User

__all__ = [
    "AnswerConflict",
    "AuditEntry",
    "AuditHead",
    "Bundle",
    "BundleStatus",
    "Campaign",
    "CertificateAuthority",
    "CertificateEnrolment",
    "CityReport",
    "CityReportStatus",
    "ChecklistVersion",
    "DemonstrationDecision",
    "District",
    "HousekeepingRun",
    "IdempotentRequest",
    "Inspection",
    "InspectionAnswer",
    "MailedItem",
    "Office",
    "Photo",
    "Plaque",
    "RateLimitEntry",
    "RectificationOrder",
    "ResultsNotice",
    "SampledStation",
    "Signature",
    "SigningCertificate",
    "SigningPinFailure",
    "SpotCheckSample",
    "Station",
    "StationStaff",
    "StoredFile",
    "Submission",
    "Upload",
    "User",
    "UserSession",
]
