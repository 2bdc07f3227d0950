"""Migration 0010: campaigns from before the lifecycle stay usable (open, on all nine districts)."""

from inspect_app.adapters import migrate
from inspect_app.db import make_engine


def test_a_campaign_from_before_becomes_open_on_all_nine_districts(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "0009")
    engine = make_engine(url)
    with engine.begin() as connection:
        run = connection.exec_driver_sql
        run(
            "INSERT INTO checklist_versions (name, version, content, content_sha256, created_at) "
            "VALUES ('t', '1', '{}', 'x', '2026-01-01 00:00:00')"
        )
        run(
            "INSERT INTO campaigns (name, starts_on, deadline, checklist_version_id, created_at) "
            "VALUES ('2026年度自查验收', '2026-09-01', '2026-12-01', 1, '2026-08-20 00:00:00')"
        )
    engine.dispose()
    migrate.upgrade(url, "0010")
    engine = make_engine(url)
    with engine.connect() as connection:
        state, opened = connection.exec_driver_sql("SELECT state, opened_at FROM campaigns").one()
        covered = connection.exec_driver_sql("SELECT count(*) FROM campaign_districts").scalar()
    engine.dispose()
    assert state == "open" and opened.startswith("2026-08-20") and covered == 9
    migrate.downgrade(url, "0009")  # and back, without the new table
    engine = make_engine(url)
    with engine.connect() as connection:
        tables = {r[0] for r in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
    engine.dispose()
    assert "campaign_districts" not in tables
