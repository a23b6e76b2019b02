"""Two deciders press at the same moment through two app instances (two workers, real
transactions, one database): exactly one decision is kept, the other decider gets 409
and is told who won. The same for two volunteers' devices logging overlapping times."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from lms import migrate
from lms.accounts import service as accounts
from lms.app import create_app
from lms.cohorts import service as cohorts
from lms.config import Settings
from lms.db import Database, create_engine_for
from lms.models.accounts import Role
from lms.models.practicum import HourEntry
from lms.practicum import service as hours
from tests.practicum.conftest import days_ago
from tests.support import throwaway_database

pytestmark = pytest.mark.database


@dataclass
class Workers:
    apps: list[FastAPI]
    tokens: dict[str, str]
    site: int

    async def send(
        self, index: int, method: str, path: str, who: str, body: Any = None
    ) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.apps[index])
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.request(
                method,
                path,
                json=body,
                headers={"Authorization": f"Bearer {self.tokens[who]}", "Accept-Language": "en"},
            )


@pytest.fixture
async def workers(tmp_path: Path) -> AsyncIterator[Workers]:
    with throwaway_database(tmp_path) as url:
        migrate.upgrade(url)
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            data_dir=tmp_path / "var",
            database_url=url,
            base_url="http://testserver",
        )
        apps = [
            create_app(settings, database=Database(create_engine_for(settings, url)))
            for _ in range(2)
        ]
        try:
            async with apps[0].state.session_factory(write=True) as session:
                cohort = await cohorts.create_cohort(
                    session, code="RACE-1", name="Race", pathway=None, actor=None
                )
                tokens = {}
                for name, role in (
                    ("vol", Role.volunteer),
                    ("trainer", Role.trainer),
                    ("coord", Role.coordinator),
                ):
                    user = await accounts.create_user(
                        session, profile=accounts.Profile(username=name, name=name), role=role
                    )
                    member = "volunteer" if role == Role.volunteer else role.value
                    await cohorts.add_member(
                        session, cohort=cohort, user=user, role=member, actor=None
                    )
                    tokens[name] = await accounts.create_token(session, user=user, name="ci")
                site = await hours.create_site(session, name="社区中心", actor=None)  # type: ignore[arg-type]
                await session.commit()
                site_id = site.id or 0
            yield Workers(apps, tokens, site_id)
        finally:
            for app in apps:
                await app.state.database.dispose()


def entry(site: int, **changes: Any) -> dict[str, Any]:
    return {
        "date": days_ago(2),
        "start": "09:00",
        "end": "12:00",
        "site": site,
        "activity": "group_activity",
        "description": "组织社区儿童读书会。",
        **changes,
    }


async def test_two_deciders_at_once_one_wins(workers: Workers) -> None:
    logged = await workers.send(0, "POST", "/api/v1/hours", "vol", entry(workers.site))
    entry_id = logged.json()["id"]
    answers = await asyncio.gather(
        workers.send(0, "POST", f"/api/v1/hours/{entry_id}/approve", "trainer"),
        workers.send(1, "POST", f"/api/v1/hours/{entry_id}/reject", "coord", {"reason": "不符合"}),
    )
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    winner = next(a for a in answers if a.status_code == 200).json()
    loser = next(a for a in answers if a.status_code == 409).json()
    assert "already decided" in loser["detail"]
    assert winner["decided_by"] in loser["detail"] or winner["decided_by"] in ("trainer", "coord")
    final = await workers.send(1, "GET", f"/api/v1/hours/{entry_id}", "vol")
    assert (final.json()["status"], final.json()["version"]) == (winner["status"], 2)


async def test_two_devices_logging_overlapping_times_at_once(workers: Workers) -> None:
    answers = await asyncio.gather(
        workers.send(0, "POST", "/api/v1/hours", "vol", entry(workers.site)),
        workers.send(
            1, "POST", "/api/v1/hours", "vol", entry(workers.site, start="10:00", end="13:00")
        ),
    )
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    async with workers.apps[0].state.session_factory(write=False) as session:
        count = await session.scalar(select(func.count()).select_from(HourEntry))
    assert count == 1
