"""Checklist template versions and the campaigns (年度验收批次) that use them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from .types import UTCDateTime, utcnow


class ChecklistVersion(Base):
    """One immutable version of a checklist template; its content is the validated template data."""

    __tablename__ = "checklist_versions"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(40))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    starts_on: Mapped[date]
    deadline: Mapped[date]
    checklist_version_id: Mapped[int] = mapped_column(ForeignKey("checklist_versions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    checklist_version: Mapped[ChecklistVersion] = relationship()


@event.listens_for(ChecklistVersion, "before_update")
def _refuse_version_change(_mapper: Any, _connection: Any, target: ChecklistVersion) -> None:
    # A version is the record an inspection was scored on: a change must become a new version.
    raise ValueError(f"checklist version {target.name} {target.version} is immutable; load a new version")
