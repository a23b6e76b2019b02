"""Certificates and what printing them needs: the certificate as issued (never deleted,
only revoked), service-record numbers, print jobs and rate-limit counters.

A job's and a counter's state are rows so that every worker and host agrees on them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from lms.models.base import timestamp_field, timestamp_type


class Certificate(SQLModel, table=True):
    """A level's training certificate. What it printed is kept in ``snapshot`` when it is
    issued, so a reprint years later says what the first print said."""

    __tablename__ = "certificate"
    __table_args__ = (Index("ix_certificate_volunteer_id", "volunteer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    serial: str = Field(max_length=40, unique=True)
    volunteer_id: int = Field(foreign_key="user_account.id", ondelete="RESTRICT")
    pathway: str = Field(max_length=64)
    level: str = Field(max_length=20)
    template: str = Field(max_length=64)
    holder: str = Field(max_length=100, description="the name as printed")
    snapshot: dict[str, Any] = Field(
        sa_column=Column(JSON, nullable=False),
        description="titles, courses with scores, hours, issuer: see certificates.service",
    )
    cohort_id: int | None = Field(default=None, foreign_key="cohort.id", ondelete="SET NULL")
    issued_at: datetime = timestamp_field()
    issued_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    valid_key: str | None = Field(
        default=None,
        max_length=120,
        unique=True,
        description="volunteer:pathway:level while valid, NULL once revoked: one valid each",
    )
    revoked_at: datetime | None = Field(default=None, sa_type=timestamp_type())
    revoked_reason: str | None = Field(default=None, max_length=500)
    revoked_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )


class ServiceRecord(SQLModel, table=True):
    """A printed 志愿服务记录证明: its number, whom it is for, and what it counted."""

    __tablename__ = "service_record"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=40, unique=True)
    volunteer_id: int = Field(foreign_key="user_account.id", ondelete="RESTRICT", index=True)
    minutes: int = Field(description="approved minutes the record counted")
    snapshot: dict[str, Any] = Field(
        sa_column=Column(JSON, nullable=False),
        description="identity, lines by site and category, issuer: what was printed",
    )
    issued_at: datetime = timestamp_field()
    issued_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )


class PrintJob(SQLModel, table=True):
    """A cohort's certificates rendered into one PDF by a process of its own."""

    __tablename__ = "print_job"

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int | None = Field(
        default=None, foreign_key="cohort.id", ondelete="CASCADE", index=True
    )
    requested_by_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    serials: list[str] = Field(sa_column=Column(JSON, nullable=False))
    total: int
    done: int = Field(default=0)
    state: str = Field(max_length=10, default="queued", description="queued running done failed")
    error: str | None = Field(default=None, max_length=500)
    file_name: str | None = Field(default=None, max_length=120, description="under data_dir")
    size: int | None = Field(default=None, description="bytes of the finished file")
    pid: int | None = Field(default=None)
    created_at: datetime = timestamp_field()
    started_at: datetime | None = Field(default=None, sa_type=timestamp_type())
    heartbeat_at: datetime | None = Field(default=None, sa_type=timestamp_type())
    finished_at: datetime | None = Field(default=None, sa_type=timestamp_type())


class RateCounter(SQLModel, table=True):
    """Requests counted per key (an address and what it asked for) per fixed window."""

    __tablename__ = "rate_counter"
    key: str = Field(max_length=120, primary_key=True)
    window: datetime = Field(sa_type=timestamp_type(), primary_key=True)
    count: int = Field(default=0)
