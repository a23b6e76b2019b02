"""A cohort with its people, two placement sites and an API token for each person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from lms.accounts import service as accounts
from lms.models.accounts import Role, User
from lms.models.cohorts import Cohort
from lms.models.practicum import Site
from lms.practicum import service as hours
from tests.factories import make_cohort, make_user

ZONE = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(ZONE).date()


def days_ago(n: int) -> str:
    return (today() - timedelta(days=n)).isoformat()


@dataclass
class World:
    cohort: Cohort
    volunteer: User
    other: User
    trainer: User
    coordinator: User
    supervisor: User
    stranger: User
    site: Site
    supervised: Site
    tokens: dict[str, dict[str, str]]
    site_id: int = 0  # plain ids: a refused request's rollback expires the ORM objects
    supervised_id: int = 0
    cohort_code: str = ""

    def as_(self, who: str) -> dict[str, str]:
        return self.tokens[who]

    def entry(self, **changes: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "date": days_ago(3),
            "start": "14:00",
            "end": "17:30",
            "site": self.site_id,
            "activity": "direct_service",
            "description": "陪伴社区儿童完成作业，组织阅读游戏。",
        }
        body.update(changes)
        return {key: value for key, value in body.items() if value is not ...}


async def bearer(session: AsyncSession, user: User, language: str = "en") -> dict[str, str]:
    token = await accounts.create_token(session, user=user, name="test")
    return {"Authorization": f"Bearer {token}", "Accept-Language": language}


@pytest.fixture
async def world(db_session: AsyncSession) -> World:
    cohort = await make_cohort(db_session)
    volunteer = await make_user(
        db_session, username="vol", name="阿依古丽", cohort=cohort, password=None
    )
    other = await make_user(db_session, username="other", name="扎西", cohort=cohort, password=None)
    trainer = await make_user(
        db_session,
        username="trainer",
        name="王老师",
        role=Role.trainer,
        cohort=cohort,
        password=None,
    )
    coordinator = await make_user(
        db_session,
        username="coord",
        name="陈协调",
        role=Role.coordinator,
        cohort=cohort,
        password=None,
    )
    supervisor = await make_user(
        db_session, username="sup", name="马站长", role=Role.trainer, password=None
    )
    stranger = await make_user(db_session, username="stranger", role=Role.trainer, password=None)
    admin = await make_user(db_session, username="root", role=Role.admin, password=None)
    site = await hours.create_site(db_session, name="城东社区服务中心", actor=admin)
    supervised = await hours.create_site(
        db_session, name="南川社工站", supervisor="sup", address="西宁市城中区", actor=admin
    )
    people = {
        "vol": volunteer,
        "other": other,
        "trainer": trainer,
        "coord": coordinator,
        "sup": supervisor,
        "stranger": stranger,
        "admin": admin,
    }
    tokens = {name: await bearer(db_session, user) for name, user in people.items()}
    return World(
        cohort,
        volunteer,
        other,
        trainer,
        coordinator,
        supervisor,
        stranger,
        site,
        supervised,
        tokens,
        site_id=site.id or 0,
        supervised_id=supervised.id or 0,
        cohort_code=cohort.code,
    )


async def log(
    client: httpx.AsyncClient, world: World, who: str = "vol", **changes: Any
) -> dict[str, Any]:
    answer = await client.post("/api/v1/hours", json=world.entry(**changes), headers=world.as_(who))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())
