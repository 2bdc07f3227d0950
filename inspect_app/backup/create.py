"""Writing a backup: rows from one snapshot first, then the files, then the manifest, into one tar."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine, MetaData

from inspect_app.adapters.filestore import FileStore, Holding, MissingFile, digest_of
from inspect_app.backup import manifest, rows
from inspect_app.backup.manifest import BackupRefused, Member
from inspect_app.backup.tarball import ArchiveWriter

ATTEMPTS = 3  # snapshots to try when files a snapshot references were deleted before they could be held


@dataclass(frozen=True)
class Summary:
    """What a backup holds or a restore wrote."""

    tables: int
    rows: int
    files: int
    file_bytes: int
    archive_bytes: int
    archive_sha256: str
    missing: dict[str, str] = field(default_factory=dict)  # files rows name that the store lacks → the row


def create_backup(engine: Engine, metadata: MetaData, store: FileStore, target: Path) -> Summary:
    """Back up every table's rows and every stored file into a new tar at `target`, while the app runs."""
    if target.exists():
        raise BackupRefused(f"{target} 已存在，不会覆盖：请换一个文件名")
    if not target.parent.is_dir():
        raise BackupRefused(f"目录 {target.parent} 不存在")
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".backup-rows-") as spool, store.holding() as staging:
        dump, missing = _dump_holding_files(engine, metadata, store, Path(spool), staging)
        # Written beside the target and renamed at the end: a backup cut short never looks like a whole one.
        partial = Path(spool) / "archive.tar"
        archive = ArchiveWriter(partial)
        try:
            members = _write(archive, dump, staging, store)
        except BaseException:
            archive.abandon()
            raise
        files = [m for m in members if m.path.startswith("files/")]
        document = manifest.build(
            datetime.now(timezone.utc).isoformat(),
            dump.revision,
            engine.dialect.name,
            [(name, count) for name, _, count in dump.tables],
            members,
            missing,
        )
        archive.add_bytes(manifest.MANIFEST, document)
        size, digest = archive.close()
        partial.replace(target)
    return Summary(
        len(dump.tables),
        sum(count for _, _, count in dump.tables),
        len(files),
        sum(m.size for m in files),
        size,
        digest,
        missing,
    )


def _dump_holding_files(
    engine: Engine, metadata: MetaData, store: FileStore, spool: Path, staging: Holding
) -> tuple[rows.Dump, dict[str, str]]:
    """The rows of a snapshot with every file they name held, and the files that were not there to hold.

    A file a snapshot's rows name may have been removed since (a replaced photo): a newer snapshot no longer
    names it. One still missing after that is lost from the store; the backup keeps everything else and names
    it, so one broken reference never stops every backup.
    """
    for _ in range(ATTEMPTS):
        dump = rows.dump(engine, metadata, store, spool)
        missing = staging.hold(dump.references)
        if not missing:
            return dump, {}
    return dump, {key: dump.references[key] for key in missing}


def _write(archive: ArchiveWriter, dump: rows.Dump, staging: Holding, store: FileStore) -> list[Member]:
    for name, path, _ in dump.tables:
        archive.add_file(manifest.table_member(name), path)
    held = staging.held()
    for key in held:
        try:
            with staging.open(key) as stream:
                _add_stored(archive, key, stream, staging.size(key))
        except MissingFile:  # only where the store's file system has no hard links
            raise BackupRefused(f"备份期间文件 {key} 被删除，未生成备份：请重新备份") from None
    # Files no snapshot row references (yet): a finished upload whose row came after the snapshot, or
    # leftovers. Complete files only; one deleted meanwhile is simply left out.
    taken = set(held)
    for key in store.keys():
        if key not in taken:
            try:
                with store.open(key) as stream:
                    _add_stored(archive, key, stream, store.size(key))
            except MissingFile:
                continue
    return list(archive.members)


def _add_stored(archive: ArchiveWriter, key: str, stream: BinaryIO, size: int) -> None:
    member = archive.add_stream(manifest.file_member(key), stream, size)
    if member.sha256 != digest_of(key):
        raise BackupRefused(f"文件存储中的文件已损坏（内容与其 SHA-256 不符），未生成备份：{key}")
