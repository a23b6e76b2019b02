"""quiz data per module text, quiz attempts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 22:14:58.033447
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# sqlmodel is imported because autogenerate renders its AutoString type.
_ = sqlmodel


def upgrade() -> None:
    op.create_table(
        "quiz_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("draw", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=True),
        sa.Column("fractions", sa.JSON(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["module.id"],
            name=op.f("fk_quiz_attempt_module_id_module"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["module_revision.id"],
            name=op.f("fk_quiz_attempt_revision_id_module_revision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_quiz_attempt_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempt")),
    )
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quiz_attempt_module_id_finished_at", ["module_id", "finished_at"], unique=False
        )
        batch_op.create_index("ix_quiz_attempt_user_id", ["user_id"], unique=False)
        batch_op.create_index(
            "uq_quiz_attempt_open",
            ["user_id", "module_id"],
            unique=True,
            sqlite_where=sa.text("finished_at IS NULL"),
            postgresql_where=sa.text("finished_at IS NULL"),
        )

    with op.batch_alter_table("module_text", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quiz_data", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("module_text", schema=None) as batch_op:
        batch_op.drop_column("quiz_data")

    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_quiz_attempt_open",
            sqlite_where=sa.text("finished_at IS NULL"),
            postgresql_where=sa.text("finished_at IS NULL"),
        )
        batch_op.drop_index("ix_quiz_attempt_user_id")
        batch_op.drop_index("ix_quiz_attempt_module_id_finished_at")

    op.drop_table("quiz_attempt")
