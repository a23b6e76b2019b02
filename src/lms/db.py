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

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
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


class Database:
    """The engine of one app, with the two ways into it: reading and writing."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.writer = engine.execution_options(**{BEGIN_IMMEDIATE: True})

    def session(self, *, write: bool) -> AsyncSession:
        return AsyncSession(self.writer if write else self.engine, expire_on_commit=False)

    async def dispose(self) -> None:
        await self.engine.dispose()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, committed once before the response is sent.

    Routes declare it with ``Depends(get_session, scope="function")`` (see
    ``lms.web.deps.SessionDep``) so the commit runs before the response: a failed
    commit is a 500, never a 200 already on the wire. Requests that may write get a
    session whose SQLite transaction begins immediately.
    """
    factory: SessionFactory = request.app.state.session_factory
    async with factory(write=request.method in WRITE_METHODS) as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
