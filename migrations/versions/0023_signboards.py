"""signboards: station staff, the responsible officer's portrait and overrides, plaques, the plaque found on site

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 16:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plaques",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("short_code", sa.String(length=8), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "withdrawn_reason",
            sa.Enum("reissued", "retired", name="plaquewithdrawal", native_enum=False, length=20),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"], name=op.f("fk_plaques_issued_by_id_users")),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"], name=op.f("fk_plaques_station_id_stations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plaques")),
        sa.UniqueConstraint("short_code", name=op.f("uq_plaques_short_code")),
        sa.UniqueConstraint("token", name=op.f("uq_plaques_token")),
    )
    with op.batch_alter_table("plaques", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plaques_station_id"), ["station_id"], unique=False)
        batch_op.create_index(
            "uq_plaques_current",
            ["station_id"],
            unique=True,
            sqlite_where=sa.text("withdrawn_at IS NULL"),
            postgresql_where=sa.text("withdrawn_at IS NULL"),
        )

    op.create_table(
        "station_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("duty", sa.String(length=30), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("photo_key", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"], name=op.f("fk_station_staff_station_id_stations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_staff")),
    )
    with op.batch_alter_table("station_staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_station_staff_station_id"), ["station_id"], unique=False)

    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plaque_code", sa.String(length=80), nullable=True))
        batch_op.add_column(
            sa.Column(
                "plaque_finding",
                sa.Enum(
                    "current",
                    "withdrawn",
                    "other_station",
                    "unknown",
                    name="plaquefinding",
                    native_enum=False,
                    length=20,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("plaque_checked_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("officer_photo_key", sa.String(length=120), nullable=True))

    with op.batch_alter_table("stations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("officer_name", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("officer_phone", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("officer_photo_key", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stations", schema=None) as batch_op:
        batch_op.drop_column("officer_photo_key")
        batch_op.drop_column("officer_phone")
        batch_op.drop_column("officer_name")

    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.drop_column("officer_photo_key")

    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_column("plaque_checked_at")
        batch_op.drop_column("plaque_finding")
        batch_op.drop_column("plaque_code")

    with op.batch_alter_table("station_staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_station_staff_station_id"))

    op.drop_table("station_staff")
    with op.batch_alter_table("plaques", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_plaques_current",
            sqlite_where=sa.text("withdrawn_at IS NULL"),
            postgresql_where=sa.text("withdrawn_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_plaques_station_id"))

    op.drop_table("plaques")
