"""signing PIN attempts per certificate

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signing_pin_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["signing_certificates.id"],
            name=op.f("fk_signing_pin_failures_certificate_id_signing_certificates"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_signing_pin_failures_user_id_users")),
        sa.ForeignKeyConstraint(
            ["cleared_by_id"], ["users.id"], name=op.f("fk_signing_pin_failures_cleared_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_pin_failures")),
    )
    with op.batch_alter_table("signing_pin_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signing_pin_failures_certificate_id"), ["certificate_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("signing_pin_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signing_pin_failures_certificate_id"))
    op.drop_table("signing_pin_failures")
