"""Restoring a backup into an empty instance: check everything first, then the files, then the rows at once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, MetaData
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from inspect_app.adapters.filestore import FileStore
from inspect_app.backup import manifest, rows
from inspect_app.backup.create import Summary
from inspect_app.backup.files import is_key, put_from_blocks
from inspect_app.backup.manifest import BackupRefused, Contents
from inspect_app.backup.tarball import ArchiveReader, scan
from inspect_app.backup.transactions import exclusive_write
from inspect_app.housekeeping import sweep as housekeeping
from inspect_app.models.types import utcnow

SWEEP_HELD_OFF = timedelta(days=2)  # longer than any copy of files takes


def restore_backup(engine: Engine, metadata: MetaData, store: FileStore, source: Path) -> Summary:
    """Restore the archive at `source` into this empty instance; BackupRefused, with nothing changed, if not."""
    present, raw, archive_bytes, archive_sha256 = scan(source)  # every member hashed before anything is written
    contents = manifest.check(raw, present, [t.name for t in metadata.sorted_tables], lambda k: is_key(store, k))
    reader = ArchiveReader(source)
    try:
        try:
            seeded = {name: list(_rows(reader, metadata, contents, name)) for name in rows.SEEDED_TABLES}
        except ValueError as error:
            raise BackupRefused(f"备份中的数据无法读取，未恢复任何数据：{error}") from None
        with engine.connect() as connection:
            _check_target(connection, metadata, contents, seeded)
        # The files go in before the rows that name them: keep the running instance's sweep from taking them for
        # leftovers while they wait, however long the copy takes (the rows then bring the backup's own turn).
        _hold_off_the_sweep(engine)
        added = _put_files(reader, store, contents)
        try:
            restored = _write_rows(engine, metadata, reader, contents, seeded)
        except BaseException:
            for key in added:  # the rows are rolled back: the files they would have referenced go too
                store.delete(key)
            raise
    finally:
        reader.close()
    return Summary(
        len(contents.tables),
        restored,
        len(contents.files),
        sum(m.size for m in contents.files),
        archive_bytes,
        archive_sha256,
        contents.missing,
    )


def _write_rows(
    engine: Engine, metadata: MetaData, reader: ArchiveReader, contents: Contents, seeded: dict[str, list[dict]]
) -> int:
    try:
        with exclusive_write(engine, metadata) as connection:
            _check_target(connection, metadata, contents, seeded)  # again, now that nobody else can write
            restored = 0
            for name in rows.TRANSIENT_TABLES:  # what the running instance wrote meanwhile gives way to the backup
                connection.execute(metadata.tables[name].delete())
            for table in metadata.sorted_tables:
                restored += rows.load_table(connection, table, _rows(reader, metadata, contents, table.name))
            _check_counts(connection, metadata, contents)
            rows.reset_sequences(connection, metadata)
    except (SQLAlchemyError, ValueError) as error:  # rows the hashes vouch for but the schema will not take
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise BackupRefused(f"备份中的数据无法写入目标实例，已全部撤销，未恢复任何数据：{reason}") from error
    return restored


def _rows(reader: ArchiveReader, metadata: MetaData, contents: Contents, name: str):
    member = contents.members[manifest.table_member(name)]
    return rows.read_rows(reader.blocks(member.path), metadata.tables[name], member.sha256)


def _check_target(connection, metadata: MetaData, contents: Contents, seeded: dict[str, list[dict]]) -> None:
    revision = rows.revision_of(connection)
    if revision != contents.revision:
        raise BackupRefused(
            f"备份的数据库版本（{contents.revision}）与目标实例（{revision or '未迁移'}）不同，"
            f"未恢复任何数据：请把一个空的实例迁移到 {contents.revision} 再恢复，恢复后再升级"
        )
    rows.check_schema(connection, metadata)
    counts = rows.row_counts(connection, metadata)
    busy = [
        f"{name}（{count} 行）"
        for name, count in counts.items()
        if count and name not in rows.SEEDED_TABLES | rows.TRANSIENT_TABLES
    ]
    if busy:
        raise BackupRefused(
            "目标实例不是空的，未恢复任何数据：数据表 "
            + "、".join(busy)
            + " 已有数据。只能恢复到刚迁移、尚无数据的实例中"
        )
    conflicts = [
        problem
        for name in sorted(rows.SEEDED_TABLES)
        for problem in rows.seeded_conflicts(connection, metadata.tables[name], seeded[name])
    ]
    if conflicts:
        raise BackupRefused("目标实例的初始数据与备份不一致，未恢复任何数据：" + "；".join(conflicts[:5]))


def _put_files(reader: ArchiveReader, store: FileStore, contents: Contents) -> list[str]:
    added: list[str] = []
    try:
        for member in contents.files:
            key = member.path.removeprefix("files/")
            if put_from_blocks(store, key, reader.blocks(member.path)):
                added.append(key)
    except BaseException:
        for key in added:
            store.delete(key)
        raise
    return added


def _hold_off_the_sweep(engine: Engine) -> None:
    with Session(engine) as session:
        housekeeping.record_run(session, housekeeping.SWEEP, utcnow() + SWEEP_HELD_OFF, housekeeping.SweepReport())


def _check_counts(connection, metadata: MetaData, contents: Contents) -> None:
    counts = rows.row_counts(connection, metadata)
    wrong = [name for name, expected in contents.tables if counts[name] != expected]
    if wrong:
        raise BackupRefused("恢复后的行数与清单不符，已撤销：" + "、".join(wrong))
