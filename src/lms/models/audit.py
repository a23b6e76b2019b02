"""The audit log: who did what to which record, and why. Append-only.

Every domain writes here through ``lms.audit.service.record``. The database refuses
UPDATE and DELETE on this table (triggers in the migration), so not even a bug in a
later issue can rewrite history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from lms.models.base import timestamp_field


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_object", "object_type", "object_id"),
        Index("ix_audit_event_actor_id", "actor_id"),
        Index("ix_audit_event_at", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = timestamp_field()
    # No foreign key: the log outlives the accounts it names, so the name is kept too.
    actor_id: int | None = Field(default=None)
    actor_name: str = Field(max_length=150, description="username or 'system'")
    action: str = Field(max_length=80, description="dotted verb, e.g. hours.approve")
    object_type: str = Field(max_length=60)
    object_id: str = Field(max_length=80)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    reason: str | None = Field(default=None, max_length=2000)
