"""Writing and removing stored files so that no committed row ever names a file that is gone.

Files are content-addressed, so one file may serve several rows (the same photo in two inspections). Every
writer and every remover of a key first takes the lock of its row in `stored_files` and keeps it until its
transaction ends: a writer from before it stores the file until the row naming it commits, a remover from
before it checks that no committed row names the file until the file is gone. The two never interleave, so a
remover either sees the writer's row (and keeps the file) or removes the file before the writer stores it
again. The lock is a row lock on PostgreSQL (other keys go on in parallel) and the database's write lock on
SQLite; both span servers that share the database.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Iterable, cast

from sqlalchemy import Table, delete, literal, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from inspect_app.adapters.filestore import FileStore, key_for, sha256_of
from inspect_app.models import StoredFile
from inspect_app.models.base import Base
from inspect_app.models.stored_file import file_key_columns
from inspect_app.models.types import utcnow

# Files younger than this are left to the next sweep: a writer of an older release, or a restore writing its
# files before their rows, may not hold the lock.
SWEEP_GRACE_S = 3600
# What a write or a backup left in the store when cut short (temporary files, multipart uploads never completed, a
# backup's held copies) goes a day on: a large upload, a restore or a season's backup may run for hours.
LEFTOVER_GRACE_S = 86400


def hold(session: Session, keys: Iterable[str]) -> None:
    """Take the lock of each key until the session's transaction ends (its ledger row is made when new).

    Must come before anything else that locks in the transaction (the audit trail's head): keys are taken in
    sorted order, and writers of the audit trail take its head only after their keys, so no two wait in a ring.
    """
    table = cast(Table, StoredFile.__table__)  # declarative types it as a FromClause; a mapped class's is a Table
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    for key in sorted(set(keys)):
        statement = insert(table).values(key=key, held_at=now)
        session.execute(
            statement.on_conflict_do_update(index_elements=[table.c.key], set_={"held_at": statement.excluded.held_at})
        )


def key_of(data: bytes, suffix: str) -> str:
    """The key these bytes are stored under."""
    return key_for(hashlib.sha256(data).hexdigest(), suffix)


def put(session: Session, store: FileStore, data: bytes, suffix: str) -> str:
    """Store bytes under their key, holding its lock; the caller commits the row that names it."""
    return put_all(session, store, [(data, suffix)])[0]


def put_all(session: Session, store: FileStore, contents: list[tuple[bytes, str]]) -> list[str]:
    """Store several files (bytes and suffix) holding all their locks; their keys, in the order given."""
    keys = [key_of(data, suffix) for data, suffix in contents]
    hold(session, keys)
    for data, suffix in contents:
        store.put(data, suffix)
    return keys


def put_file(session: Session, store: FileStore, source: Path, suffix: str, digest: str | None = None) -> str:
    """Move a finished file into the store, holding its key's lock; the caller commits the row that names it.

    `digest`: the file's SHA-256 when the caller computed it already (a bundle of gigabytes is read once)."""
    key = key_for(digest or sha256_of(source), suffix)
    hold(session, [key])
    store.put_file(source, suffix, key=key)
    return key


def referenced(session: Session, key: str) -> bool:
    """True when a committed row (or one of this transaction's) names the key in any file key column."""
    tables = Base.metadata.tables
    found = union_all(
        *(
            select(literal(1)).select_from(tables[t]).where(tables[t].c[c] == key)
            for t, c in file_key_columns(Base.metadata)
        )
    )
    return session.execute(select(literal(1)).select_from(found.subquery()).limit(1)).first() is not None


def referenced_keys(session: Session) -> set[str]:
    """Every key some row names."""
    tables = Base.metadata.tables
    keys: set[str] = set()
    for t, c in file_key_columns(Base.metadata):
        column = tables[t].c[c]
        keys.update(session.scalars(select(column).where(column.is_not(None)).distinct()))
    return keys


def collect(session: Session, store: FileStore, keys: Iterable[str]) -> list[str]:
    """Remove the files of these keys that no committed row names; returns the keys removed.

    Call it with the session's transaction ended (after the commit that dropped the rows, or a rollback):
    each key is decided in a transaction of its own that begins by taking its lock.
    """
    removed = []
    for key in sorted(set(keys)):
        try:
            hold(session, [key])
            if not referenced(session, key):
                store.delete(key)  # under the lock: nobody stores it again until we commit
                session.execute(delete(StoredFile).where(StoredFile.key == key))
                removed.append(key)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    return removed


def sweep(session: Session, store: FileStore, now: float | None = None) -> list[str]:
    """Remove every stored file no row names (left by a crash between a commit and its clean-up, a replaced
    signature or preview) and temporary files cut short; files written in the last hour are left alone."""
    cutoff = (now if now is not None else time.time()) - SWEEP_GRACE_S
    named = referenced_keys(session)
    session.rollback()
    candidates = [key for key in store.keys() if key not in named and (store.modified_at(key) or cutoff) < cutoff]
    removed = collect(session, store, candidates)
    store.remove_leftovers(cutoff + SWEEP_GRACE_S - LEFTOVER_GRACE_S)
    return removed
