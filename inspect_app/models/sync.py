"""What offline devices need from the server: idempotent replays, answer conflicts and resumable uploads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inspect_app.domain.checklists.scoring import Verdict
from inspect_app.models.base import Base
from inspect_app.models.types import UTCDateTime, str_enum, utcnow


class IdempotentRequest(Base):
    """The first response to a request carrying an Idempotency-Key, replayed when the same key comes again."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(300))
    # The SHA-256 of the request's body in canonical form: the same key with another body is refused, not
    # answered with the first body's reply (None for rows kept before it was recorded).
    body_sha256: Mapped[str | None] = mapped_column(String(64))
    status_code: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnswerConflict(Base):
    """An edit made on a stale version of an answer: kept beside the current one until somebody chooses."""

    __tablename__ = "answer_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(20))
    base_version: Mapped[int | None]
    verdict: Mapped[Verdict] = mapped_column(str_enum(Verdict, 30))
    points: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Upload(Base):
    """A photo arriving in chunks, keyed by the SHA-256 the phone computed; the bytes wait in a part file."""

    __tablename__ = "uploads"
    __table_args__ = (UniqueConstraint("user_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    received: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Last time a chunk arrived or the phone asked: an upload untouched for UPLOAD_EXPIRY_DAYS is swept away.
    touched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
