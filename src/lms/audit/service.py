"""Writing and reading the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.models.audit import AuditEvent

SYSTEM = "system"


class Actor(Protocol):
    id: int | None
    username: str


def entry(
    *,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: int | str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """An event not yet added; for services that write many rows at once (add_all)."""
    return AuditEvent(
        actor_id=actor.id if actor else None,
        actor_name=actor.username if actor else SYSTEM,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
        reason=reason,
    )


async def record_many(session: AsyncSession, entries: Sequence[AuditEvent]) -> None:
    """Many events in one executemany statement (imports, bulk links)."""
    if entries:
        rows = [event.model_dump(exclude={"id"}) for event in entries]
        await session.execute(insert(AuditEvent), rows)


async def record(
    session: AsyncSession,
    *,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: int | str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction: it is kept exactly when the change it
    describes is. ``actor`` None means the system (a CLI run, a background job)."""
    event = entry(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        reason=reason,
    )
    session.add(event)
    await session.flush()
    return event


async def history(
    session: AsyncSession, *, object_type: str, object_id: int | str, limit: int = 200
) -> Sequence[AuditEvent]:
    """One record's latest ``limit`` events, oldest first."""
    query = (
        select(AuditEvent)
        .where(
            col(AuditEvent.object_type) == object_type, col(AuditEvent.object_id) == str(object_id)
        )
        .order_by(col(AuditEvent.id).desc())
        .limit(limit)
    )
    return list(reversed((await session.scalars(query)).all()))
