"""Engines and the request session.

One concurrency model: async. The app talks to the database through ``AsyncSession``
(aiosqlite or psycopg's async mode); Alembic gets a synchronous engine of its own
(``migration_engine``) because migrations run before the server starts.

SQLite: WAL, foreign keys, a busy timeout, and SQLAlchemy's documented recipe that takes
BEGIN away from the sqlite3 driver. Transactions of requests that write (POST, PUT,
PATCH, DELETE) begin with ``BEGIN IMMEDIATE``: they take the write lock at the start and
queue on the busy timeout instead of failing half-way with "database is locked", which
PERFORMANCE.md measured as the cure for the write tail. Reads begin DEFERRED and never
wait for a writer.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from starlette.requests import Request

from lms.config import Settings

BEGIN_IMMEDIATE = "lms_begin_immediate"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PG_CONNECT_TIMEOUT_S = 10  # a host that drops packets fails start-up instead of hanging it


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
SYNC_DRIVERS = {"sqlite": "sqlite+pysqlite", "postgresql": "postgresql+psycopg"}


def _with_driver(url: str | URL, drivers: dict[str, str]) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in drivers:
        raise ValueError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")
    return parsed.set(drivername=drivers[backend])


def async_url(url: str | URL) -> URL:
    """The URL for the app's engine (psycopg picks its async mode by itself)."""
    return _with_driver(url, ASYNC_DRIVERS)


def sync_url(url: str | URL) -> URL:
    return _with_driver(url, SYNC_DRIVERS)


def _sqlite_pragmas(busy_timeout_ms: int, *, foreign_keys: bool) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins; this is
        # also what makes SAVEPOINT work for the test fixture.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


def _sqlite_begin(conn: Any) -> None:
    immediate = conn.get_execution_options().get(BEGIN_IMMEDIATE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_engine_for(settings: Settings, url: str | URL | None = None) -> AsyncEngine:
    """The app's engine. ``url`` overrides the settings (tests use it)."""
    target = async_url(url or settings.sqlalchemy_url)
    if target.get_backend_name() == "sqlite":
        # Every session ends in COMMIT or ROLLBACK (get_session), so the pool's own
        # rollback on return would only cost another trip to the driver's thread.
        engine = create_async_engine(target, pool_size=8, max_overflow=8, pool_reset_on_return=None)
        event.listen(
            engine.sync_engine,
            "connect",
            _sqlite_pragmas(settings.sqlite_busy_timeout_ms, foreign_keys=True),
        )
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(
        target,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S},
    )


def migration_engine(url: str | URL, *, busy_timeout_ms: int = 5000) -> Engine:
    """A synchronous engine for Alembic.

    On SQLite the connect hook turns foreign keys off before any transaction begins:
    inside a transaction the pragma is silently ignored, and a batch rebuild of a parent
    table (copy, drop, rename) would then cascade-delete the children's rows.
    """
    target = sync_url(url)
    if target.get_backend_name() == "sqlite":
        engine = create_engine(target)
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms, foreign_keys=False))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(target, connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S})


class SessionFactory(Protocol):
    def __call__(self, *, write: bool) -> AbstractAsyncContextManager[AsyncSession]: ...


class WriteGate:
    """One SQLite writer at a time, queued without polling.

    SQLite lets one transaction write; the others wait in its busy handler, which sleeps
    and retries with growing pauses (up to 100 ms). With 32 writers that gave seconds-long
    tails. Here a write transaction first takes this worker's asyncio lock (the other
    coroutines of the worker queue on it at no cost), then an exclusive ``flock`` on a file
    beside the database (the other workers and the CLI queue in the kernel and wake the
    moment it is released). PostgreSQL needs none of this.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.local = asyncio.Lock()

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        async with self.local:
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                await asyncio.to_thread(fcntl.flock, descriptor, fcntl.LOCK_EX)
                yield
            finally:
                os.close(descriptor)  # closing releases the lock


def write_gate_for(url: str | URL) -> WriteGate | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return WriteGate(Path(parsed.database).with_name(Path(parsed.database).name + ".write-lock"))


class Database:
    """The engine of one app, with the two ways into it: reading and writing."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.writer = engine.execution_options(**{BEGIN_IMMEDIATE: True})
        self.gate = write_gate_for(engine.url)

    @asynccontextmanager
    async def session(self, *, write: bool) -> AsyncIterator[AsyncSession]:
        """A session; a writing one holds the write gate (SQLite) until it is closed."""
        if write and self.gate is not None:
            async with (
                self.gate.held(),
                AsyncSession(self.writer, expire_on_commit=False) as session,
            ):
                yield session
            return
        async with AsyncSession(
            self.writer if write else self.engine, expire_on_commit=False
        ) as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


WRITES_APART = "lms_writes_apart"


def writes_apart(endpoint: Any) -> Any:
    """Marks a route whose request session only reads, whatever its method: it reads and
    decides first, then writes in short transactions of its own
    (``request.app.state.session_factory(write=True)``), so the SQLite write lock is held
    for a few statements, not for the whole request (the quizzes under a class's load)."""
    setattr(endpoint, WRITES_APART, True)
    return endpoint


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, committed once before the response is sent.

    Routes declare it with ``Depends(get_session, scope="function")`` (see
    ``lms.web.deps.SessionDep``) so the commit runs before the response: a failed
    commit is a 500, never a 200 already on the wire. Requests that may write get a
    session whose SQLite transaction begins immediately, except routes marked
    ``writes_apart``.
    """
    factory: SessionFactory = request.app.state.session_factory
    endpoint = request.scope.get("endpoint")
    write = request.method in WRITE_METHODS and not getattr(endpoint, WRITES_APART, False)
    async with factory(write=write) as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
