"""The database edge: engine per app, one session per app context."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

# Re-exported: the models keep their base in a Flask-free module; callers of the engine helpers find it here too.
from inspect_app.models.base import Base as Base


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Write-ahead logging: readers (a backup, the pages) never wait for a writer, nor a writer for them.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets foreign keys and cross-thread use for the dev server."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    return create_engine(url, pool_pre_ping=True)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    app.extensions["db_engine"] = engine
    # Every session carries the audit key (or None), so audit.record keys its entries wherever it is called from.
    key = (app.config.get("AUDIT_HMAC_KEY") or "").encode("utf-8") or None
    app.extensions["db_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False, info={"audit_key": key})
    # Per request as well as per app context: a request inside an already pushed context
    # (the CLI, tests) must not reuse the previous request's identity map.
    app.teardown_request(_close_session)
    app.teardown_appcontext(_close_session)


def forget_parent_connections(app: Flask) -> None:
    """In a forked child (a gunicorn worker, an RQ work horse): drop the pool inherited from the parent without
    closing its connections, which are the parent's sockets still in use there; the child opens its own."""
    app.extensions["db_engine"].dispose(close=False)


def get_engine() -> Engine:
    return current_app.extensions["db_engine"]


def get_session() -> Session:
    """The session of the current app context, created on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessionmaker"]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
