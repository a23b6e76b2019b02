"""What every table shares: one metadata with a naming convention, timezone-aware times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

# Named constraints make migrations reproducible and SQLite batch rebuilds safe.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def timestamp_field(*, index: bool = False) -> Any:
    """A ``timestamptz`` column, now by default; SQLite gives it back naive (``as_utc``)."""
    return Field(
        default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False, index=index
    )


def timestamp_type() -> DateTime:
    """For optional moments: ``Field(default=None, sa_type=timestamp_type())``."""
    return DateTime(timezone=True)


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes for ``timestamptz``; they were stored in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
