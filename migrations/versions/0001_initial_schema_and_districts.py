"""initial schema and the nine districts

Revision ID: 0001
Revises:
Create Date: 2026-11-22 06:27:40.179800
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The nine 旗区 of 鄂尔多斯市 (national division code, name, seat, seat position), frozen here.
NINE_DISTRICTS = [
    ("150602", "东胜区", "东胜城区", 39.82, 109.96),
    ("150603", "康巴什区", "康巴什", 39.61, 109.78),
    ("150621", "达拉特旗", "树林召镇", 40.40, 110.04),
    ("150622", "准格尔旗", "薛家湾镇", 39.87, 111.23),
    ("150623", "鄂托克前旗", "敖勒召其镇", 38.18, 107.48),
    ("150624", "鄂托克旗", "乌兰镇", 39.10, 107.98),
    ("150625", "杭锦旗", "锡尼镇", 39.83, 108.74),
    ("150626", "乌审旗", "嘎鲁图镇", 38.60, 108.84),
    ("150627", "伊金霍洛旗", "阿勒腾席热镇", 39.56, 109.74),
]


def upgrade() -> None:
    op.create_table(
        "checklist_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_versions")),
        sa.UniqueConstraint("content_sha256", name=op.f("uq_checklist_versions_content_sha256")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_checklist_versions_name")),
    )
    op.create_table(
        "districts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("seat", sa.String(length=40), nullable=False),
        sa.Column("seat_latitude", sa.Double(), nullable=False),
        sa.Column("seat_longitude", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_districts")),
        sa.UniqueConstraint("code", name=op.f("uq_districts_code")),
        sa.UniqueConstraint("name", name=op.f("uq_districts_name")),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("checklist_version_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["checklist_version_id"],
            ["checklist_versions.id"],
            name=op.f("fk_campaigns_checklist_version_id_checklist_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("name", name=op.f("uq_campaigns_name")),
    )
    op.create_table(
        "offices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"], name=op.f("fk_offices_district_id_districts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offices")),
        sa.UniqueConstraint("district_id", "name", name=op.f("uq_offices_district_id")),
    )
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offices_district_id"), ["district_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("display_name", sa.String(length=40), nullable=False),
        sa.Column(
            "role",
            sa.Enum("inspector", "leader", "city", "admin", name="role", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('city', 'admin') OR district_id IS NOT NULL", name=op.f("ck_users_district_role")),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"], name=op.f("fk_users_district_id_districts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_district_id"), ["district_id"], unique=False)

    op.create_table(
        "stations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("host_organisation", sa.String(length=100), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column(
            "host_type",
            sa.Enum(
                "mall",
                "supermarket",
                "market",
                "enterprise",
                "scenic_area",
                "other",
                name="hosttype",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("head_name", sa.String(length=30), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("staff_full_time", sa.Integer(), nullable=False),
        sa.Column("staff_part_time", sa.Integer(), nullable=False),
        sa.Column("established_on", sa.Date(), nullable=True),
        sa.Column("is_odr", sa.Boolean(), nullable=False),
        sa.Column("is_demonstration", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("registered", "rectifying", "retired", name="stationstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"], name=op.f("fk_stations_district_id_districts")),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"], name=op.f("fk_stations_office_id_offices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stations")),
        sa.UniqueConstraint("number", name=op.f("uq_stations_number")),
    )
    with op.batch_alter_table("stations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stations_credit_code"), ["credit_code"], unique=False)
        batch_op.create_index("ix_stations_district_status", ["district_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_stations_host_type"), ["host_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_stations_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_stations_office_id"), ["office_id"], unique=False)

    districts = sa.table(
        "districts",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("seat", sa.String),
        sa.column("seat_latitude", sa.Double),
        sa.column("seat_longitude", sa.Double),
    )
    op.bulk_insert(
        districts,
        [
            {"code": code, "name": name, "seat": seat, "seat_latitude": lat, "seat_longitude": lon}
            for code, name, seat, lat, lon in NINE_DISTRICTS
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("stations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stations_office_id"))
        batch_op.drop_index(batch_op.f("ix_stations_name"))
        batch_op.drop_index(batch_op.f("ix_stations_host_type"))
        batch_op.drop_index("ix_stations_district_status")
        batch_op.drop_index(batch_op.f("ix_stations_credit_code"))

    op.drop_table("stations")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_district_id"))

    op.drop_table("users")
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offices_district_id"))

    op.drop_table("offices")
    op.drop_table("campaigns")
    op.drop_table("districts")
    op.drop_table("checklist_versions")
