"""What a signed-in page costs under load, part by part: the floor of this stack.

    .venv/bin/python bench/floor.py [--seconds 5] [--runs 2] [--no-write]

Builds the app on a throwaway SQLite database with the fixture course (as
profile_module.py does), mounts probe routes on it that exist only in this script, and
serves it with uvicorn (uvloop, httptools) in this process while wrk loads one route at a
time. Each probe adds one part of the module page, so the differences show what each part
costs when 32 connections share one worker:

- the session lookup as every page does it (FastAPI dependency, AsyncSession);
- the same lookup moved to one worker thread with a synchronous session (no per-statement
  hop to aiosqlite's thread), the cheapest SQLAlchemy way this stack has;
- the module template alone, rendered from an outline loaded once (no database at all);
- the real module page.

Writes the table to bench/RESULTS.md with the machine and date.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import Request
from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session
from starlette.responses import PlainTextResponse, Response

from lms import db
from lms.accounts.service import SESSION_USER, digest, utcnow
from lms.courses import routes
from lms.i18n import current_language
from lms.web.auth import CurrentUser, Viewer, session_key
from pages import write_section
from profile_module import MODULE, prepare

PORT = 8765
PROBES = [
    ("/healthz", "liveness: async def returning text"),
    ("/readyz", "one query through the async engine, no sign-in"),
    ("/probe/session", "the session lookup as every page does it (dependency, AsyncSession)"),
    ("/probe/session-thread", "the same lookup in one worker thread, synchronous session"),
    ("/probe/template", "the module page's template alone, from an outline loaded once"),
    (MODULE, "the module page: session lookup, course query, template"),
]


def mount_probes(app: Any) -> None:
    settings = app.state.settings
    sync_engine = create_engine(db.sync_url(settings.sqlalchemy_url), pool_size=16)
    event.listen(sync_engine, "connect", db._sqlite_pragmas(5000, foreign_keys=True))
    event.listen(sync_engine, "begin", db._sqlite_begin)
    kept: dict[str, Any] = {}

    async def session(user: CurrentUser) -> Response:
        kept.setdefault("user", user)
        return PlainTextResponse(user.username)

    async def session_thread(request: Request) -> Response:
        key = session_key(request)

        def lookup() -> Any:
            with Session(sync_engine) as sync_session:
                return sync_session.execute(
                    SESSION_USER, {"key_hash": digest(key or ""), "now": utcnow()}
                ).first()

        row = await anyio.to_thread.run_sync(lookup)
        return PlainTextResponse(row[0].username if row else "-")

    async def template(request: Request) -> Response:
        if "outline" not in kept:
            factory = app.state.session_factory
            async with factory(write=False) as read:
                kept["outline"] = await routes.load_outline(
                    request, read, kept["user"], "service-records", MODULE.rsplit("/", 1)[1]
                )
        request.state.user = kept["user"]
        request.state.viewer = Viewer.of(kept["user"])
        current_language.set("zh")
        return routes.render(request, "courses/module.html", routes.module_context(kept["outline"]))

    app.add_api_route("/probe/session", session, include_in_schema=False)
    app.add_api_route("/probe/session-thread", session_thread, include_in_schema=False)
    app.add_api_route("/probe/template", template, include_in_schema=False)


async def wrk(url: str, seconds: int, headers: dict[str, str]) -> float:
    args = ["wrk", "-t2", "-c32", f"-d{seconds}s"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    process = await asyncio.create_subprocess_exec(*args, url, stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    text = out.decode()
    if "Non-2xx" in text:
        raise SystemExit(f"error: {url} answered errors:\n{text}")
    line = next(line for line in text.splitlines() if line.startswith("Requests/sec"))
    return float(line.split()[1])


async def measure(folder: Path, seconds: int, runs: int) -> list[tuple[str, str, float]]:
    import httpx
    import uvicorn

    app, headers = await prepare(folder)
    mount_probes(app)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=PORT,
            loop="uvloop",
            http="httptools",
            log_level="warning",
            access_log=False,
        )
    )
    serving = asyncio.create_task(server.serve())
    base = f"http://127.0.0.1:{PORT}"
    try:
        for _ in range(100):  # uvicorn has no event for "listening"
            if server.started:
                break
            await asyncio.sleep(0.1)
        async with httpx.AsyncClient(base_url=base) as client:
            for path, _what in PROBES:  # warm up, and keep the user and outline
                answer = await client.get(path, headers=headers)
                assert answer.status_code == 200, (path, answer.status_code)
        rates: dict[str, list[float]] = {}
        for _ in range(runs):
            for path, _what in PROBES:
                rates.setdefault(path, []).append(await wrk(base + path, seconds, headers))
    finally:
        server.should_exit = True
        await serving
        await app.state.database.dispose()
    return [(path, what, statistics.median(rates[path])) for path, what in PROBES]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--no-write", action="store_true", help="print only")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("error: wrk is not installed (apt-get install wrk)")
    folder = Path(tempfile.mkdtemp(prefix="lms-floor-"))
    try:
        import uvloop

        rows = uvloop.run(measure(folder, options.seconds, options.runs))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ceiling = rows[0][2]
    table = [
        "## What a signed-in page costs, part by part (1 worker, SQLite)",
        "",
        f"{datetime.now(UTC):%Y-%m-%d}, {platform.node()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, SQLite; `wrk -t2 -c32 -d{options.seconds}s`, "
        f"median of {options.runs} runs, probe routes mounted by the script "
        "(`python bench/floor.py`). ms = 1000 ÷ req/s: the worker's time per request.",
        "",
        "| route | what it does | req/s | ms per request | ÷ /healthz |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| `{path}` | {what} | {rate:,.0f} | {1000 / rate:.2f} | {rate / ceiling:.2f} |"
            for path, what, rate in rows
        ),
    ]
    print("\n".join(table))
    if not options.no_write:
        write_section("\n".join(table) + "\n", table[0])


if __name__ == "__main__":
    main()
