"""Practicum hours (实践考核): placement sites, the service a volunteer logs, the evidence
beside it, and corrections of approved entries.

An entry's ``minutes`` are actual service time in quarter hours (15, 30, …). A decision
is a conditional update on ``status``, so of two deciders at once exactly one wins. An
approved entry is never edited: a correction, once accepted, keeps the entry's previous
values in ``HourCorrection.previous`` and raises the entry's ``version``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from lms.models.base import timestamp_field, timestamp_type

SITE_NAME_MAX = 120
ADDRESS_MAX = 300
DESCRIPTION_MAX = 2000
REASON_MAX = 1000


class HourStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    needs_info = "needs_info"
    approved = "approved"
    rejected = "rejected"


class Activity(StrEnum):
    direct_service = "direct_service"
    group_activity = "group_activity"
    supervision = "supervision"
    training = "training"
    community_work = "community_work"
    other = "other"


class CorrectionStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"


class Site(SQLModel, table=True):
    """A placement: a community centre, a school, a social work station."""

    __tablename__ = "practicum_site"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=SITE_NAME_MAX, unique=True)
    address: str | None = Field(default=None, max_length=ADDRESS_MAX)
    supervisor_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    is_active: bool = Field(default=True)
    created_at: datetime = timestamp_field()


class HourEntry(SQLModel, table=True):
    __tablename__ = "hour_entry"
    __table_args__ = (
        Index("ix_hour_entry_volunteer_id_service_date", "volunteer_id", "service_date"),
        Index("ix_hour_entry_status_submitted_at", "status", "submitted_at"),
        Index("ix_hour_entry_site_id", "site_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    service_date: date
    start_time: time | None = Field(default=None, description="local time, with end_time")
    end_time: time | None = Field(default=None)
    minutes: int = Field(description="service time, a multiple of 15")
    site_id: int = Field(foreign_key="practicum_site.id", ondelete="RESTRICT")
    activity: str = Field(max_length=20)
    description: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=12, default=HourStatus.submitted)
    version: int = Field(default=1, description="raised by every change of the entry")
    question: str | None = Field(
        default=None, max_length=REASON_MAX, description="the last needs-info or reject reason"
    )
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()
    submitted_at: datetime | None = Field(default=None, sa_type=timestamp_type())
    decided_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    decided_at: datetime | None = Field(default=None, sa_type=timestamp_type())


class HourEvidence(SQLModel, table=True):
    """A photo or PDF beside an entry, stored under the data dir with a random name."""

    __tablename__ = "hour_evidence"
    __table_args__ = (Index("ix_hour_evidence_entry_id", "entry_id"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="hour_entry.id", ondelete="CASCADE")
    stored_name: str = Field(max_length=80, unique=True)
    filename: str = Field(max_length=200, description="as uploaded, for the download")
    content_type: str = Field(max_length=40)
    size: int
    uploaded_at: datetime = timestamp_field()


class HourCorrection(SQLModel, table=True):
    """A volunteer's request to change an approved entry, and what became of it."""

    __tablename__ = "hour_correction"
    __table_args__ = (UniqueConstraint("entry_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="hour_entry.id", ondelete="CASCADE")
    number: int = Field(description="1, 2, … per entry")
    reason: str = Field(max_length=REASON_MAX)
    changes: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    previous: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True), description="the entry before"
    )
    status: str = Field(max_length=10, default=CorrectionStatus.pending)
    requested_at: datetime = timestamp_field()
    decided_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    decided_at: datetime | None = Field(default=None, sa_type=timestamp_type())
    decision_reason: str | None = Field(default=None, max_length=REASON_MAX)
