"""The database layer: SQLite pragmas, immediate write transactions, the rollback
fixture, and the session that commits before the response is sent."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from lms.app import create_app
from lms.audit import service as audit
from lms.config import Settings
from lms.db import Database, create_engine_for
from lms.models import AuditEvent
from lms.web.deps import SessionDep
from tests.support import BACKEND

sqlite_only = pytest.mark.sqlite_only


@sqlite_only
async def test_sqlite_connection_settings(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        assert await connection.scalar(text("PRAGMA journal_mode")) == "wal"
        assert await connection.scalar(text("PRAGMA foreign_keys")) == 1
        assert await connection.scalar(text("PRAGMA busy_timeout")) == 5000


@sqlite_only
async def test_writers_queue_instead_of_failing(settings: Settings, database_url: str) -> None:
    """Two write transactions at once: the second waits for the first (BEGIN IMMEDIATE
    plus busy timeout) and both commit; neither gets 'database is locked'."""
    database = Database(create_engine_for(settings, database_url))
    order: list[str] = []

    async def writer(name: str, hold: float) -> None:
        async with database.session(write=True) as session:
            await audit.record(
                session, actor=None, action="test.write", object_type="t", object_id=name
            )
            order.append(f"{name} wrote")
            await asyncio.sleep(hold)
            await session.commit()
            order.append(f"{name} committed")

    try:
        first = asyncio.create_task(writer("a", 0.3))
        await asyncio.sleep(0.05)
        await writer("b", 0)
        await first
    finally:
        await database.dispose()
    assert order == ["a wrote", "a committed", "b wrote", "b committed"]


@sqlite_only
async def test_two_app_instances_share_the_write_gate(
    settings: Settings, database_url: str
) -> None:
    """Two workers (two engines on one database file): a writer of the second waits at
    the gate (the flock beside the database) while the first holds it, then goes on at
    once when it is released; no "database is locked", no polling with pauses."""
    first = Database(create_engine_for(settings, database_url))
    second = Database(create_engine_for(settings, database_url))
    assert first.gate is not None and second.gate is not None
    assert first.gate.path == second.gate.path
    order: list[str] = []
    released_at = 0.0
    loop = asyncio.get_running_loop()

    async def hold() -> None:
        nonlocal released_at
        async with first.session(write=True) as session:
            await audit.record(
                session, actor=None, action="test.gate", object_type="t", object_id="a"
            )
            order.append("a in")
            await asyncio.sleep(0.4)
            await session.commit()
            order.append("a out")
        released_at = loop.time()

    try:
        holding = asyncio.create_task(hold())
        await asyncio.sleep(0.1)
        async with second.session(write=True) as session:
            entered_at = loop.time()
            order.append("b in")
            await audit.record(
                session, actor=None, action="test.gate", object_type="t", object_id="b"
            )
            await session.commit()
        await holding
    finally:
        await first.dispose()
        await second.dispose()
    assert order == ["a in", "a out", "b in"]
    assert entered_at - released_at < 0.05  # woken by the kernel, not by a busy-handler retry


@sqlite_only
async def test_readers_do_not_wait_for_a_writer(settings: Settings, database_url: str) -> None:
    """WAL: while a writer holds the write lock, a reader gets the last committed state
    at once (it neither waits for the lock nor sees the uncommitted row)."""
    database = Database(create_engine_for(settings, database_url))
    marker = "held-by-writer"
    try:
        async with database.session(write=True) as writer:
            await audit.record(
                writer, actor=None, action="test.hold", object_type="t", object_id=marker
            )
            async with database.session(write=False) as reader:
                started = asyncio.get_running_loop().time()
                seen = await asyncio.wait_for(_count(reader, marker), timeout=4)
                waited = asyncio.get_running_loop().time() - started
            await writer.rollback()
    finally:
        await database.dispose()
    assert seen == 0
    assert waited < 4  # the busy timeout is 5 s: a reader that queued would hit wait_for


async def test_fixture_rolls_back_between_tests_part_one(db_session: AsyncSession) -> None:
    await audit.record(
        db_session, actor=None, action="fixture.check", object_type="t", object_id="rollback"
    )
    await db_session.commit()  # releases a savepoint only
    assert await _count(db_session, "rollback") == 1


async def test_fixture_rolls_back_between_tests_part_two(db_session: AsyncSession) -> None:
    assert await _count(db_session, "rollback") == 0


async def _count(session: AsyncSession, object_id: str) -> int:
    query = select(func.count()).select_from(AuditEvent).where(AuditEvent.object_id == object_id)
    return int(await session.scalar(query) or 0)


def _app_with_a_writing_route(settings: Settings, engine: AsyncEngine) -> FastAPI:
    app = create_app(settings, database=Database(engine))

    @app.post("/test-write/{marker}")
    async def write(marker: str, session: SessionDep) -> dict[str, str]:
        await audit.record(
            session, actor=None, action="test.commit", object_type="t", object_id=marker
        )
        return {"written": marker}

    return app


async def test_a_request_commits_its_writes(settings: Settings, engine: AsyncEngine) -> None:
    app = _app_with_a_writing_route(settings, engine)
    marker = f"ok-{BACKEND}-{id(app)}"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.post(f"/test-write/{marker}")
    assert response.status_code == 200
    async with AsyncSession(engine) as fresh:  # another connection sees it at once
        assert await _count(fresh, marker) == 1


async def test_failed_commit_is_a_500_and_nothing_is_written(
    settings: Settings, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app_with_a_writing_route(settings, engine)

    async def broken_commit(self: AsyncSession) -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(AsyncSession, "commit", broken_commit)
    marker = f"fail-{BACKEND}-{id(app)}"
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post(f"/test-write/{marker}", headers={"Accept-Language": "en"})
    monkeypatch.undo()
    assert response.status_code == 500
    assert "Nothing was saved" in response.text
    assert "disk I/O error" not in response.text and "Traceback" not in response.text
    async with AsyncSession(engine) as fresh:
        assert await _count(fresh, marker) == 0
