"""Which columns hold file store keys: String columns named `*_key`, unless declared otherwise here."""

from __future__ import annotations

from sqlalchemy import Enum, MetaData, String
from sqlalchemy.types import TypeDecorator, TypeEngine

# Columns whose name ends in `_key` but that do not hold a file store key. Every other String `*_key` column
# is read as a file reference (by the backup, and by the store's removal of files no row names);
# tests/test_backup.py fails when a new `*_key` column appears, so that somebody decides which it is.
NOT_FILE_KEYS: frozenset[tuple[str, str]] = frozenset()


def _base_type(type_: TypeEngine) -> TypeEngine:
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
