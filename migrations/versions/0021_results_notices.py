"""results notices: the city's 通报 of a campaign, drafted, signed and published

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_STATUSES = ("draft", "signed", "published")


def upgrade() -> None:
    op.create_table(
        "results_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.Enum(*_STATUSES, name="noticestatus", native_enum=False, length=20), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pdf_key", sa.String(length=120), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("certificate_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_results_notices_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["signing_certificates.id"],
            name=op.f("fk_results_notices_certificate_id_signing_certificates"),
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_results_notices_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["users.id"], name=op.f("fk_results_notices_published_by_id_users")
        ),
        sa.ForeignKeyConstraint(["signed_by_id"], ["users.id"], name=op.f("fk_results_notices_signed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_results_notices")),
        sa.UniqueConstraint("campaign_id", "version", name=op.f("uq_results_notices_campaign_id")),
    )
    op.create_index(op.f("ix_results_notices_campaign_id"), "results_notices", ["campaign_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_results_notices_campaign_id"), table_name="results_notices")
    op.drop_table("results_notices")
