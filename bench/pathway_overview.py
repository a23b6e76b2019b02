"""The cohort pathway overview at scale: eligibility for every volunteer of a cohort, the
page a coordinator opens before a certificate day, and its CSV export.

    .venv/bin/python bench/pathway_overview.py [--volunteers 2000] [--runs 5]

Builds a throwaway SQLite database with the shipped courses and the community-volunteer
pathway, a cohort of N volunteers with records spread over every stage (modules read,
quiz attempts, approved hours, some evaluations and referrals, written in bulk), then
times in-process, through the real app: the computation alone, the page (first 200 rows
of all N, sorted by readiness) and the CSV of all N. Median of the runs; the statements
each takes are counted too. Writes the table to bench/RESULTS.md with the machine and date.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from itsdangerous import Signer
from sqlalchemy import event, insert, select
from sqlmodel import col

from lms import migrate
from lms.accounts import service as accounts
from lms.app import create_app
from lms.cohorts import service as cohorts
from lms.config import Settings
from lms.courses.check import load_content
from lms.courses.sync import sync_content
from lms.models.accounts import Role, User
from lms.models.cohorts import CohortMember
from lms.models.courses import Course, Module, ModuleProgress, ModuleRevision
from lms.models.pathways import Evaluation, Referral
from lms.models.practicum import HourEntry, Site
from lms.models.quizzes import QuizAttempt
from lms.pathways import service as pathways
from pages import write_section  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parent.parent


async def build(folder: Path, volunteers: int) -> tuple[object, dict[str, str]]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=folder / "var",
        content_dir=ROOT / "content",
        base_url="http://bench",
        log_level="warning",
    )
    settings.data_dir.mkdir(parents=True)
    migrate.upgrade(settings.sqlalchemy_url)
    app = create_app(settings)
    chance = random.Random(9)  # noqa: S311
    now = datetime.now(UTC)
    async with app.state.session_factory(write=True) as session:
        await sync_content(session, load_content(settings.content_dir))
        cohort = await cohorts.create_cohort(
            session, code="BENCH", name="压测", pathway="community-volunteer", actor=None
        )
        coordinator = await accounts.create_user(
            session,
            profile=accounts.Profile(username="coord", name="协调员"),
            role=Role.coordinator,
            password=None,
        )
        await cohorts.add_member(
            session, cohort=cohort, user=coordinator, role="coordinator", actor=None
        )
        site = Site(name="服务点", is_active=True, created_at=now)
        session.add(site)
        await session.flush()
        await session.execute(
            insert(User),
            [
                {
                    "username": f"v{i:05d}",
                    "name": f"志愿者{i}",
                    "role": "volunteer",
                    "is_active": True,
                    "created_at": now,
                }
                for i in range(volunteers)
            ],
        )
        ids = list(await session.scalars(select(col(User.id)).where(col(User.username).like("v%"))))
        await session.execute(
            insert(CohortMember),
            [
                {"cohort_id": cohort.id, "user_id": uid, "role": "volunteer", "joined_at": now}
                for uid in ids
            ],
        )
        modules = (
            await session.execute(
                select(col(Module.id), col(ModuleRevision.id))
                .join(Course, col(Course.id) == Module.course_id)
                .join(
                    ModuleRevision,
                    (col(ModuleRevision.module_id) == Module.id)
                    & (col(ModuleRevision.revision) == Module.current_revision),
                )
                .order_by(col(Course.position), col(Module.number))
            )
        ).all()
        progress, attempts, entries, evaluations, referrals = [], [], [], [], []
        for uid in ids:
            stage = chance.random()
            done = int(len(modules) * stage)
            for module_id, revision_id in modules[:done]:
                progress.append(
                    {
                        "user_id": uid,
                        "module_id": module_id,
                        "revision_id": revision_id,
                        "read_at": now - timedelta(days=chance.randint(0, 60)),
                    }
                )
                for _ in range(chance.randint(1, 2)):
                    at = now - timedelta(days=chance.randint(0, 60))
                    score = chance.uniform(40, 100)
                    attempts.append(
                        {
                            "user_id": uid,
                            "module_id": module_id,
                            "revision_id": revision_id,
                            "language": "zh",
                            "draw": [],
                            "score": score,
                            "passed": score >= 60,
                            "started_at": at,
                            "finished_at": at,
                        }
                    )
            for n in range(int(stage * 30)):
                entries.append(
                    {
                        "volunteer_id": uid,
                        "service_date": date.today() - timedelta(days=n + 1),
                        "minutes": 240,
                        "site_id": site.id,
                        "activity": "direct_service",
                        "description": "服务",
                        "status": "approved" if chance.random() < 0.85 else "submitted",
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            if stage > 0.6:
                evaluations.append(
                    {
                        "volunteer_id": uid,
                        "pathway": "community-volunteer",
                        "level": "L4",
                        "evaluator_id": coordinator.id,
                        "capacity": "trainer",
                        "ratings": [],
                        "passed": chance.random() < 0.8,
                        "created_at": now,
                    }
                )
            if stage > 0.8:
                referrals.append(
                    {
                        "volunteer_id": uid,
                        "cohort_id": cohort.id,
                        "organisation": "社工站",
                        "role": "志愿者",
                        "referred_on": date.today(),
                        "outcome": "pending",
                        "created_at": now,
                    }
                )
        for table, rows in (
            (ModuleProgress, progress),
            (QuizAttempt, attempts),
            (HourEntry, entries),
            (Evaluation, evaluations),
            (Referral, referrals),
        ):
            if rows:
                await session.execute(insert(table), rows)
        key = await accounts.start_session(
            session, user=coordinator, user_agent="bench", address=None
        )
        await session.commit()
        print(
            f"{volunteers} volunteers: {len(progress)} modules read, {len(attempts)} attempts, "
            f"{len(entries)} hour entries",
            flush=True,
        )
    cookie = Signer(app.state.secret_key, salt="lms.session").sign(key).decode()  # type: ignore[attr-defined]
    return app, {"Cookie": f"lms_session={cookie}", "Accept-Language": "zh-CN"}


async def measure(app: object, headers: dict[str, str], runs: int) -> list[tuple[str, float, int]]:
    engine = app.state.database.engine.sync_engine  # type: ignore[attr-defined]
    statements = [0]

    def count(*_args: object) -> None:
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    results = []
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

        async def computation() -> None:
            async with app.state.session_factory(write=False) as session:  # type: ignore[attr-defined]
                cohort = await cohorts.find_cohort(session, "BENCH")
                assert cohort is not None
                found = await pathways.overview(session, cohort=cohort, language="zh")
                assert found is not None
                pathways.pick(found.rows)

        async def page() -> None:
            answer = await client.get("/cohorts/BENCH/pathway", headers=headers)
            assert answer.status_code == 200 and "志愿者" in answer.text, answer.status_code

        async def export() -> None:
            answer = await client.get("/cohorts/BENCH/pathway.csv", headers=headers)
            assert answer.status_code == 200 and answer.content.startswith(b"\xef\xbb\xbf")

        for name, job in (
            ("eligibility of every volunteer (service call)", computation),
            ("overview page, first 200 rows", page),
            ("CSV export, every row", export),
        ):
            await job()  # warm
            times = []
            for _ in range(runs):
                statements[0] = 0
                started = time.perf_counter()
                await job()
                times.append(time.perf_counter() - started)
            results.append((name, statistics.median(times) * 1000, statements[0]))
            print(f"{name}: {results[-1][1]:.0f} ms, {statements[0]} statements", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--volunteers", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:

        async def go() -> list[tuple[str, float, int]]:
            app, headers = await build(Path(folder), options.volunteers)
            try:
                return await measure(app, headers, options.runs)
            finally:
                await app.state.database.dispose()  # type: ignore[attr-defined]

        results = asyncio.run(go())
    title = f"## Pathway overview, {options.volunteers:,} volunteers, SQLite"
    write_section(
        "\n".join(
            [
                title,
                "",
                f"{datetime.now(UTC):%Y-%m-%d}, {platform.node()}, {os.cpu_count()} cores, "
                f"Python {platform.python_version()}; the shipped community-volunteer pathway "
                "(3 levels, 3 courses, 15 modules), records at every stage; in-process through "
                f"the app, median of {options.runs} (`python bench/pathway_overview.py`).",
                "",
                "| what | ms | SQL statements |",
                "| --- | --- | --- |",
                *[f"| {name} | {ms:,.0f} | {n} |" for name, ms, n in results],
            ]
        ),
        title,
    )


if __name__ == "__main__":
    main()
