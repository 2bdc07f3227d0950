"""The migrations build the schema the models describe, on SQLite and on PostgreSQL."""

from sqlalchemy import inspect, text

from inspect_app.adapters import migrate
from inspect_app.db import make_engine
from inspect_app.domain.directory.districts import DISTRICTS


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
        inspect(engine).get_table_names()
    )
    assert migrate.schema_differences(engine) == []
    engine.dispose()


def test_upgrading_a_database_that_holds_inspections(tmp_path):
    """Batch migrations on SQLite rebuild tables: rows pointing at them must survive."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "0003")
    engine = make_engine(url)
    with engine.begin() as connection:
        run = connection.exec_driver_sql
        run(
            "INSERT INTO checklist_versions (name, version, content, content_sha256, created_at) "
            "VALUES ('t', '1', '{}', 'x', '2026-01-01 00:00:00')"
        )
        run(
            "INSERT INTO campaigns (name, starts_on, deadline, checklist_version_id, created_at) "
            "VALUES ('c', '2026-09-01', '2026-12-01', 1, '2026-01-01 00:00:00')"
        )
        run(
            "INSERT INTO users (username, display_name, role, district_id, password_hash, active, session_version,"
            " created_at) VALUES ('u', 'u', 'inspector', 1, 'h', 1, 1, '2026-01-01 00:00:00')"
        )
        run(
            "INSERT INTO stations (number, name, host_organisation, host_type, district_id, address, staff_full_time,"
            " staff_part_time, is_odr, is_demonstration, status, created_at, updated_at) VALUES ('S1', 's', 'h',"
            " 'mall', 1, 'a', 0, 0, 0, 0, 'registered', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
        run(
            "INSERT INTO inspections (station_id, campaign_id, checklist_version_id, inspector_id, status, started_at,"
            " updated_at, points, maximum, score, failed_critical) VALUES (1, 1, 1, 1, 'submitted',"
            " '2026-01-01 00:00:00', '2026-01-01 00:00:00', 8, 100, 8.0, '[]')"
        )
        run(
            "INSERT INTO inspection_answers (inspection_id, item_code, verdict, version, updated_at, updated_by_id)"
            " VALUES (1, 'A1', 'pass', 1, '2026-01-01 00:00:00', 1)"
        )
    engine.dispose()
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT status, recommended_demonstration FROM inspections").one()
        answers = connection.exec_driver_sql("SELECT count(*) FROM inspection_answers").scalar()
    engine.dispose()
    assert tuple(row) == ("submitted", 0) and answers == 1


def test_going_back_before_the_follow_up_keeps_city_inspectors_as_inactive_city_accounts(tmp_path):
    """Their audit entries and sign-ins name them: they stay, inactive, as the role the old schema knows."""
    url = f"sqlite:///{tmp_path / 'f.sqlite3'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        run = connection.exec_driver_sql
        run(
            "INSERT INTO users (username, display_name, role, password_hash, active, must_change_password,"
            " created_at) VALUES ('ci', 'ci', 'city_inspector', 'h', 1, 0, '2026-01-01 00:00:00')"
        )
        user_id = run("SELECT id FROM users WHERE username = 'ci'").scalar()
        run(
            "INSERT INTO audit_entries (seq, at, user_id, action, target_type, details, prev_hash, hash, scheme)"
            f" VALUES (1, '2026-01-01 00:00:00', {user_id}, 'sign_in', 'user', '{{}}', 'x', 'y', 'sha256')"
        )
    engine.dispose()
    migrate.downgrade(url, "0019")
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT role, active FROM users WHERE username = 'ci'").one() == ("city", 0)
        assert connection.exec_driver_sql("SELECT count(*) FROM audit_entries").scalar() == 1
    engine.dispose()
