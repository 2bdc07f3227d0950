"""sign-in sessions kept on the server, sign-in counters shared by every worker

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 06:34:03.558086
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_sha256", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_entries")),
    )
    with op.batch_alter_table("rate_limit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_limit_entries_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_rate_limit_entries_key_sha256"), ["key_sha256"], unique=False)

    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_user_sessions_token_sha256")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)

    # The per-user version the old cookies carried: sessions now end row by row in user_sessions. Cookies
    # signed before this revision name no row, so everyone signs in once more after the upgrade.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.INTEGER(), nullable=False, server_default="1"))

    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))

    op.drop_table("user_sessions")
    with op.batch_alter_table("rate_limit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_limit_entries_key_sha256"))
        batch_op.drop_index(batch_op.f("ix_rate_limit_entries_expires_at"))

    op.drop_table("rate_limit_entries")
