"""The two transactions a backup needs: a read snapshot while the app runs, and an exclusive restore."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import Connection, Engine, MetaData


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection whose reads all see one committed state, however much the app writes meanwhile."""
    dialect = engine.dialect.name
    if dialect == "postgresql":
        # REPEATABLE READ fixes the snapshot at the first query and keeps it to the end; READ ONLY because a
        # backup writes nothing (so it never fails with a serialisation error and never blocks a writer).
        options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        with engine.connect().execution_options(**options) as connection, connection.begin():
            yield connection
        return
    if dialect == "sqlite":
        # pysqlite runs each SELECT in autocommit, so two reads could see two states. An explicit BEGIN makes
        # them one read transaction from the first read on: in WAL mode it keeps reading the snapshot while
        # writers go on; with a rollback journal its shared lock makes writers wait (up to their busy
        # timeout) until it ends, so the rows are dumped in it and the files copied after it.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("BEGIN")
            try:
                yield connection
            finally:
                connection.exec_driver_sql("ROLLBACK")
        return
    raise NotImplementedError(f"backups of {dialect} databases are not supported")


@contextmanager
def exclusive_write(engine: Engine, metadata: MetaData) -> Iterator[Connection]:
    """One write transaction that nobody else can write in, so the emptiness checked in it stays true."""
    dialect = engine.dialect.name
    if dialect == "postgresql":
        with engine.connect() as connection, connection.begin():
            quote = connection.dialect.identifier_preparer.quote
            names = ", ".join(quote(table.name) for table in metadata.sorted_tables)
            # EXCLUSIVE lets readers read but no other transaction write any of the tables until we commit.
            connection.exec_driver_sql(f"LOCK TABLE {names} IN EXCLUSIVE MODE")
            yield connection
        return
    if dialect == "sqlite":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock now, not at the first insert
            try:
                yield connection
            except BaseException:
                connection.exec_driver_sql("ROLLBACK")
                raise
            connection.exec_driver_sql("COMMIT")
        return
    raise NotImplementedError(f"restores into {dialect} databases are not supported")
