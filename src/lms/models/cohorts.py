"""Cohorts: a group of volunteers following a pathway, with its trainers and coordinators."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from lms.models.base import timestamp_field

COHORT_CODE_MAX = 40


class Cohort(SQLModel, table=True):
    __tablename__ = "cohort"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=COHORT_CODE_MAX, unique=True, description="e.g. QH-2026-SPRING")
    name: str = Field(max_length=120)
    pathway: str | None = Field(default=None, max_length=80, description="a pathway slug")
    invite_code: str = Field(
        max_length=16, unique=True, description="random; for self-registration"
    )
    invite_open: bool = Field(default=True)
    invite_max_uses: int | None = Field(default=None, description="None: no limit")
    invite_uses: int = Field(default=0)
    created_at: datetime = timestamp_field()


class CohortMember(SQLModel, table=True):
    """A user in a cohort, as a volunteer (learner) or as one of its trainers or
    coordinators."""

    __tablename__ = "cohort_member"
    __table_args__ = (
        UniqueConstraint("cohort_id", "user_id"),
        Index("ix_cohort_member_user_id", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    role: str = Field(max_length=20, description="volunteer, trainer or coordinator")
    joined_at: datetime = timestamp_field()
