"""courses, modules, revisions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# sqlmodel is imported because autogenerate renders its AutoString type.
_ = sqlmodel


def upgrade() -> None:

    op.create_table(
        "course",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("intro_html", sa.JSON(), nullable=False),
        sa.Column("source_digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course")),
        sa.UniqueConstraint("slug", name=op.f("uq_course_slug")),
    )
    op.create_table(
        "module",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("stem", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("current_revision", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_module_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module")),
        sa.UniqueConstraint("course_id", "stem", name=op.f("uq_module_course_id_stem")),
    )
    op.create_table(
        "module_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("file_digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["module.id"],
            name=op.f("fk_module_revision_module_id_module"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_revision")),
        sa.UniqueConstraint(
            "module_id", "revision", name=op.f("uq_module_revision_module_id_revision")
        ),
    )
    op.create_table(
        "module_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("quiz", sa.Text(), nullable=True),
        sa.Column("quiz_line", sa.Integer(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["module_revision.id"],
            name=op.f("fk_module_text_revision_id_module_revision"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_text")),
        sa.UniqueConstraint(
            "revision_id", "language", name=op.f("uq_module_text_revision_id_language")
        ),
    )
    with op.batch_alter_table("module_text", schema=None) as batch_op:
        batch_op.create_index("ix_module_text_revision_id", ["revision_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("module_text", schema=None) as batch_op:
        batch_op.drop_index("ix_module_text_revision_id")

    op.drop_table("module_text")
    op.drop_table("module_revision")
    op.drop_table("module")
    op.drop_table("course")
