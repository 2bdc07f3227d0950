"""Row values to JSON and back, chosen by column type, so that every value comes back exactly as it was."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from enum import Enum as PyEnum
from typing import Any, Callable, Iterable

from sqlalchemy import JSON, Column, Enum, MetaData
from sqlalchemy.types import TypeDecorator, TypeEngine


class UnknownColumnType(TypeError):
    """A column type the backup does not know how to write and read back."""


def _base_type(type_: TypeEngine) -> TypeEngine:
    while isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    return type_


_BY_PYTHON_TYPE = {
    datetime: "datetime",
    date: "date",
    bytes: "bytes",
    bool: "plain",
    int: "plain",
    float: "plain",
    str: "plain",
}


def _python_type(type_: TypeEngine) -> type | None:
    try:
        declared = type_.python_type  # a decorator's own when it says (Interval: timedelta, not datetime)
    except NotImplementedError:
        return None
    if declared is object and isinstance(type_, TypeDecorator):  # one that does not say: what it wraps
        return _python_type(type_.impl_instance)
    return declared


def _kind(column: Column) -> str:
    base = _base_type(column.type)
    if isinstance(base, JSON):
        return "json"
    if isinstance(base, Enum):  # a String too, but its values may be Python enum members
        return "enum"
    python_type = _python_type(column.type)
    # Exact: Decimal, timedelta or UUID would not come back as they were.
    kind = None if python_type is None else _BY_PYTHON_TYPE.get(python_type)
    if kind is None:
        raise UnknownColumnType(f"{column.table.name}.{column.name}: {column.type!r}")
    return kind


def _encode_enum(value: Any) -> Any:
    return value.value if isinstance(value, PyEnum) else value


def _encode_datetime(value: datetime) -> str:
    # Aware values keep their offset (UTCDateTime always gives +00:00), so the instant is never ambiguous.
    return value.isoformat()


_ENCODERS: dict[str, Callable[[Any], Any]] = {
    "json": lambda v: v,
    "enum": _encode_enum,
    "datetime": _encode_datetime,
    "date": lambda v: v.isoformat(),
    "bytes": lambda v: base64.b64encode(bytes(v)).decode("ascii"),
    "plain": lambda v: v,
}
_DECODERS: dict[str, Callable[[Any], Any]] = {
    "json": lambda v: v,
    "enum": lambda v: v,  # the Enum type binds the stored string value itself
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "bytes": lambda v: base64.b64decode(v.encode("ascii"), validate=True),
    "plain": lambda v: v,
}


class TableCodec:
    """Writes a table's rows as JSON lines and reads them back into values ready to insert."""

    def __init__(self, columns: Iterable[Column]) -> None:
        self.columns = list(columns)
        self.names = [c.name for c in self.columns]
        self._kinds = [_kind(c) for c in self.columns]

    def encode(self, row: Iterable[Any]) -> bytes:
        """One row (values in column order) as one line of JSON."""
        record = {
            name: None if value is None else _ENCODERS[kind](value)
            for name, kind, value in zip(self.names, self._kinds, row)
        }
        return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"

    def decode(self, line: bytes) -> dict[str, Any]:
        """One line back into a dict of column values; ValueError when its columns are not the table's."""
        record = json.loads(line)
        if not isinstance(record, dict) or set(record) != set(self.names):
            raise ValueError("row columns differ from the table's")
        return {
            name: None if record[name] is None else _DECODERS[kind](record[name])
            for name, kind in zip(self.names, self._kinds)
        }


def check_types(metadata: MetaData) -> None:
    """Raise UnknownColumnType for the first column whose type the backup cannot round-trip."""
    for table in metadata.sorted_tables:
        for column in table.columns:
            _kind(column)
