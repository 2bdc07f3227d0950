"""The follow-up of a campaign: rectification orders (整改通知) and the city's spot-check sample (抽查)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inspect_app.domain.follow_up.rectification import OrderStatus
from inspect_app.models.base import Base
from inspect_app.models.campaign import Campaign
from inspect_app.models.district import District
from inspect_app.models.inspection import Inspection
from inspect_app.models.station import Station
from inspect_app.models.types import UTCDateTime, str_enum, utcnow
from inspect_app.models.user import User


class RectificationOrder(Base):
    """A station's rectification order: the items it fell short on in one inspection (the district's, or a city
    spot check that contradicted it), the deadline, and what became of it. Issued, it is a signed 整改通知书."""

    __tablename__ = "rectification_orders"
    __table_args__ = (UniqueConstraint("inspection_id"), UniqueConstraint("number"))

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"))  # the findings it lists
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus), default=OrderStatus.DRAFT)
    # [{code, text, critical, note, points, maximum}] as rectification.OrderItem, frozen when drafted
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    deadline: Mapped[date] = mapped_column(Date)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # who re-checks it
    contact_name: Mapped[str | None] = mapped_column(String(30))  # the station's, as printed on the notice
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    number: Mapped[str | None] = mapped_column(String(60))  # the notice's document number, given when issued
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    notice_key: Mapped[str | None] = mapped_column(String(120))  # the signed 整改通知书 PDF in the file store
    notice_sha256: Mapped[str | None] = mapped_column(String(64))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # completed or retired
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the last extension or retirement
    extensions: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str | None] = mapped_column(Text)  # why it was extended or the station retired

    inspection: Mapped[Inspection] = relationship(foreign_keys=[inspection_id])
    station: Mapped[Station] = relationship()
    campaign: Mapped[Campaign] = relationship()
    district: Mapped[District] = relationship()
    inspector: Mapped[User] = relationship(foreign_keys=[inspector_id])


class SpotCheckSample(Base):
    """The city's draw of stations to inspect itself in a campaign, with what anyone needs to draw it again."""

    __tablename__ = "spot_check_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), unique=True)
    seed: Mapped[str] = mapped_column(String(64))
    percent: Mapped[int]
    # [{district_id, outcome, available, drawn}] as spot_checks.Stratum: how the sample was shared out
    strata: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    drawn_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    campaign: Mapped[Campaign] = relationship()
    stations: Mapped[list[SampledStation]] = relationship(
        back_populates="sample", cascade="all, delete-orphan", order_by="SampledStation.id"
    )


class SampledStation(Base):
    """A station in the city's sample: its district's outcome when drawn, its rank, the city inspector assigned."""

    __tablename__ = "sampled_stations"
    __table_args__ = (UniqueConstraint("sample_id", "station_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("spot_check_samples.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    outcome: Mapped[str] = mapped_column(String(30))  # the district's outcome the stratum was drawn from
    rank: Mapped[str] = mapped_column(String(64))  # the SHA-256 that placed it (spot_checks.draw_rank)
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    sample: Mapped[SpotCheckSample] = relationship(back_populates="stations")
    station: Mapped[Station] = relationship()
    inspector: Mapped[User | None] = relationship()
