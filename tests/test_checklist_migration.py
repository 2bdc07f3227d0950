"""Migration 0011: versions from before drafts are published, stored and told apart in their canonical form."""

import hashlib
import json

from inspect_app.adapters import migrate
from inspect_app.db import make_engine
from inspect_app.demo.seed import default_template
from inspect_app.domain.checklists.checklist import canonical_data, content_digest, parse_template


def test_versions_from_before_are_published_in_the_canonical_form_and_drafts_go_on_the_way_down(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "0010")
    raw = default_template()  # as `flask checklist load` stored it: defaults left out
    text = json.dumps(raw, ensure_ascii=False)
    engine = make_engine(url)
    with engine.begin() as connection:
        run = connection.exec_driver_sql
        run(
            "INSERT INTO checklist_versions (name, version, content, content_sha256, created_at) "
            "VALUES (?, ?, ?, ?, '2026-08-01 00:00:00')",
            (raw["name"], raw["version"], text, hashlib.sha256(text.encode()).hexdigest()),
        )
        run(
            "INSERT INTO checklist_versions (name, version, content, content_sha256, created_at) "
            "VALUES ('odd', '1', '{}', 'x', '2026-08-02 00:00:00')"
        )  # no template: left as it was
    engine.dispose()
    migrate.upgrade(url, "0011")
    engine = make_engine(url)
    with engine.begin() as connection:
        rows = connection.exec_driver_sql(
            "SELECT content, content_sha256, published_at, updated_at FROM checklist_versions ORDER BY id"
        ).all()
        connection.exec_driver_sql(
            "INSERT INTO checklist_versions (content, created_at, updated_at, based_on_id) "
            "VALUES ('{}', '2026-12-01 00:00:00', '2026-12-01 00:00:00', 1)"
        )
    engine.dispose()
    canonical = canonical_data(parse_template(raw))
    assert json.loads(rows[0][0]) == canonical and rows[0][1] == content_digest(canonical)
    assert rows[0][2].startswith("2026-08-01") and rows[0][3].startswith("2026-08-01")
    assert (json.loads(rows[1][0]), rows[1][1]) == ({}, "x") and rows[1][2].startswith("2026-08-02")
    migrate.downgrade(url, "0010")
    engine = make_engine(url)
    with engine.connect() as connection:
        left = connection.exec_driver_sql("SELECT count(*) FROM checklist_versions").scalar()
        columns = {r[1] for r in connection.exec_driver_sql("PRAGMA table_info(checklist_versions)")}
    engine.dispose()
    assert left == 2 and "published_at" not in columns
