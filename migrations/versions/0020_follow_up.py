"""follow-up: inspection kinds, rectification orders, the city's spot-check sample

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 13:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_KINDS = ("own", "recheck", "spot_check")
_CITY_WIDE = "role IN ({}) OR district_id IS NOT NULL"
_ORDER_STATUSES = ("draft", "issued", "escalated", "completed", "retired")


def _one_of_kind(name: str, kind: str) -> None:
    where = sa.text(f"kind = '{kind}'")
    op.create_index(
        name, "inspections", ["station_id", "campaign_id"], unique=True, sqlite_where=where, postgresql_where=where
    )


def upgrade() -> None:
    op.create_table(
        "rectification_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column(
            "status", sa.Enum(*_ORDER_STATUSES, name="orderstatus", native_enum=False, length=20), nullable=False
        ),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("contact_name", sa.String(length=30), nullable=True),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("number", sa.String(length=60), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("notice_key", sa.String(length=120), nullable=True),
        sa.Column("notice_sha256", sa.String(length=64), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("extensions", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_rectification_orders_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_rectification_orders_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_rectification_orders_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_rectification_orders_district_id_districts")
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"], name=op.f("fk_rectification_orders_inspection_id_inspections")
        ),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["users.id"], name=op.f("fk_rectification_orders_inspector_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["users.id"], name=op.f("fk_rectification_orders_issued_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_rectification_orders_station_id_stations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_orders")),
        sa.UniqueConstraint("inspection_id", name=op.f("uq_rectification_orders_inspection_id")),
        sa.UniqueConstraint("number", name=op.f("uq_rectification_orders_number")),
    )
    for column in ("campaign_id", "district_id", "station_id"):
        op.create_index(op.f(f"ix_rectification_orders_{column}"), "rectification_orders", [column])
    op.create_table(
        "spot_check_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("strata", sa.JSON(), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drawn_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_spot_check_samples_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(["drawn_by_id"], ["users.id"], name=op.f("fk_spot_check_samples_drawn_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_check_samples")),
        sa.UniqueConstraint("campaign_id", name=op.f("uq_spot_check_samples_campaign_id")),
    )
    op.create_table(
        "sampled_stations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("rank", sa.String(length=64), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_sampled_stations_district_id_districts")
        ),
        sa.ForeignKeyConstraint(["inspector_id"], ["users.id"], name=op.f("fk_sampled_stations_inspector_id_users")),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["spot_check_samples.id"], name=op.f("fk_sampled_stations_sample_id_spot_check_samples")
        ),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"], name=op.f("fk_sampled_stations_station_id_stations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sampled_stations")),
        sa.UniqueConstraint("sample_id", "station_id", name=op.f("uq_sampled_stations_sample_id")),
    )
    op.create_index(op.f("ix_sampled_stations_inspector_id"), "sampled_stations", ["inspector_id"])
    op.create_index(op.f("ix_sampled_stations_station_id"), "sampled_stations", ["station_id"])
    # The city's own inspectors belong to no 旗区, like the city and the administrators.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_users_district_role"), type_="check")
        batch_op.create_check_constraint("district_role", _CITY_WIDE.format("'city', 'city_inspector', 'admin'"))
    # Every inspection so far is a district's own; the one-a-station-a-campaign rule now holds for those only.
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.Enum(*_KINDS, name="inspectionkind", native_enum=False, length=20),
                server_default="own",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("follows_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("recheck_round", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("item_scope", sa.JSON(), nullable=True))
        batch_op.drop_constraint("uq_inspections_station_id", type_="unique")
        batch_op.create_foreign_key(
            batch_op.f("fk_inspections_follows_id_inspections"), "inspections", ["follows_id"], ["id"]
        )
        batch_op.create_unique_constraint("uq_inspections_recheck_round", ["follows_id", "recheck_round"])
    op.create_index(op.f("ix_inspections_follows_id"), "inspections", ["follows_id"])
    op.create_index("ix_inspections_station_campaign", "inspections", ["station_id", "campaign_id"])
    _one_of_kind("uq_inspections_own", "own")
    _one_of_kind("uq_inspections_spot_check", "spot_check")


def downgrade() -> None:
    # Re-checks and spot checks have no place in the old schema: they go, with what hangs on them.
    follow_ups = "SELECT id FROM inspections WHERE kind <> 'own'"
    op.execute("DELETE FROM rectification_orders")
    for table in ("inspection_answers", "photos", "signatures", "answer_conflicts"):
        op.execute(f"DELETE FROM {table} WHERE inspection_id IN ({follow_ups})")
    op.execute("UPDATE inspections SET follows_id = NULL")
    op.execute("DELETE FROM inspections WHERE kind <> 'own'")
    op.drop_index("uq_inspections_spot_check", table_name="inspections")
    op.drop_index("uq_inspections_own", table_name="inspections")
    op.drop_index("ix_inspections_station_campaign", table_name="inspections")
    op.drop_index(op.f("ix_inspections_follows_id"), table_name="inspections")
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_constraint("uq_inspections_recheck_round", type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_inspections_follows_id_inspections"), type_="foreignkey")
        batch_op.create_unique_constraint("uq_inspections_station_id", ["station_id", "campaign_id"])
        batch_op.drop_column("item_scope")
        batch_op.drop_column("recheck_round")
        batch_op.drop_column("follows_id")
        batch_op.drop_column("kind")
    # City inspectors keep their rows (the audit trail and sign-ins name them): they become inactive city accounts.
    op.execute("UPDATE users SET role = 'city', active = false WHERE role = 'city_inspector'")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_users_district_role"), type_="check")
        batch_op.create_check_constraint("district_role", _CITY_WIDE.format("'city', 'admin'"))
    op.drop_table("sampled_stations")
    op.drop_table("spot_check_samples")
    op.drop_table("rectification_orders")
