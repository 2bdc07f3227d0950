"""campaign lifecycle and the districts a campaign covers

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_districts",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_districts_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_campaign_districts_district_id_districts")
        ),
        sa.PrimaryKeyConstraint("campaign_id", "district_id", name=op.f("pk_campaign_districts")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "state",
                sa.Enum("draft", "open", "closed", name="campaignstate", native_enum=False, length=20),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))

    # Campaigns from before had no states: inspectors worked in them, so they are open, on all nine districts.
    op.execute("UPDATE campaigns SET state = 'open', opened_at = created_at")
    op.execute(
        "INSERT INTO campaign_districts (campaign_id, district_id) "
        "SELECT campaigns.id, districts.id FROM campaigns CROSS JOIN districts"
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.alter_column(
            "state",
            existing_type=sa.Enum("draft", "open", "closed", name="campaignstate", native_enum=False, length=20),
            nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
        batch_op.drop_column("opened_at")
        batch_op.drop_column("state")

    op.drop_table("campaign_districts")
