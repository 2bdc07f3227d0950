"""to-do e-mails: users' e-mail addresses, and the items already mailed to each

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 13:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    op.create_table(
        "mailed_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=120), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_mailed_items_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailed_items")),
        sa.UniqueConstraint("user_id", "item_key", name=op.f("uq_mailed_items_user_id")),
    )


def downgrade() -> None:
    op.drop_table("mailed_items")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email")
