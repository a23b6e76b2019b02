"""practicum hours, sites, evidence, corrections

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 02:17:03
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# sqlmodel is imported because autogenerate renders its AutoString type.
_ = sqlmodel


def upgrade() -> None:
    op.create_table(
        "practicum_site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("supervisor_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["supervisor_id"],
            ["user_account.id"],
            name=op.f("fk_practicum_site_supervisor_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practicum_site")),
        sa.UniqueConstraint("name", name=op.f("uq_practicum_site_name")),
    )
    op.create_table(
        "hour_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=True),
        sa.Column("end_time", sa.Time(), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("activity", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("question", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_hour_entry_decided_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["practicum_site.id"],
            name=op.f("fk_hour_entry_site_id_practicum_site"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["user_account.id"],
            name=op.f("fk_hour_entry_volunteer_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hour_entry")),
    )
    with op.batch_alter_table("hour_entry", schema=None) as batch_op:
        batch_op.create_index("ix_hour_entry_site_id", ["site_id"], unique=False)
        batch_op.create_index(
            "ix_hour_entry_status_submitted_at", ["status", "submitted_at"], unique=False
        )
        batch_op.create_index(
            "ix_hour_entry_volunteer_id_service_date",
            ["volunteer_id", "service_date"],
            unique=False,
        )

    op.create_table(
        "hour_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("previous", sa.JSON(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_hour_correction_decided_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["hour_entry.id"],
            name=op.f("fk_hour_correction_entry_id_hour_entry"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hour_correction")),
        sa.UniqueConstraint("entry_id", "number", name=op.f("uq_hour_correction_entry_id_number")),
    )
    op.create_table(
        "hour_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("stored_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["hour_entry.id"],
            name=op.f("fk_hour_evidence_entry_id_hour_entry"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hour_evidence")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_hour_evidence_stored_name")),
    )
    with op.batch_alter_table("hour_evidence", schema=None) as batch_op:
        batch_op.create_index("ix_hour_evidence_entry_id", ["entry_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hour_evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_hour_evidence_entry_id")

    op.drop_table("hour_evidence")
    op.drop_table("hour_correction")
    with op.batch_alter_table("hour_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_hour_entry_volunteer_id_service_date")
        batch_op.drop_index("ix_hour_entry_status_submitted_at")
        batch_op.drop_index("ix_hour_entry_site_id")

    op.drop_table("hour_entry")
    op.drop_table("practicum_site")
