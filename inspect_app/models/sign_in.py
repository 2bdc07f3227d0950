"""What sign-in keeps on the server: each signed-in browser's session, and the failed attempts that are counted (the
limiter's failed sign-ins; wrong signing PINs per certificate, domain/pin_attempts.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from inspect_app.models.base import Base
from inspect_app.models.types import UTCDateTime, utcnow


class UserSession(Base):
    """One sign-in: the browser's cookie holds a random token, the server its SHA-256 and whether it still holds."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Only the hash: a copy of the database (a backup) opens no session.
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written at most once a minute (services/user_sessions.py), so a busy page costs no write per request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(20))  # signed_out, idle, password_reset, deactivated


class RateLimitEntry(Base):
    """One counted event of a moving-window limit (a failed sign-in), kept until its window has passed."""

    __tablename__ = "rate_limit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The limiter's key hashed: it holds the name as typed, sometimes a password typed into the wrong field.
    key_sha256: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SigningPinFailure(Base):
    """One wrong PIN typed for a certificate. Kept after an admin's unlock (cleared_at), so the holder is still
    told at the next sign-in and the count stays in the record."""

    __tablename__ = "signing_pin_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("signing_certificates.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # who was signed in when it was typed
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # an admin unlocked signing: no longer counts
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
