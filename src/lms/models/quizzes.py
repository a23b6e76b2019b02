"""Quiz attempts. An attempt keeps the revision and language it was served in, the draw
(which questions, in what order, with their choices in what order), the answers and the
score, so a quiz edited later never changes a past result."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel

from lms.models.base import timestamp_field, timestamp_type


class QuizAttempt(SQLModel, table=True):
    __tablename__ = "quiz_attempt"
    __table_args__ = (
        # One open attempt per learner and module: starting twice resumes the first.
        Index(
            "uq_quiz_attempt_open",
            "user_id",
            "module_id",
            unique=True,
            sqlite_where=text("finished_at IS NULL"),
            postgresql_where=text("finished_at IS NULL"),
        ),
        Index("ix_quiz_attempt_module_id_finished_at", "module_id", "finished_at"),
        Index("ix_quiz_attempt_user_id", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    module_id: int = Field(foreign_key="module.id", ondelete="CASCADE")
    revision_id: int = Field(foreign_key="module_revision.id", ondelete="CASCADE")
    language: str = Field(max_length=8, description="of the questions served")
    draw: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    answers: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    fractions: dict[str, float] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True), description="per question, 0-1"
    )
    score: float | None = Field(default=None, description="0-100, unrounded")
    passed: bool | None = None
    started_at: datetime = timestamp_field()
    finished_at: datetime | None = Field(default=None, sa_type=timestamp_type())
