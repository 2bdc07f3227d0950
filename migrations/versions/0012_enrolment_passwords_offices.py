"""certificate enrolment, one-time passwords, offices

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("officer_name", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("officer_phone", sa.String(length=20), nullable=True))

    with op.batch_alter_table("signing_certificates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "revocation_reason",
                sa.Enum("reissued", "admin", name="revocationreason", native_enum=False, length=20),
                nullable=True,
            )
        )
    # Until now only the admin revoked (on the 证书 page or with `flask pki revoke`).
    op.execute("UPDATE signing_certificates SET revocation_reason = 'admin' WHERE revoked_at IS NOT NULL")

    op.create_table(
        "certificate_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("certificate_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["signing_certificates.id"],
            name=op.f("fk_certificate_enrolments_certificate_id_signing_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_certificate_enrolments_requested_by_id_users")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_certificate_enrolments_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_enrolments")),
    )
    with op.batch_alter_table("certificate_enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_enrolments_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("certificate_enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_enrolments_user_id"))

    op.drop_table("certificate_enrolments")
    with op.batch_alter_table("signing_certificates", schema=None) as batch_op:
        batch_op.drop_column("revocation_reason")

    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.drop_column("officer_phone")
        batch_op.drop_column("officer_name")
        batch_op.drop_column("address")

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
        batch_op.drop_column("phone")
