"""bundle fingerprints and narrative drafts

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Versions built before have no fingerprint: the page shows them as expired, to be built again.
    with op.batch_alter_table("bundles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("narrative_draft", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("part_digests", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("built_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bundles", schema=None) as batch_op:
        batch_op.drop_column("built_at")
        batch_op.drop_column("part_digests")
        batch_op.drop_column("fingerprint")
        batch_op.drop_column("narrative_draft")
