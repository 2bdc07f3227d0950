"""What a station's signboard shows and the plaques printed from it: the station's staff, and one row per plaque
with the token of its public page and the short code printed under its QR code."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from inspect_app.domain.directory.signboards import PlaqueWithdrawal
from inspect_app.models.base import Base
from inspect_app.models.types import UTCDateTime, str_enum, utcnow


class StationStaff(Base):
    """A member of a station's staff as the plaque names them: name, duty, phone and a portrait."""

    __tablename__ = "station_staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)  # the order on the plaque
    name: Mapped[str] = mapped_column(String(30))
    duty: Mapped[str | None] = mapped_column(String(30))  # 站长, 工作人员, 兼职调解员 …
    phone: Mapped[str | None] = mapped_column(String(20))
    photo_key: Mapped[str | None] = mapped_column(String(120))  # the portrait, cropped to the plaque's frame


_CURRENT = text("withdrawn_at IS NULL")


class Plaque(Base):
    """A plaque issued for a station. Its token addresses the public page (in the QR code) and its short code is
    printed beneath; both stay valid after the plaque is withdrawn, so that an old plaque's page can say so."""

    __tablename__ = "plaques"
    __table_args__ = (
        # One current plaque a station (a partial unique index on both backends).
        Index("uq_plaques_current", "station_id", unique=True, sqlite_where=_CURRENT, postgresql_where=_CURRENT),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    short_code: Mapped[str] = mapped_column(String(8), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[PlaqueWithdrawal | None] = mapped_column(str_enum(PlaqueWithdrawal))

    @property
    def is_current(self) -> bool:
        return self.withdrawn_at is None
