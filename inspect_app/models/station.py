"""The station directory (名录): one row per 12315 consumer-rights service station."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inspect_app.domain.directory.stations import HostType, StationStatus
from inspect_app.models.base import Base
from inspect_app.models.district import District, Office
from inspect_app.models.signboard import Plaque, StationStaff
from inspect_app.models.types import UTCDateTime, str_enum, utcnow


class Station(Base):
    __tablename__ = "stations"
    __table_args__ = (Index("ix_stations_district_status", "district_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    host_organisation: Mapped[str] = mapped_column(String(100))
    credit_code: Mapped[str | None] = mapped_column(String(18), index=True)
    host_type: Mapped[HostType] = mapped_column(str_enum(HostType), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    address: Mapped[str] = mapped_column(String(200))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    head_name: Mapped[str | None] = mapped_column(String(30))
    phone: Mapped[str | None] = mapped_column(String(20))
    staff_full_time: Mapped[int] = mapped_column(default=0)
    staff_part_time: Mapped[int] = mapped_column(default=0)
    established_on: Mapped[date | None]
    is_odr: Mapped[bool] = mapped_column(default=False)
    is_demonstration: Mapped[bool] = mapped_column(default=False)
    status: Mapped[StationStatus] = mapped_column(str_enum(StationStatus), default=StationStatus.REGISTERED)
    notes: Mapped[str | None] = mapped_column(Text)
    # The regulator's officer the plaque names, when not the one of the station's 监管所 (all three together).
    officer_name: Mapped[str | None] = mapped_column(String(40))
    officer_phone: Mapped[str | None] = mapped_column(String(20))
    officer_photo_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    district: Mapped[District] = relationship()
    office: Mapped[Office | None] = relationship()
    staff: Mapped[list[StationStaff]] = relationship(order_by="StationStaff.position", cascade="all, delete-orphan")
    plaques: Mapped[list[Plaque]] = relationship(order_by="Plaque.issued_at")

    def __repr__(self) -> str:
        return f"<Station {self.number} {self.name}>"
