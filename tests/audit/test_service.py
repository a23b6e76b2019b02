from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from lms.audit import service as audit
from lms.models import AuditEvent
from lms.models.base import as_utc


@dataclass
class Person:
    id: int | None
    username: str


async def test_record_and_read_back_in_order(db_session: AsyncSession) -> None:
    coordinator = Person(id=7, username="王老师")
    await audit.record(
        db_session,
        actor=coordinator,
        action="hours.approve",
        object_type="hour_log",
        object_id=42,
        before={"status": "submitted"},
        after={"status": "approved"},
    )
    await audit.record(
        db_session,
        actor=None,
        action="hours.correct",
        object_type="hour_log",
        object_id=42,
        reason="日期填错了，应为 3 月 5 日",
    )
    events = await audit.history(db_session, object_type="hour_log", object_id=42)
    assert [e.action for e in events] == ["hours.approve", "hours.correct"]
    first, second = events
    assert (first.actor_id, first.actor_name) == (7, "王老师")
    assert first.before == {"status": "submitted"} and first.after == {"status": "approved"}
    assert (second.actor_id, second.actor_name) == (None, "system")
    assert second.reason == "日期填错了，应为 3 月 5 日"
    assert as_utc(first.at) <= as_utc(second.at)


async def test_history_is_per_object(db_session: AsyncSession) -> None:
    await audit.record(db_session, actor=None, action="a", object_type="cohort", object_id=1)
    await audit.record(db_session, actor=None, action="b", object_type="cohort", object_id=2)
    assert [
        e.action for e in await audit.history(db_session, object_type="cohort", object_id=1)
    ] == ["a"]


@pytest.mark.parametrize("statement", ["update", "delete"])
async def test_the_database_refuses_to_rewrite_the_log(
    db_session: AsyncSession, statement: str
) -> None:
    event = await audit.record(
        db_session, actor=None, action="x", object_type="t", object_id="immutable"
    )
    change = (
        update(AuditEvent).where(AuditEvent.id == event.id).values(action="forged")
        if statement == "update"
        else delete(AuditEvent).where(AuditEvent.id == event.id)
    )
    savepoint = await db_session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        await db_session.execute(change)
    await savepoint.rollback()
    events = await audit.history(db_session, object_type="t", object_id="immutable")
    assert [e.action for e in events] == ["x"]
