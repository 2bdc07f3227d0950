"""checklist drafts edited in the app

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 08:00:00
"""

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

versions = sa.table(
    "checklist_versions",
    sa.column("id", sa.Integer()),
    sa.column("content", sa.JSON()),
    sa.column("content_sha256", sa.String(64)),
)


def _text(value):
    return value.strip() if isinstance(value, str) else value


def _canonical(content):
    """The template with every default spelled out, as domain.checklist.canonical_data wrote it at 0011.

    A copy, so that this migration does the same whatever the app's code later becomes (migrations import
    nothing of the app). Stored versions were validated when loaded, so their fields are all there.
    """
    return {
        "name": _text(content["name"]),
        "version": _text(content["version"]),
        "total_points": content["total_points"],
        "photo_slots": [{"code": _text(s["code"]), "label": _text(s["label"])} for s in content["photo_slots"]],
        "outcome_bands": sorted(
            ({"min_score": b["min_score"], "outcome": b["outcome"]} for b in content["outcome_bands"]),
            key=lambda b: b["min_score"],
            reverse=True,
        ),
        "sections": [
            {
                "code": _text(s["code"]),
                "title": _text(s["title"]),
                "items": [
                    {
                        "code": _text(i["code"]),
                        "text": _text(i["text"]),
                        "guidance": _text(i.get("guidance") or ""),
                        "points": i["points"],
                        "scoring": i.get("scoring") or "pass_fail",
                        "critical": i.get("critical") or False,
                        "na_allowed": i.get("na_allowed") or False,
                        "photos": [
                            {"slot": _text(p["slot"]), "required": p.get("required") or False}
                            for p in i.get("photos") or []
                        ],
                        "levels": [
                            {"points": lv["points"], "label": _text(lv["label"])} for lv in i.get("levels") or []
                        ],
                    }
                    for i in s["items"]
                ],
            }
            for s in content["sections"]
        ],
    }


def _digest(data):
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("checklist_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("based_on_id", sa.Integer(), nullable=True))
        batch_op.alter_column("name", existing_type=sa.String(length=100), nullable=True)
        batch_op.alter_column("version", existing_type=sa.String(length=40), nullable=True)
        batch_op.alter_column("content_sha256", existing_type=sa.String(length=64), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_checklist_versions_based_on_id_checklist_versions"),
            "checklist_versions",
            ["based_on_id"],
            ["id"],
        )
    # Every version stored so far was loaded to be used: published when it was loaded.
    op.execute("UPDATE checklist_versions SET updated_at = created_at, published_at = created_at")
    with op.batch_alter_table("checklist_versions", schema=None) as batch_op:
        batch_op.alter_column("updated_at", existing_type=sa.DateTime(timezone=True), nullable=False)
    # Versions are now stored and told apart in their canonical form, so that an exported and re-imported
    # version is found to be the same one. The content means exactly what it meant: only defaults spelled out.
    connection = op.get_bind()
    for row in connection.execute(sa.select(versions.c.id, versions.c.content)).all():
        content = row.content if isinstance(row.content, dict) else json.loads(row.content)
        try:
            canonical = _canonical(content)
        except (KeyError, TypeError, AttributeError):
            continue  # not a template this migration knows: left as it was
        connection.execute(
            versions.update()
            .where(versions.c.id == row.id)
            .values(content=canonical, content_sha256=_digest(canonical))
        )


def downgrade() -> None:
    # Drafts have no place before 0011: they go; published versions stay, in their canonical form.
    op.execute("DELETE FROM checklist_versions WHERE published_at IS NULL")
    with op.batch_alter_table("checklist_versions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_checklist_versions_based_on_id_checklist_versions"), type_="foreignkey")
        batch_op.alter_column("content_sha256", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("version", existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column("name", existing_type=sa.String(length=100), nullable=False)
        batch_op.drop_column("based_on_id")
        batch_op.drop_column("published_at")
        batch_op.drop_column("updated_at")
