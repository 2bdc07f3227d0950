"""keyed audit hashes

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every entry so far was hashed with plain SHA-256: the default says so.
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scheme", sa.String(length=16), server_default="sha256", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_column("scheme")
