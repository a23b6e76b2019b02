"""What people record along a pathway: a supervisor's evaluation of a volunteer for a
level, and a coordinator's referral of a volunteer to a partner organisation.
Eligibility itself is never stored: it is computed from the records (lms.pathways)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from lms.models.base import timestamp_field, timestamp_type


class Evaluation(SQLModel, table=True):
    """A supervisor's structured evaluation, as written: never edited; a later one for the
    same volunteer and level is what counts."""

    __tablename__ = "pathway_evaluation"
    __table_args__ = (Index("ix_pathway_evaluation_volunteer_id", "volunteer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    pathway: str = Field(max_length=64)
    level: str = Field(max_length=20)
    evaluator_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    capacity: str = Field(max_length=12, description="trainer (of a cohort) or supervisor")
    ratings: list[dict[str, Any]] = Field(
        sa_column=Column(JSON, nullable=False),
        description="[{criterion, rating 1-4, comment}] in the pathway file's order",
    )
    passed: bool
    comment: str | None = Field(default=None, max_length=2000)
    created_at: datetime = timestamp_field()


class Referral(SQLModel, table=True):
    """A volunteer recommended or placed with a partner organisation (推荐)."""

    __tablename__ = "referral"
    __table_args__ = (Index("ix_referral_volunteer_id", "volunteer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    cohort_id: int = Field(foreign_key="cohort.id", ondelete="CASCADE")
    organisation: str = Field(max_length=120)
    role: str = Field(max_length=120)
    referred_on: date
    outcome: str = Field(max_length=10, description="pending, placed or declined")
    note: str | None = Field(default=None, max_length=1000)
    created_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    created_at: datetime = timestamp_field()
    updated_at: datetime | None = Field(default=None, sa_type=timestamp_type())
