"""submissions, demonstration decisions and city reports

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 20:17:08.994684
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "city_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("archive_key", sa.String(length=120), nullable=False),
        sa.Column("archive_sha256", sa.String(length=64), nullable=False),
        sa.Column("archive_size", sa.BigInteger(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_by_id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], name=op.f("fk_city_reports_campaign_id_campaigns")),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["signing_certificates.id"],
            name=op.f("fk_city_reports_certificate_id_signing_certificates"),
        ),
        sa.ForeignKeyConstraint(["signed_by_id"], ["users.id"], name=op.f("fk_city_reports_signed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_reports")),
        sa.UniqueConstraint("campaign_id", "version", name=op.f("uq_city_reports_campaign_id")),
    )
    op.create_table(
        "demonstration_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_demonstration_decisions_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_demonstration_decisions_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_demonstration_decisions_station_id_stations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demonstration_decisions")),
        sa.UniqueConstraint("campaign_id", "station_id", name=op.f("uq_demonstration_decisions_campaign_id")),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("bundle_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "source", sa.Enum("app", "upload", name="submissionsource", native_enum=False, length=20), nullable=False
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by_id", sa.Integer(), nullable=False),
        sa.Column("archive_key", sa.String(length=120), nullable=False),
        sa.Column("archive_sha256", sa.String(length=64), nullable=False),
        sa.Column("archive_size", sa.BigInteger(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("stations", sa.JSON(), nullable=False),
        sa.Column("signer_name", sa.String(length=100), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum("submitted", "returned", "accepted", name="submissionstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("station_reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["bundle_id"], ["bundles.id"], name=op.f("fk_submissions_bundle_id_bundles")),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], name=op.f("fk_submissions_campaign_id_campaigns")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_submissions_decided_by_id_users")),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"], name=op.f("fk_submissions_district_id_districts")),
        sa.ForeignKeyConstraint(["received_by_id"], ["users.id"], name=op.f("fk_submissions_received_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint("district_id", "campaign_id", "version", name=op.f("uq_submissions_district_id")),
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submissions_campaign_id"), ["campaign_id"], unique=False)

    # The city's own certificate belongs to no district.
    with op.batch_alter_table("signing_certificates", schema=None) as batch_op:
        batch_op.alter_column("district_id", existing_type=sa.INTEGER(), nullable=True)
    # A district's signed ZIP with its original photos passes 2 GiB.
    with op.batch_alter_table("bundles", schema=None) as batch_op:
        batch_op.alter_column("archive_size", existing_type=sa.INTEGER(), type_=sa.BigInteger(), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("bundles", schema=None) as batch_op:
        batch_op.alter_column("archive_size", existing_type=sa.BigInteger(), type_=sa.INTEGER(), existing_nullable=True)
    op.drop_table("city_reports")
    op.execute("DELETE FROM signing_certificates WHERE district_id IS NULL")
    with op.batch_alter_table("signing_certificates", schema=None) as batch_op:
        batch_op.alter_column("district_id", existing_type=sa.INTEGER(), nullable=False)

    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissions_campaign_id"))

    op.drop_table("submissions")
    op.drop_table("demonstration_decisions")
