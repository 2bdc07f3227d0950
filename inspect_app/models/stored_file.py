"""The ledger of stored files: one row per file key, the row whose lock serialises writing and removing it; and
which columns hold file store keys: String columns named `*_key`, unless declared otherwise here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Enum, MetaData, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

from inspect_app.models.base import Base
from inspect_app.models.types import UTCDateTime, utcnow


class StoredFile(Base):
    """A file in the store. Writers and removers of the same content take this row's lock first (see
    housekeeping/stored_files.py), so a file is never removed while a row that names it is being committed."""

    __tablename__ = "stored_files"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # when a writer last held it


# Columns whose name ends in `_key` but that do not hold a file store key. Every other String `*_key` column
# is read as a file reference (by the backup, and by the store's removal of files no row names);
# tests/test_backup.py fails when a new `*_key` column appears, so that somebody decides which it is.
NOT_FILE_KEYS: frozenset[tuple[str, str]] = frozenset({("mailed_items", "item_key")})  # a to-do item's name


def _base_type(type_: TypeEngine[object]) -> TypeEngine[object]:
    while isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    return type_


def file_key_columns(metadata: MetaData) -> list[tuple[str, str]]:
    """Every (table, column) that holds file store keys."""
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            base = _base_type(column.type)
            if (
                column.name.endswith("_key")
                and (table.name, column.name) not in NOT_FILE_KEYS
                and isinstance(base, String)
                and not isinstance(base, Enum)
            ):
                found.append((table.name, column.name))
    return found
