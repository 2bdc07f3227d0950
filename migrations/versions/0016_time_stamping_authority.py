"""the city's time-stamping authority

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("certificate_authorities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tsa_certificate_pem", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("tsa_encrypted_key_pem", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("certificate_authorities", schema=None) as batch_op:
        batch_op.drop_column("tsa_encrypted_key_pem")
        batch_op.drop_column("tsa_certificate_pem")
