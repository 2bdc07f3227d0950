"""The sign-in limiter's counters in the database: a `limits` storage for "database://" over rate_limit_entries.

Without Redis, Flask-Limiter would count in each process's memory, and with four gunicorn workers an account
got four times its failures. `limits` ships no SQL storage, so this small one fills the gap: every worker
reads and writes the same table, on SQLite as on PostgreSQL. Only the moving window (extensions.limiter's
strategy) is implemented.
"""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timezone

from flask import current_app
from limits.storage import MovingWindowSupport, Storage
from sqlalchemy import Connection, delete, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from inspect_app.models import RateLimitEntry

SCHEME = "database"


def _now() -> float:
    return time.time()  # seconds since the epoch, as `limits` counts them; tests move this clock


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class DatabaseStorage(Storage, MovingWindowSupport):
    """Moving-window entries as rows; each call is one short transaction of its own, apart from the request's."""

    STORAGE_SCHEME = [SCHEME]

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    @staticmethod
    def _engine():
        # The engine of the app serving the request: one limiter object serves every app a process builds.
        return current_app.extensions["db_engine"]

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = _now()
        with self._engine().begin() as connection:
            if connection.dialect.name == "postgresql":
                # One counter at a time per key: under READ COMMITTED, parallel failures would all count the same
                # entries and all be let through. (SQLite's writers are one at a time already.)
                connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": _digest(key)})
            # Spent entries of every key go as new ones come, so the table holds at most one window's worth.
            connection.execute(delete(RateLimitEntry).where(RateLimitEntry.expires_at < _at(now)))
            if _window(connection, key, limit, expiry, now)[1] + amount > limit:
                return False
            connection.execute(
                insert(RateLimitEntry),
                [{"key_sha256": _digest(key), "at": _at(now), "expires_at": _at(now + expiry)}] * amount,
            )
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        with self._engine().connect() as connection:
            return _window(connection, key, limit, expiry, _now())

    def clear(self, key: str) -> None:
        with self._engine().begin() as connection:
            connection.execute(delete(RateLimitEntry).where(RateLimitEntry.key_sha256 == _digest(key)))

    def reset(self) -> int | None:
        with self._engine().begin() as connection:
            return connection.execute(delete(RateLimitEntry)).rowcount

    def check(self) -> bool:
        with self._engine().connect() as connection:
            return connection.execute(text("SELECT 1")).scalar() == 1

    # The fixed-window counters `limits` also asks a storage for; the moving window never calls them.
    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError("database:// counts a moving window only")

    def get(self, key: str) -> int:
        raise NotImplementedError("database:// counts a moving window only")

    def get_expiry(self, key: str) -> float:
        raise NotImplementedError("database:// counts a moving window only")


def _window(connection: Connection, key: str, limit: int, expiry: int, now: float) -> tuple[float, int]:
    """(start of the window, entries in it), as `limits` reads them: at most `limit` of the newest entries are
    counted, and the oldest of those is the one whose leaving frees an attempt."""
    times = connection.scalars(
        select(RateLimitEntry.at)
        .where(RateLimitEntry.key_sha256 == _digest(key), RateLimitEntry.at > _at(now - expiry))
        .order_by(RateLimitEntry.at.desc())
        .limit(limit)
    ).all()
    return (times[-1].timestamp() if times else now), len(times)
