"""Writing a backup: rows from one snapshot first, then the files, then the manifest, into one tar."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine, MetaData

from ...filestore import FileStore
from . import manifest, rows
from .files import Staging, sha256_of_key, stored_keys
from .manifest import BackupRefused, Member
from .tarball import ArchiveWriter

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


def create_backup(engine: Engine, metadata: MetaData, store: FileStore, target: Path) -> Summary:
    """Back up every table's rows and every stored file into a new tar at `target`, while the app runs."""
    if target.exists():
        raise BackupRefused(f"{target} 已存在，不会覆盖：请换一个文件名")
    if not target.parent.is_dir():
        raise BackupRefused(f"目录 {target.parent} 不存在")
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".backup-rows-") as spool, Staging(store) as staging:
        dump = _dump_holding_files(engine, metadata, store, Path(spool), staging)
        # Written beside the target and renamed at the end: a backup cut short never looks like a whole one.
        partial = Path(spool) / "archive.tar"
        archive = ArchiveWriter(partial)
        try:
            members = _write(archive, dump, staging, store)
        except BaseException:
            archive.abandon()
            raise
        files = [m for m in members if m.path.startswith("files/")]
        document = manifest.build(datetime.now(timezone.utc).isoformat(), dump.revision, engine.dialect.name,
                                  [(name, count) for name, _, count in dump.tables], members)
        archive.add_bytes(manifest.MANIFEST, document)
        size, digest = archive.close()
        partial.replace(target)
    return Summary(len(dump.tables), sum(count for _, _, count in dump.tables), len(files),
                   sum(m.size for m in files), size, digest)


def _dump_holding_files(engine: Engine, metadata: MetaData, store: FileStore, spool: Path,
                        staging: Staging) -> rows.Dump:
    # Files a snapshot's rows reference existed when those rows were committed; one can only be missing now
    # if it was deleted since (a replaced photo). A newer snapshot no longer references it.
    for _ in range(ATTEMPTS):
        dump = rows.dump(engine, metadata, store, spool)
        missing = staging.hold(dump.references)
        if not missing:
            return dump
    shown = "；".join(f"{dump.references[key]} → {key}" for key in missing[:5])
    more = f" 等共 {len(missing)} 个" if len(missing) > 5 else ""
    raise BackupRefused(f"文件存储中缺少数据引用的文件，未生成备份：{shown}{more}")


def _write(archive: ArchiveWriter, dump: rows.Dump, staging: Staging, store: FileStore) -> list[Member]:
    for name, path, _ in dump.tables:
        archive.add_file(manifest.table_member(name), path)
    for key in sorted(staging.held):
        try:
            _add_stored(archive, key, staging.held[key])
        except FileNotFoundError:  # only where the store's file system has no hard links
            raise BackupRefused(f"备份期间文件 {key} 被删除，未生成备份：请重新备份") from None
    # Files no snapshot row references (yet): a finished upload whose row came after the snapshot, or
    # leftovers. Complete files only; one deleted meanwhile is simply left out.
    for key in stored_keys(store):
        if key not in staging.held:
            try:
                _add_stored(archive, key, store.path(key))
            except FileNotFoundError:
                continue
    return list(archive.members)


def _add_stored(archive: ArchiveWriter, key: str, path: Path) -> None:
    member = archive.add_file(manifest.file_member(key), path)
    if member.sha256 != sha256_of_key(key):
        raise BackupRefused(f"文件存储中的文件已损坏（内容与其 SHA-256 不符），未生成备份：{key}")
