"""Wrong signing PINs, one row each, counted per certificate to stop guessing (domain/pin_attempts.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from inspect_app.db import Base
from inspect_app.models.types import UTCDateTime


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
