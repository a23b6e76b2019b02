"""Fixtures: the schema is built by Alembic, each test runs in a transaction that is
rolled back, and the same suite runs on SQLite and PostgreSQL.

``make test`` runs pytest twice when ``LMS_TEST_DATABASE_URL`` is set: first on SQLite,
then on PostgreSQL with only the tests that use a database (the others were already run).
Under CI a skipped test fails the run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from lms import migrate
from lms.app import create_app
from lms.config import Settings
from lms.db import Database, create_engine_for
from lms.i18n import current_language
from tests.support import (
    BACKEND,
    FIXTURE_CONTENT,
    IN_CI,
    LiveServer,
    merged_content,
    throwaway_database,
)

# A test that uses one of these runs on each database backend.
DATABASE_FIXTURES = frozenset({"database_url", "live_server"})


def pytest_report_header() -> str:
    return f"database backend: {BACKEND}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Browser tests last: the quick ones report first, and Playwright's event loop
    # never overlaps an async test's.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
    if BACKEND != "postgresql":
        return
    keep = [
        item
        for item in items
        if (
            DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
            or item.get_closest_marker("database") is not None
        )
        and item.get_closest_marker("sqlite_only") is None
    ]
    dropped = [item for item in items if item not in keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not IN_CI:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped; under CI that is a failure")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    """Services translate through a context variable; outside a request the tests read
    English. A request sets its own language, and a test may set Chinese itself."""
    token = current_language.set("en")
    yield
    current_language.reset(token)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head with Alembic, shared by the session's tests."""
    with throwaway_database(tmp_path_factory.mktemp("db")) as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path / "var",
        database_url=database_url,
        base_url="http://testserver",
        content_dir=FIXTURE_CONTENT,
    )


@pytest.fixture
async def engine(settings: Settings, database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine_for(settings, database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db_session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test. Commits made
    by the code under test release savepoints only (SQLAlchemy's documented recipe)."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            await session.close()
            await transaction.rollback()


@pytest.fixture
def app(settings: Settings, engine: AsyncEngine, db_session: AsyncSession) -> FastAPI:
    app = create_app(settings, database=Database(engine))

    @asynccontextmanager
    async def shared_session(*, write: bool) -> AsyncIterator[AsyncSession]:
        # Keep the test's own setup (a savepoint release) so that a request that rolls
        # back its work, as refused forms do, does not take the setup with it.
        await db_session.commit()
        yield db_session

    app.state.session_factory = shared_session
    return app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    """Settings for tests of the web shell that never reach the database."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path / "var",
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        base_url="http://testserver",
    )


@pytest.fixture
async def web_client(web_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(web_settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    await app.state.database.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real server (``lms serve``) on its own throwaway database and data dir."""
    folder = tmp_path_factory.mktemp("live")
    content = merged_content(folder)
    with throwaway_database(folder) as url:
        server = LiveServer(
            data_dir=folder / "var",
            database_url=url,
            extra_env={"LMS_CONTENT_DIR": str(content)},
        )
        try:
            yield server
        finally:
            server.stop()
