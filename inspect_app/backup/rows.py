"""Every table's rows out of one snapshot into JSON lines, and back into an empty database."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from sqlalchemy import Connection, Engine, Integer, MetaData, Table, UniqueConstraint, func, inspect, select

from inspect_app.adapters.filestore import FileStore
from inspect_app.backup.codec import TableCodec
from inspect_app.backup.files import is_key
from inspect_app.backup.manifest import BackupRefused
from inspect_app.backup.transactions import snapshot
from inspect_app.models.stored_file import file_key_columns

# Tables the migrations fill (the nine 旗区, the audit chain's head): an empty instance already has these rows.
SEEDED_TABLES = frozenset({"districts", "audit_head"})
# Tables a freshly migrated instance fills by merely running (a sign-in, a failed sign-in, the sweep's turn): their
# rows do not make the instance "not empty", and the restore replaces them with the backup's.
TRANSIENT_TABLES = frozenset({"housekeeping_runs", "rate_limit_entries", "user_sessions"})
BATCH = 1000


@dataclass
class Dump:
    """The rows of one snapshot, spooled to files, and the file keys they reference."""

    revision: str | None  # None for a database Alembic never migrated
    tables: list[tuple[str, Path, int]]  # (name, JSON-lines file, rows) in foreign-key order
    references: dict[str, str]  # file key -> the first row naming it, e.g. "photos.original_key（id 3）"


def dump(engine: Engine, metadata: MetaData, store: FileStore, folder: Path) -> Dump:
    """Every table's rows, parents before children, all read in one snapshot, into files in `folder`."""
    keyed = set(file_key_columns(metadata))
    references: dict[str, str] = {}
    tables = []
    with snapshot(engine) as connection:
        revision = revision_of(connection)
        check_schema(connection, metadata)
        for table in metadata.sorted_tables:
            path = folder / f"{table.name}.jsonl"
            rows = dump_table(
                connection,
                table,
                path,
                [i for i, c in enumerate(table.columns) if (table.name, c.name) in keyed],
                store,
                references,
            )
            tables.append((table.name, path, rows))
    return Dump(revision, tables, references)


def dump_table(
    connection: Connection, table: Table, path: Path, keyed: list[int], store: FileStore, references: dict[str, str]
) -> int:
    """Write one table's rows (by primary key) as JSON lines, noting the file keys they hold; returns the count."""
    codec = TableCodec(table.columns)
    query = select(table).order_by(*table.primary_key.columns).execution_options(yield_per=BATCH)
    count = 0
    with path.open("wb") as out:
        for row in connection.execute(query):
            out.write(codec.encode(row))
            count += 1
            for index in keyed:
                value = row[index]
                if value is not None and value not in references and is_key(store, value):
                    references[value] = f"{table.name}.{table.columns[index].name}（{_identity(table, row)}）"
    return count


def _identity(table: Table, row: Any) -> str:
    mapping = row._mapping
    return "，".join(f"{c.name} {mapping[c.name]}" for c in table.primary_key.columns)


def revision_of(connection: Connection) -> str | None:
    """The database's Alembic revision; None when it was never migrated."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    return versions[0] if len(versions) == 1 else None


def check_schema(connection: Connection, metadata: MetaData) -> None:
    """BackupRefused unless the database has exactly the models' tables and columns (nothing could be lost)."""
    inspector = inspect(connection)
    present = set(inspector.get_table_names()) - {"alembic_version"}
    problems = [f"缺少数据表 {name}" for name in sorted(set(metadata.tables) - present)]
    problems += [f"多出数据表 {name}" for name in sorted(present - set(metadata.tables))]
    for table in metadata.sorted_tables:
        if table.name in present:
            columns = {c["name"] for c in inspector.get_columns(table.name)}
            if columns != set(table.columns.keys()):
                problems.append(f"数据表 {table.name} 的列与程序不一致")
    if problems:
        raise BackupRefused("数据库与程序的结构不一致（" + "；".join(problems) + "）：请先执行 flask db upgrade")


def read_rows(blocks: Iterable[bytes], table: Table, expected_sha256: str) -> Iterator[dict[str, Any]]:
    """Decode a table's JSON lines; BackupRefused at the end if the bytes are not the ones checked before."""
    codec = TableCodec(table.columns)
    digest, rest = hashlib.sha256(), b""
    for block in blocks:
        digest.update(block)
        lines = (rest + block).split(b"\n")
        rest = lines.pop()
        for line in lines:
            yield codec.decode(line)
    if rest.strip():
        yield codec.decode(rest)
    if digest.hexdigest() != expected_sha256:
        raise BackupRefused(f"备份文件在恢复过程中被改动（数据表 {table.name}），已撤销")


def seeded_conflicts(connection: Connection, table: Table, backup_rows: list[dict[str, Any]]) -> list[str]:
    """Where the target's seeded rows disagree with the backup's (same primary key, same unique values)."""
    pk = [c.name for c in table.primary_key.columns]
    unique = [
        c.name
        for c in table.columns
        if any(isinstance(k, UniqueConstraint) and c.name in k.columns for k in table.constraints)
    ]
    theirs = {tuple(r[n] for n in pk): r for r in backup_rows}
    problems = []
    for row in connection.execute(select(table)).mappings():
        ident = tuple(row[n] for n in pk)
        other = theirs.get(ident)
        if other is None:
            problems.append(f"{table.name} 中有备份里没有的行（{_pairs(pk, ident)}）")
        elif any(row[n] != other[n] for n in unique):
            problems.append(f"{table.name}（{_pairs(pk, ident)}）的 {'、'.join(unique)} 与备份不同")
    return problems


def _pairs(names: list[str], values: tuple) -> str:
    return "，".join(f"{n} {v}" for n, v in zip(names, values))


def row_counts(connection: Connection, metadata: MetaData) -> dict[str, int]:
    """Rows per table."""
    return {
        t.name: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables
    }


def load_table(connection: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """Insert the rows in batches; a seeded table's rows already present are brought to the backup's values."""
    pk = list(table.primary_key.columns)
    present = {tuple(r) for r in connection.execute(select(*pk))} if table.name in SEEDED_TABLES else set()
    count, batch = 0, []
    for row in rows:
        count += 1
        ident = tuple(row[c.name] for c in pk)
        if ident in present:
            condition = [c == v for c, v in zip(pk, ident)]
            connection.execute(table.update().where(*condition).values(**row))
            continue
        batch.append(row)
        if len(batch) == BATCH:
            connection.execute(table.insert(), batch)
            batch = []
    if batch:
        connection.execute(table.insert(), batch)
    return count


def reset_sequences(connection: Connection, metadata: MetaData) -> None:
    """PostgreSQL: move each id sequence past the restored rows, so that new rows get fresh ids."""
    if connection.dialect.name != "postgresql":
        return  # SQLite gives a new row max(rowid) + 1 by itself
    quote = connection.dialect.identifier_preparer.quote
    for table in metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        name, column = quote(table.name), quote(pk[0].name)
        # is_called = false: the next nextval() returns exactly max + 1 (or 1 for an empty table).
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence(%(table)s, %(column)s), "
            f"COALESCE((SELECT MAX({column}) FROM {name}), 0) + 1, false)",
            {"table": name, "column": pk[0].name},
        )
