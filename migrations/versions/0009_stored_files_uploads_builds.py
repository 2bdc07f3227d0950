"""stored files ledger, idempotency body hash, uploads touched, bundle build heartbeat, housekeeping runs

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_files",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_stored_files")),
    )
    op.create_table(
        "housekeeping_runs",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_housekeeping_runs")),
    )
    with op.batch_alter_table("idempotent_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_sha256", sa.String(length=64), nullable=True))

    # Uploads under way keep their creation time as the last time they were touched.
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("touched_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE uploads SET touched_at = created_at")
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.alter_column("touched_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_index(batch_op.f("ix_uploads_touched_at"), ["touched_at"], unique=False)

    with op.batch_alter_table("bundles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bundles", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("claim_token")

    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_uploads_touched_at"))
        batch_op.drop_column("touched_at")

    with op.batch_alter_table("idempotent_requests", schema=None) as batch_op:
        batch_op.drop_column("body_sha256")

    op.drop_table("housekeeping_runs")
    op.drop_table("stored_files")
