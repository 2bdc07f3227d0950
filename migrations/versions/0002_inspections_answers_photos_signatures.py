"""inspections answers photos signatures

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 06:42:49.460223
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("checklist_version_id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("in_progress", "submitted", "returned", name="inspectionstatus", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("maximum", sa.Integer(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum("rectify", "pass", "demonstration_eligible", name="outcome", native_enum=False, length=30),
            nullable=True,
        ),
        sa.Column("failed_critical", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], name=op.f("fk_inspections_campaign_id_campaigns")),
        sa.ForeignKeyConstraint(
            ["checklist_version_id"],
            ["checklist_versions.id"],
            name=op.f("fk_inspections_checklist_version_id_checklist_versions"),
        ),
        sa.ForeignKeyConstraint(["inspector_id"], ["users.id"], name=op.f("fk_inspections_inspector_id_users")),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"], name=op.f("fk_inspections_station_id_stations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
        sa.UniqueConstraint("station_id", "campaign_id", name=op.f("uq_inspections_station_id")),
    )
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspections_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspections_inspector_id"), ["inspector_id"], unique=False)

    op.create_table(
        "inspection_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=20), nullable=False),
        sa.Column(
            "verdict", sa.Enum("pass", "fail", "na", name="verdict", native_enum=False, length=30), nullable=False
        ),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_inspection_answers_inspection_id_inspections")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_inspection_answers_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_answers")),
        sa.UniqueConstraint("inspection_id", "item_code", name=op.f("uq_inspection_answers_inspection_id")),
    )
    op.create_table(
        "photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.String(length=30), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("perceptual_hash", sa.String(length=32), nullable=False),
        sa.Column("original_key", sa.String(length=120), nullable=False),
        sa.Column("display_key", sa.String(length=120), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=120), nullable=False),
        sa.Column("mime", sa.String(length=30), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("exif_latitude", sa.Double(), nullable=True),
        sa.Column("exif_longitude", sa.Double(), nullable=True),
        sa.Column("exif_taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exif_taken_at_local", sa.String(length=20), nullable=True),
        sa.Column("exif_offset", sa.String(length=8), nullable=True),
        sa.Column("camera_make", sa.String(length=60), nullable=True),
        sa.Column("camera_model", sa.String(length=60), nullable=True),
        sa.Column("orientation", sa.Integer(), nullable=True),
        sa.Column("exif_unreadable", sa.Boolean(), nullable=False),
        sa.Column("browser_latitude", sa.Double(), nullable=True),
        sa.Column("browser_longitude", sa.Double(), nullable=True),
        sa.Column("browser_accuracy_m", sa.Double(), nullable=True),
        sa.Column("browser_taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_photos_inspection_id_inspections")
        ),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_photos_uploaded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photos")),
        sa.UniqueConstraint("inspection_id", "sha256", name=op.f("uq_photos_inspection_id")),
    )
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_photos_sha256"), ["sha256"], unique=False)

    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("representative", "inspector", name="signaturerole", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("signer_name", sa.String(length=30), nullable=False),
        sa.Column("image_key", sa.String(length=120), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_signatures_inspection_id_inspections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signatures")),
        sa.UniqueConstraint("inspection_id", "role", name=op.f("uq_signatures_inspection_id")),
    )


def downgrade() -> None:
    op.drop_table("signatures")
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photos_sha256"))

    op.drop_table("photos")
    op.drop_table("inspection_answers")
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspections_inspector_id"))
        batch_op.drop_index(batch_op.f("ix_inspections_campaign_id"))

    op.drop_table("inspections")
