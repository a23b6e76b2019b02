"""Practicum hours over the API: logging, the life of an entry, who may decide, races,
corrections, and every bad input (422 or 409 with a message, nothing written)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lms.models.practicum import HourEntry
from tests.practicum.conftest import World, days_ago, log

pytestmark = pytest.mark.database


async def entry_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(HourEntry)) or 0)


async def test_a_volunteer_logs_an_afternoon(client: httpx.AsyncClient, world: World) -> None:
    body = await log(client, world)
    assert isinstance(body["id"], int)
    assert body["status"] == "submitted"
    assert body["hours"] == 3.5 and isinstance(body["hours"], float)
    assert (body["start"], body["end"], body["date"]) == ("14:00", "17:30", days_ago(3))
    assert body["site"] == world.site_id and body["site_name"] == "城东社区服务中心"
    assert body["activity_title"] == "Direct service"
    assert body["volunteer"] == "vol" and body["volunteer_name"] == "阿依古丽"
    assert body["backfilled"] is False
    assert body["submitted_at"].endswith("+08:00")
    assert body["evidence"] == [] and body["corrections"] == []


async def test_hours_without_times_and_a_draft(client: httpx.AsyncClient, world: World) -> None:
    body = await log(client, world, start=..., end=..., hours=2.25, draft=True)
    assert (body["status"], body["hours"], body["start"]) == ("draft", 2.25, None)
    assert body["submitted_at"] is None


async def test_times_count_to_the_nearest_quarter_hour(
    client: httpx.AsyncClient, world: World
) -> None:
    body = await log(client, world, start="14:05", end="17:00")
    assert body["hours"] == 3.0


async def test_a_chinese_volunteer_reads_chinese(client: httpx.AsyncClient, world: World) -> None:
    headers = {**world.as_("vol"), "Accept-Language": "zh-CN"}
    answer = await client.post(
        "/api/v1/hours", json=world.entry(date=days_ago(-1)), headers=headers
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "date"]
    assert "将来" in answer.json()["detail"][0]["msg"]
    ok = await client.post("/api/v1/hours", json=world.entry(), headers=headers)
    assert ok.json()["activity_title"] == "直接服务"


BAD_FIELDS: list[tuple[str, dict[str, Any], str, str]] = [
    ("future date", {"date": days_ago(-1)}, "date", "future"),
    ("too old", {"date": days_ago(400)}, "date", "365 days"),
    ("impossible date", {"date": "2026-02-30"}, "date", "not a date on the calendar"),
    ("not a date", {"date": "20/11/2026"}, "date", "YYYY-MM-DD"),
    ("missing date", {"date": ...}, "date", "Enter the date"),
    ("end before start", {"start": "17:00", "end": "14:00"}, "end", "after the start"),
    ("end equals start", {"start": "14:00", "end": "14:00"}, "end", "after the start"),
    ("bad clock", {"start": "25:00"}, "start", "HH:MM"),
    ("start without end", {"end": ...}, "end", "end time too"),
    ("times and hours", {"hours": 2}, "hours", "not both"),
    ("zero hours", {"start": ..., "end": ..., "hours": 0}, "hours", "more than zero"),
    ("negative hours", {"start": ..., "end": ..., "hours": -2}, "hours", "more than zero"),
    ("over 24 hours", {"start": ..., "end": ..., "hours": 25}, "hours", "24 hours"),
    ("not quarter hours", {"start": ..., "end": ..., "hours": 1.1}, "hours", "quarter hours"),
    ("hours as text", {"start": ..., "end": ..., "hours": "lots"}, "hours", "a number"),
    ("no time at all", {"start": ..., "end": ...}, "hours", "start and end times"),
    ("a few minutes", {"start": "14:00", "end": "14:05"}, "end", "quarter hour"),
    ("unknown site", {"site": 9999}, "site", "no placement site"),
    ("site as a word", {"site": "east"}, "site", "no placement site"),
    ("unknown activity", {"activity": "partying"}, "activity", "Unknown activity"),
    ("empty description", {"description": "  "}, "description", "Describe"),
    ("over-long description", {"description": "长" * 2001}, "description", "2000 characters"),
    ("description as a list", {"description": ["a"]}, "description", "Describe"),
]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [case[1:] for case in BAD_FIELDS],
    ids=[case[0] for case in BAD_FIELDS],
)
async def test_bad_fields_are_422_and_write_nothing(
    client: httpx.AsyncClient,
    world: World,
    db_session: AsyncSession,
    changes: dict[str, Any],
    field: str,
    words: str,
) -> None:
    before = await entry_count(db_session)
    answer = await client.post(
        "/api/v1/hours", json=world.entry(**changes), headers=world.as_("vol")
    )
    assert answer.status_code == 422, answer.text
    problems = {tuple(p["loc"]): p["msg"] for p in answer.json()["detail"]}
    assert ("body", field) in problems, problems
    assert words in problems[("body", field)]
    assert await entry_count(db_session) == before


async def test_an_unknown_field_and_a_bad_draft_flag(
    client: httpx.AsyncClient, world: World, db_session: AsyncSession
) -> None:
    extra = await client.post(
        "/api/v1/hours", json={**world.entry(), "status": "approved"}, headers=world.as_("vol")
    )
    assert extra.status_code == 422
    draft = await client.post(
        "/api/v1/hours", json={**world.entry(), "draft": "yes"}, headers=world.as_("vol")
    )
    assert draft.status_code == 422
    assert await entry_count(db_session) == 0


CONFLICTS: list[tuple[str, dict[str, Any], str]] = [
    ("overlap", {"start": "16:00", "end": "18:00"}, "overlap your entry"),
    ("inside", {"start": "15:00", "end": "15:30"}, "overlap your entry"),
    ("the same service twice", {}, "already logged this service"),
]


@pytest.mark.parametrize(
    ("changes", "words"), [c[1:] for c in CONFLICTS], ids=[c[0] for c in CONFLICTS]
)
async def test_conflicts_with_other_entries_are_409(
    client: httpx.AsyncClient,
    world: World,
    db_session: AsyncSession,
    changes: dict[str, Any],
    words: str,
) -> None:
    await log(client, world)
    answer = await client.post(
        "/api/v1/hours", json=world.entry(**changes), headers=world.as_("vol")
    )
    assert answer.status_code == 409, answer.text
    assert words in answer.json()["detail"][0]["msg"]
    assert await entry_count(db_session) == 1


async def test_touching_entries_do_not_overlap(client: httpx.AsyncClient, world: World) -> None:
    await log(client, world)
    await log(client, world, start="17:30", end="19:00")


async def test_more_than_24_hours_in_a_day(
    client: httpx.AsyncClient, world: World, db_session: AsyncSession
) -> None:
    await log(client, world, start=..., end=..., hours=20)
    answer = await client.post(
        "/api/v1/hours", json=world.entry(start=..., end=..., hours=4.25), headers=world.as_("vol")
    )
    assert answer.status_code == 409
    assert "24.25 hours" in answer.json()["detail"][0]["msg"]
    await log(client, world, start=..., end=..., hours=4, description="晚间值班")
    assert await entry_count(db_session) == 2


async def test_a_rejected_entry_no_longer_blocks_its_times(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await log(client, world)
    rejected = await client.post(
        f"/api/v1/hours/{first['id']}/reject",
        json={"reason": "那天中心没有开放。"},
        headers=world.as_("trainer"),
    )
    assert rejected.json()["status"] == "rejected"
    await log(client, world, description="补录：实际在另一处服务。")


async def test_other_volunteers_may_log_the_same_afternoon(
    client: httpx.AsyncClient, world: World
) -> None:
    await log(client, world)
    await log(client, world, who="other")


async def test_backfilled_entries_are_flagged(client: httpx.AsyncClient, world: World) -> None:
    assert (await log(client, world, date=days_ago(15)))["backfilled"] is True
    assert (await log(client, world, date=days_ago(14)))["backfilled"] is False
