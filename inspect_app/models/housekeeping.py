"""When the sweep last ran: one row per job, whose conditional update lets one process of many run it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from inspect_app.models.base import Base
from inspect_app.models.types import UTCDateTime


class HousekeepingRun(Base):
    """A periodic job's last start and end, and what it did (for the admin and the log)."""

    __tablename__ = "housekeeping_runs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[dict | None] = mapped_column(JSON)
