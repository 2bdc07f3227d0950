"""The hash-chained audit trail and its head (the newest position and hash, one row)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from inspect_app.models.base import Base


class AuditEntry(Base):
    """One thing someone did; `hash` covers the fields and the previous entry's hash."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[str] = mapped_column(String(40))  # ISO 8601 text, exactly as hashed
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int | None]
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # How `hash` was made (domain.audit.PLAIN or KEYED): entries from before AUDIT_HMAC_KEY was set stay plain.
    scheme: Mapped[str] = mapped_column(String(16), default="sha256", server_default="sha256")

    @property
    def at_time(self) -> datetime:
        return datetime.fromisoformat(self.at)


class AuditHead(Base):
    """Where the chain ends: updating this one row first serialises every writer of the trail."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    last_hash: Mapped[str] = mapped_column(String(64))
