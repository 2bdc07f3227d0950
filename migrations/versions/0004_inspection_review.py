"""inspection review

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 07:35:38.144632
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reviewed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("return_comment", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("recommended_demonstration", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_inspections_reviewed_by_id_users"), "users", ["reviewed_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_inspections_reviewed_by_id_users"), type_="foreignkey")
        batch_op.drop_column("recommended_demonstration")
        batch_op.drop_column("return_comment")
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("reviewed_by_id")
