"""photo processing state

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 06:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Photos are now read after their upload is answered: every photo so far was read in its request, so ready.
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "state",
                sa.Enum("processing", "ready", "rejected", name="photostate", native_enum=False, length=20),
                server_default="ready",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("rejected_reason", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
        for column in ("perceptual_hash", "display_key", "thumbnail_key", "width", "height"):
            batch_op.alter_column(column, existing_type=_TYPES[column], nullable=True)


_TYPES = {
    "perceptual_hash": sa.String(length=32),
    "display_key": sa.String(length=120),
    "thumbnail_key": sa.String(length=120),
    "width": sa.Integer(),
    "height": sa.Integer(),
}


def downgrade() -> None:
    # Photos never read cannot satisfy the old NOT NULL columns: they go (their originals stay for the sweep).
    op.execute("DELETE FROM photos WHERE state <> 'ready'")
    with op.batch_alter_table("photos", schema=None) as batch_op:
        for column in ("perceptual_hash", "display_key", "thumbnail_key", "width", "height"):
            batch_op.alter_column(column, existing_type=_TYPES[column], nullable=False)
        batch_op.drop_column("queued_at")
        batch_op.drop_column("rejected_reason")
        batch_op.drop_column("state")
