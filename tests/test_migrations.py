"""The migrations build the schema the models describe, on SQLite and on PostgreSQL."""

from sqlalchemy import inspect, text

from inspect_app import migrate
from inspect_app.db import make_engine
from inspect_app.domain.districts import DISTRICTS


def test_models_and_migrations_agree(database_url):
    engine = make_engine(database_url)
    try:
        assert migrate.schema_differences(engine) == []
        assert migrate.current_revision(engine) is not None
    finally:
        engine.dispose()


def test_the_migration_seeds_the_nine_districts(database_url):
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT code, name, seat_latitude FROM districts ORDER BY code")).all()
    engine.dispose()
    assert [(r.code, r.name, r.seat_latitude) for r in rows] == [(d.code, d.name, d.latitude) for d in DISTRICTS]


def test_downgrade_and_upgrade_again_on_a_fresh_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    engine = make_engine(url)
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    engine.dispose()
    migrate.upgrade(url)
    engine = make_engine(url)
    assert {"stations", "users", "districts", "campaigns", "checklist_versions", "offices"} <= set(
        inspect(engine).get_table_names())
    assert migrate.schema_differences(engine) == []
    engine.dispose()
