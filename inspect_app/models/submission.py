"""What the city receives and decides: districts' bundle submissions, 示范站 decisions, the city's own bundle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inspect_app.domain.evidence.city_report import CityReportStatus
from inspect_app.domain.evidence.submissions import SubmissionSource, SubmissionStatus
from inspect_app.models.base import Base
from inspect_app.models.bundle import Bundle, SigningCertificate
from inspect_app.models.campaign import Campaign
from inspect_app.models.district import District
from inspect_app.models.station import Station
from inspect_app.models.types import UTCDateTime, str_enum, utcnow
from inspect_app.models.user import User


class Submission(Base):
    """One bundle version received by the city, with the verification verdict computed on receipt."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("district_id", "campaign_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("bundles.id"))  # None for a ZIP from elsewhere
    version: Mapped[int]
    source: Mapped[SubmissionSource] = mapped_column(str_enum(SubmissionSource))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # the leader, or the city user uploading
    archive_key: Mapped[str] = mapped_column(String(120))
    archive_sha256: Mapped[str] = mapped_column(String(64))
    archive_size: Mapped[int] = mapped_column(BigInteger)  # a district's photos run to gigabytes
    verified: Mapped[bool]
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{name, ok, details: [...]}]
    stations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{number, name, score, outcome}]
    signer_name: Mapped[str | None] = mapped_column(String(100))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[SubmissionStatus] = mapped_column(str_enum(SubmissionStatus), default=SubmissionStatus.SUBMITTED)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    station_reasons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)  # [{number, name, reason}]

    district: Mapped[District] = relationship()
    campaign: Mapped[Campaign] = relationship()
    bundle: Mapped[Bundle | None] = relationship()
    received_by: Mapped[User] = relationship(foreign_keys=[received_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class DemonstrationDecision(Base):
    """The city's word on a station the district recommended as 示范站 in a campaign."""

    __tablename__ = "demonstration_decisions"
    __table_args__ = (UniqueConstraint("campaign_id", "station_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    confirmed: Mapped[bool]
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    station: Mapped[Station] = relationship()
    decided_by: Mapped[User] = relationship()


class CityReport(Base):
    """One version of the consolidated city report: built as an unsigned preview, then signed (city-report.pdf and
    city-directory.xlsx in a ZIP) if what it holds is still what was previewed."""

    __tablename__ = "city_reports"
    __table_args__ = (UniqueConstraint("campaign_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    version: Mapped[int]
    status: Mapped[CityReportStatus] = mapped_column(str_enum(CityReportStatus), default=CityReportStatus.BUILDING)
    error: Mapped[str | None] = mapped_column(Text)
    # The build or sign-off working on the version now (None: nobody) and since when: a claim older than
    # city_report.CLAIM_LAPSES_AFTER_S was left by a process that died.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    generated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # of the preview, printed on the report
    preview_key: Mapped[str | None] = mapped_column(String(120))  # the unsigned city-report.pdf
    fingerprint: Mapped[str | None] = mapped_column(String(64))  # of what the preview showed
    contents: Mapped[dict[str, str] | None] = mapped_column(JSON)  # part name -> digest (domain/fingerprint.py)
    archive_key: Mapped[str | None] = mapped_column(String(120))
    archive_sha256: Mapped[str | None] = mapped_column(String(64))
    archive_size: Mapped[int | None] = mapped_column(BigInteger)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("signing_certificates.id"))

    campaign: Mapped[Campaign] = relationship()
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    certificate: Mapped[SigningCertificate | None] = relationship()
