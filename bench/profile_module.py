"""Where a signed-in module page spends its time, in-process.

    .venv/bin/python bench/profile_module.py [--requests 1000] [--top 25] [--no-write]

Builds the app on a throwaway SQLite database with the fixture course, signs a volunteer
in, then requests the module page through httpx's ASGI transport (no network, no
uvicorn). First it times the page's parts (the session lookup, the course query, the
template) against the whole and against /healthz, and writes that table to
bench/RESULTS.md; then it prints cProfile's top functions, cumulative and own.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import platform
import pstats
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
MODULE = "/courses/service-records/02-a-good-entry"


async def prepare(folder: Path) -> tuple[object, dict[str, str]]:
    from itsdangerous import Signer

    from lms import migrate
    from lms.accounts import service as accounts
    from lms.app import create_app
    from lms.cohorts import service as cohorts
    from lms.config import Settings
    from lms.courses.check import load_content
    from lms.courses.sync import sync_content
    from lms.models.accounts import Role

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=folder / "var",
        content_dir=ROOT / "tests" / "fixtures" / "content",
        base_url="http://bench",
        log_level="warning",
    )
    settings.data_dir.mkdir(parents=True)
    migrate.upgrade(settings.sqlalchemy_url)
    app = create_app(settings)
    async with app.state.session_factory(write=True) as session:
        await sync_content(session, load_content(settings.content_dir))
        cohort = await cohorts.create_cohort(
            session, code="BENCH", name="压测", pathway="records-practice", actor=None
        )
        user = await accounts.create_user(
            session,
            profile=accounts.Profile(username="reader", name="读者"),
            role=Role.volunteer,
            password=None,
        )
        await cohorts.add_member(session, cohort=cohort, user=user, role="volunteer", actor=None)
        key = await accounts.start_session(session, user=user, user_agent="bench", address=None)
        await session.commit()
    cookie = Signer(app.state.secret_key, salt="lms.session").sign(key).decode()
    return app, {"Cookie": f"lms_session={cookie}", "Accept-Language": "zh-CN"}


async def run(app: object, headers: dict[str, str], count: int) -> float:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        first = await client.get(MODULE, headers=headers)
        assert first.status_code == 200 and "prose" in first.text, first.status_code
        started = time.perf_counter()
        for _ in range(count):
            await client.get(MODULE, headers=headers)
        return time.perf_counter() - started


async def breakdown(app: object, headers: dict[str, str], count: int) -> list[tuple[str, float]]:
    """Mean ms per request of the page, of /healthz, and of the parts that are timed."""
    from lms.accounts import service as accounts
    from lms.courses import routes
    from lms.courses import service as courses

    spent: dict[str, float] = {}

    def timed(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        if asyncio.iscoroutinefunction(func):

            async def waited(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return await func(*args, **kwargs)
                finally:
                    spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

            return waited

        def called(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

        return called

    originals: list[tuple[Any, str, Any]] = [
        (accounts, "session_user", accounts.session_user),
        (courses, "outline", courses.outline),
        (routes, "render", routes.render),
    ]
    names = {
        "session_user": "session lookup (first query: connection, BEGIN, user and session rows)",
        "outline": "the course query (course, enrolment, modules, progress) and cached texts",
        "render": "Jinja: layout and module template",
    }
    for owner, attribute, original in originals:
        setattr(owner, attribute, timed(names[attribute], original))
    try:
        page = await run(app, headers, count)
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            started = time.perf_counter()
            for _ in range(count):
                await client.get("/healthz")
            health = time.perf_counter() - started
    finally:
        for owner, attribute, original in originals:
            setattr(owner, attribute, original)
    parts = [(name, total * 1000 / count) for name, total in spent.items()]
    whole = page * 1000 / count
    rest = whole - health * 1000 / count - sum(ms for _, ms in parts)
    return [
        ("the whole module page", whole),
        *parts,
        ("the rest: session commit and close, FastAPI dependencies, middleware", rest),
        ("/healthz through the same client and middleware", health * 1000 / count),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-write", action="store_true", help="print only")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lms-profile-"))
    try:
        loop = asyncio.new_event_loop()
        app, headers = loop.run_until_complete(prepare(folder))
        rows = loop.run_until_complete(breakdown(app, headers, options.requests))
        table = [
            "## Module page profile",
            "",
            f"{datetime.now(UTC):%Y-%m-%d}, {platform.node()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, SQLite; {options.requests} sequential "
            "requests in-process through httpx's ASGI transport, mean per request "
            "(`python bench/profile_module.py`).",
            "",
            "| part | ms |",
            "| --- | --- |",
            *(f"| {name} | {ms:.2f} |" for name, ms in rows),
        ]
        print("\n".join(table))
        if not options.no_write:
            from pages import write_section

            write_section("\n".join(table) + "\n", "## Module page profile")
        profile = cProfile.Profile()
        profile.enable()
        elapsed = loop.run_until_complete(run(app, headers, options.requests))
        profile.disable()
        print(f"{options.requests} module pages in {elapsed:.2f}s under the profiler")
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(options.top)
        stats.sort_stats("tottime").print_stats(options.top)
        loop.run_until_complete(app.state.database.dispose())  # type: ignore[attr-defined]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
