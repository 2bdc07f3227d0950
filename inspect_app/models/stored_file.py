"""The ledger of stored files: one row per file key, the row whose lock serialises writing and removing it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from inspect_app.db import Base
from inspect_app.models.types import UTCDateTime, utcnow


class StoredFile(Base):
    """A file in the store. Writers and removers of the same content take this row's lock first (see
    services/stored_files.py), so a file is never removed while a row that names it is being committed."""

    __tablename__ = "stored_files"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # when a writer last held it
