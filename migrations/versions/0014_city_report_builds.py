"""city report builds and previews

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


NULLABLE_ONCE_SIGNED = [
    ("archive_key", sa.String(length=120)),
    ("archive_sha256", sa.String(length=64)),
    ("archive_size", sa.BigInteger()),
    ("signed_at", sa.DateTime(timezone=True)),
    ("signed_by_id", sa.Integer()),
    ("certificate_id", sa.Integer()),
]


def upgrade() -> None:
    # Every existing row is a signed version: it migrates as signed (the server default fills it, then goes).
    with op.batch_alter_table("city_reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status",
                sa.Enum(
                    "building",
                    "ready",
                    "signed",
                    "stale",
                    "failed",
                    name="cityreportstatus",
                    native_enum=False,
                    length=20,
                ),
                nullable=False,
                server_default="signed",
            )
        )
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("generated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("preview_key", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("contents", sa.JSON(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_city_reports_created_by_id_users"), "users", ["created_by_id"], ["id"]
        )
        for name, type_ in NULLABLE_ONCE_SIGNED:
            batch_op.alter_column(name, existing_type=type_, nullable=True)
    op.execute("UPDATE city_reports SET created_by_id = signed_by_id, generated_at = signed_at")
    with op.batch_alter_table("city_reports", schema=None) as batch_op:
        batch_op.alter_column("status", existing_type=sa.String(length=20), server_default=None)


def downgrade() -> None:
    # Unsigned versions (previews) have no place in the old table: they go, their previews are swept later.
    op.execute("DELETE FROM city_reports WHERE status <> 'signed'")
    with op.batch_alter_table("city_reports", schema=None) as batch_op:
        for name, type_ in NULLABLE_ONCE_SIGNED:
            batch_op.alter_column(name, existing_type=type_, nullable=False)
        batch_op.drop_constraint(batch_op.f("fk_city_reports_created_by_id_users"), type_="foreignkey")
        for name in (
            "contents",
            "fingerprint",
            "preview_key",
            "generated_at",
            "created_by_id",
            "claimed_at",
            "claim_token",
            "error",
            "status",
        ):
            batch_op.drop_column(name)
