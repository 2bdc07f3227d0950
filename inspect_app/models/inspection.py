"""Inspections of a station in a campaign: answers, photos and on-site signatures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from inspect_app.domain.checklists.checklist import Outcome
from inspect_app.domain.checklists.scoring import Verdict
from inspect_app.domain.directory.signboards import PlaqueFinding
from inspect_app.domain.findings import CaptureTime, Position, capture_time, stored_position
from inspect_app.domain.inspections import InspectionKind, InspectionStatus, PhotoState, SignatureRole
from inspect_app.models.base import Base
from inspect_app.models.campaign import Campaign, ChecklistVersion
from inspect_app.models.station import Station
from inspect_app.models.types import UTCDateTime, str_enum, utcnow
from inspect_app.models.user import User


def _one_of_kind(name: str, kind: InspectionKind, *columns: str) -> Index:
    """A unique index over the rows of one kind only (a partial index on both backends)."""
    where = text(f"kind = '{kind.value}'")
    return Index(name, *columns, unique=True, sqlite_where=where, postgresql_where=where)


class Inspection(Base):
    """An inspection of a station in a campaign, with its score kept current: the district's own (one a station a
    campaign), a re-check following a rectification order, or the city's spot check (one a station a campaign)."""

    __tablename__ = "inspections"
    __table_args__ = (
        _one_of_kind("uq_inspections_own", InspectionKind.OWN, "station_id", "campaign_id"),
        _one_of_kind("uq_inspections_spot_check", InspectionKind.SPOT_CHECK, "station_id", "campaign_id"),
        UniqueConstraint("follows_id", "recheck_round", name="uq_inspections_recheck_round"),
        Index("ix_inspections_station_campaign", "station_id", "campaign_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    kind: Mapped[InspectionKind] = mapped_column(
        str_enum(InspectionKind), default=InspectionKind.OWN, server_default=InspectionKind.OWN.value
    )
    # What a re-check or spot check follows: the inspection it checks again or compares with. A re-check follows
    # the inspection its rectification order lists the findings of (one order an inspection), so that names the
    # order too.
    follows_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"), index=True)
    recheck_round: Mapped[int | None]  # which re-check of its order (1, 2, … after extensions)
    # The item codes a re-check answers (the order's items); None for an inspection of the whole checklist.
    item_scope: Mapped[list[str] | None] = mapped_column(JSON)
    checklist_version_id: Mapped[int] = mapped_column(ForeignKey("checklist_versions.id"))
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[InspectionStatus] = mapped_column(
        str_enum(InspectionStatus, 30), default=InspectionStatus.IN_PROGRESS
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    points: Mapped[int] = mapped_column(default=0)
    maximum: Mapped[int] = mapped_column(default=0)
    score: Mapped[float] = mapped_column(default=0.0)  # rescaled to 100, one decimal
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome, 30))
    failed_critical: Mapped[list[str]] = mapped_column(JSON, default=list)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_comment: Mapped[str | None] = mapped_column(Text)
    recommended_demonstration: Mapped[bool] = mapped_column(default=False)
    # The plaque found on site, by its QR code or typed short code: the code as given, what it turned out to be
    # (evidence for B1–B4, domain/directory/signboards.PlaqueFinding) and when it was checked.
    plaque_code: Mapped[str | None] = mapped_column(String(80))
    plaque_finding: Mapped[PlaqueFinding | None] = mapped_column(str_enum(PlaqueFinding))
    plaque_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    station: Mapped[Station] = relationship()
    campaign: Mapped[Campaign] = relationship()
    checklist_version: Mapped[ChecklistVersion] = relationship()
    inspector: Mapped[User] = relationship(foreign_keys=[inspector_id])
    answers: Mapped[list[InspectionAnswer]] = relationship(back_populates="inspection", cascade="all, delete-orphan")
    photos: Mapped[list[Photo]] = relationship(back_populates="inspection", order_by="Photo.id")
    signatures: Mapped[list[Signature]] = relationship(back_populates="inspection", cascade="all, delete-orphan")
    follows: Mapped[Inspection | None] = relationship(remote_side=[id], foreign_keys=[follows_id])

    @hybrid_property
    def is_own(self) -> bool:
        """The district's own inspection of the station: the one its bundle, report and figures mean."""
        return self.kind is InspectionKind.OWN

    @is_own.inplace.expression
    @classmethod
    def _is_own_expression(cls) -> ColumnElement[bool]:
        return cls.kind == InspectionKind.OWN

    @property
    def ready_photos(self) -> list[Photo]:
        """The photos a report or bundle shows: read and accepted (not ones still processing or rejected)."""
        return [p for p in self.photos if p.state is PhotoState.READY]


class InspectionAnswer(Base):
    """One checklist item's answer; `version` grows with every change (for conflict checks)."""

    __tablename__ = "inspection_answers"
    __table_args__ = (UniqueConstraint("inspection_id", "item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"))
    item_code: Mapped[str] = mapped_column(String(20))
    verdict: Mapped[Verdict] = mapped_column(str_enum(Verdict, 30))
    points: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    inspection: Mapped[Inspection] = relationship(back_populates="answers")


class Photo(Base):
    """A photo of a slot: the original kept byte for byte under its SHA-256, with what was read from it."""

    __tablename__ = "photos"
    __table_args__ = (UniqueConstraint("inspection_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"))
    slot: Mapped[str] = mapped_column(String(30))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # Kept at once, read afterwards (photo_jobs): what reading gives is empty until the photo is ready.
    state: Mapped[PhotoState] = mapped_column(str_enum(PhotoState, 20), default=PhotoState.READY)
    rejected_reason: Mapped[str | None] = mapped_column(String(200))
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when its reading was last asked for
    perceptual_hash: Mapped[str | None] = mapped_column(String(32))
    original_key: Mapped[str] = mapped_column(String(120))
    display_key: Mapped[str | None] = mapped_column(String(120))
    thumbnail_key: Mapped[str | None] = mapped_column(String(120))
    # The copy the report prints (no larger than printed, no EXIF), made on first need and kept.
    print_key: Mapped[str | None] = mapped_column(String(120))
    mime: Mapped[str] = mapped_column(String(30))
    size: Mapped[int]
    width: Mapped[int | None]
    height: Mapped[int | None]
    exif_latitude: Mapped[float | None]
    exif_longitude: Mapped[float | None]
    exif_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exif_taken_at_local: Mapped[str | None] = mapped_column(String(20))
    exif_offset: Mapped[str | None] = mapped_column(String(8))
    camera_make: Mapped[str | None] = mapped_column(String(60))
    camera_model: Mapped[str | None] = mapped_column(String(60))
    orientation: Mapped[int | None]
    exif_unreadable: Mapped[bool] = mapped_column(default=False)
    browser_latitude: Mapped[float | None]
    browser_longitude: Mapped[float | None]
    browser_accuracy_m: Mapped[float | None]
    browser_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    inspection: Mapped[Inspection] = relationship(back_populates="photos")

    def ready_key(self, variant: str) -> str | None:
        """The key of a derived copy ("display", "thumbnail") or the original; None while there is none to show
        (the photo is still being read, or was rejected)."""
        if variant == "original":
            return self.original_key
        if self.state is not PhotoState.READY:
            return None
        return {"display": self.display_key, "thumbnail": self.thumbnail_key}[variant]

    @property
    def capture_time(self) -> CaptureTime:
        return capture_time(self.browser_taken_at, self.exif_taken_at, self.uploaded_at)

    @property
    def position(self) -> Position | None:
        return stored_position(
            self.exif_latitude,
            self.exif_longitude,
            self.browser_latitude,
            self.browser_longitude,
            self.browser_accuracy_m,
        )


class Signature(Base):
    """An on-site signature drawn on the phone, with the signer's typed name."""

    __tablename__ = "signatures"
    __table_args__ = (UniqueConstraint("inspection_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"))
    role: Mapped[SignatureRole] = mapped_column(str_enum(SignatureRole, 30))
    signer_name: Mapped[str] = mapped_column(String(30))
    image_key: Mapped[str] = mapped_column(String(120))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    inspection: Mapped[Inspection] = relationship(back_populates="signatures")
