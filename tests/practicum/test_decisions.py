"""Sign-off over the API: who may see and decide, the life of an entry, two deciders at
once, corrections that keep the old version, and the audit log of every step."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.models.audit import AuditEvent
from tests.practicum.conftest import World, days_ago, log

pytestmark = pytest.mark.database


async def actions(session: AsyncSession, entry_id: int) -> list[tuple[str, str]]:
    query = (
        select(AuditEvent.action, AuditEvent.actor_name)
        .where(
            col(AuditEvent.object_type) == "hour_entry", col(AuditEvent.object_id) == str(entry_id)
        )
        .order_by(col(AuditEvent.id))
    )
    return [(a, b) for a, b in (await session.execute(query)).all()]


async def post(
    client: httpx.AsyncClient, world: World, who: str, path: str, body: Any = None
) -> httpx.Response:
    return await client.post(path, json=body, headers=world.as_(who))


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("vol", 200),
        ("trainer", 200),
        ("coord", 200),
        ("admin", 200),
        ("other", 404),
        ("stranger", 404),
        ("sup", 404),
    ],
)
async def test_who_sees_an_entry(
    client: httpx.AsyncClient, world: World, who: str, status: int
) -> None:
    entry = await log(client, world)
    answer = await client.get(f"/api/v1/hours/{entry['id']}", headers=world.as_(who))
    assert answer.status_code == status


async def test_the_site_supervisor_sees_and_decides_the_sites_entries(
    client: httpx.AsyncClient, world: World
) -> None:
    entry = await log(client, world, site=world.supervised_id)
    assert (await client.get(f"/api/v1/hours/{entry['id']}", headers=world.as_("sup"))).is_success
    approved = await post(client, world, "sup", f"/api/v1/hours/{entry['id']}/approve")
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["decided_by"]) == ("approved", "sup")


async def test_drafts_are_private(client: httpx.AsyncClient, world: World) -> None:
    draft = await log(client, world, draft=True)
    seen = await client.get(f"/api/v1/hours/{draft['id']}", headers=world.as_("trainer"))
    assert seen.status_code == 404
    approve = await post(client, world, "trainer", f"/api/v1/hours/{draft['id']}/approve")
    assert approve.status_code == 404


@pytest.mark.parametrize(
    ("who", "status"), [("vol", 403), ("other", 404), ("stranger", 404), ("trainer", 200)]
)
async def test_who_may_decide(
    client: httpx.AsyncClient, world: World, who: str, status: int
) -> None:
    entry = await log(client, world)
    answer = await post(client, world, who, f"/api/v1/hours/{entry['id']}/approve")
    assert answer.status_code == status, answer.text


async def test_nobody_decides_on_their_own_entries(client: httpx.AsyncClient, world: World) -> None:
    entry = await log(client, world, who="trainer")
    answer = await post(client, world, "trainer", f"/api/v1/hours/{entry['id']}/approve")
    assert answer.status_code == 403
    assert "own" in answer.json()["detail"]
    # The trainer is no volunteer of the cohort: only an admin decides on it.
    assert (
        await post(client, world, "coord", f"/api/v1/hours/{entry['id']}/approve")
    ).status_code == 404
    assert (await post(client, world, "admin", f"/api/v1/hours/{entry['id']}/approve")).is_success


async def test_the_life_of_an_entry(
    client: httpx.AsyncClient, world: World, db_session: AsyncSession
) -> None:
    entry = await log(client, world, draft=True)
    url = f"/api/v1/hours/{entry['id']}"
    patched = await client.patch(url, json={"hours": 3, "version": 1}, headers=world.as_("vol"))
    assert patched.status_code == 200, patched.text
    assert (patched.json()["hours"], patched.json()["start"], patched.json()["version"]) == (
        3,
        None,
        2,
    )
    submitted = await post(client, world, "vol", url + "/submit")
    assert submitted.json()["status"] == "submitted"
    again = await post(client, world, "vol", url + "/submit")
    assert again.status_code == 409
    assert "already submitted" in again.json()["detail"]

    asked = await post(
        client, world, "trainer", url + "/needs-info", {"reason": "请上传签到表照片。"}
    )
    assert (asked.json()["status"], asked.json()["question"]) == (
        "needs_info",
        "请上传签到表照片。",
    )
    assert (await post(client, world, "trainer", url + "/approve")).status_code == 409

    fixed = await client.patch(
        url, json={"description": "补充：签到表见附件。"}, headers=world.as_("vol")
    )
    assert fixed.json()["status"] == "needs_info"
    resubmitted = await post(client, world, "vol", url + "/submit")
    assert resubmitted.json()["status"] == "submitted"
    approved = await post(client, world, "coord", url + "/approve")
    assert (approved.json()["status"], approved.json()["decided_by"]) == ("approved", "coord")

    locked = await client.patch(url, json={"hours": 4}, headers=world.as_("vol"))
    assert locked.status_code == 409
    assert "correction" in locked.json()["detail"]
    assert (await client.delete(url, headers=world.as_("vol"))).status_code == 409
    assert await actions(db_session, entry["id"]) == [
        ("hours.create", "vol"),
        ("hours.update", "vol"),
        ("hours.submit", "vol"),
        ("hours.needs_info", "trainer"),
        ("hours.update", "vol"),
        ("hours.submit", "vol"),
        ("hours.approved", "coord"),
    ]


async def test_reasons_are_required_to_reject_or_ask(
    client: httpx.AsyncClient, world: World
) -> None:
    entry = await log(client, world)
    for action in ("reject", "needs-info"):
        answer = await post(client, world, "trainer", f"/api/v1/hours/{entry['id']}/{action}", {})
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["loc"] == ["body", "reason"]
        long = await post(
            client,
            world,
            "trainer",
            f"/api/v1/hours/{entry['id']}/{action}",
            {"reason": "x" * 1001},
        )
        assert long.status_code == 422
    still = await client.get(f"/api/v1/hours/{entry['id']}", headers=world.as_("vol"))
    assert still.json()["status"] == "submitted"


async def test_rejected_is_final(client: httpx.AsyncClient, world: World) -> None:
    entry = await log(client, world)
    url = f"/api/v1/hours/{entry['id']}"
    await post(client, world, "trainer", url + "/reject", {"reason": "重复记录"})
    assert (await client.patch(url, json={"hours": 1}, headers=world.as_("vol"))).status_code == 409
    assert (await post(client, world, "vol", url + "/submit")).status_code == 409
    correction = await post(client, world, "vol", url + "/corrections", {"reason": "x", "hours": 2})
    assert correction.status_code == 409


async def test_a_stale_version_is_refused(client: httpx.AsyncClient, world: World) -> None:
    entry = await log(client, world)
    url = f"/api/v1/hours/{entry['id']}"
    await client.patch(url, json={"description": "改过了"}, headers=world.as_("vol"))
    stale = await post(client, world, "trainer", url + "/approve", {"version": 1})
    assert stale.status_code == 409
    assert "changed this entry" in stale.json()["detail"]
    assert (await post(client, world, "trainer", url + "/approve", {"version": 2})).is_success


async def test_a_correction_keeps_the_old_version(
    client: httpx.AsyncClient, world: World, db_session: AsyncSession
) -> None:
    entry = await log(client, world)
    url = f"/api/v1/hours/{entry['id']}"
    await post(client, world, "trainer", url + "/approve")
    asked = await post(
        client,
        world,
        "vol",
        url + "/corrections",
        {"reason": "结束时间记错了，应为18:00。", "end": "18:00"},
    )
    assert asked.status_code == 201, asked.text
    assert asked.json()["changes"] == {"end": "18:00"}
    assert asked.json()["status"] == "pending"
    twice = await post(
        client, world, "vol", url + "/corrections", {"reason": "再改", "end": "18:30"}
    )
    assert twice.status_code == 409
    not_mine = await post(client, world, "vol", url + "/corrections/1/accept")
    assert not_mine.status_code == 403
    accepted = await post(client, world, "trainer", url + "/corrections/1/accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["previous"]["end"] == "17:30"
    now = (await client.get(url, headers=world.as_("vol"))).json()
    assert (now["status"], now["end"], now["hours"], now["version"]) == (
        "approved",
        "18:00",
        4.0,
        3,
    )
    assert now["corrections"][0]["status"] == "accepted"
    decided_again = await post(
        client, world, "coord", url + "/corrections/1/decline", {"reason": "x"}
    )
    assert decided_again.status_code == 409
    assert ("hours.correction.accept", "trainer") in await actions(db_session, entry["id"])


async def test_declining_a_correction_needs_a_reason_and_changes_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    entry = await log(client, world)
    url = f"/api/v1/hours/{entry['id']}"
    await post(client, world, "trainer", url + "/approve")
    await post(
        client,
        world,
        "vol",
        url + "/corrections",
        {"reason": "地点错了", "site": world.supervised_id},
    )
    no_reason = await post(client, world, "trainer", url + "/corrections/1/decline", {})
    assert no_reason.status_code == 422
    declined = await post(
        client, world, "trainer", url + "/corrections/1/decline", {"reason": "签到表显示在城东。"}
    )
    assert declined.json()["status"] == "declined"
    now = (await client.get(url, headers=world.as_("vol"))).json()
    assert (now["site"], now["version"]) == (world.site_id, 2)
    missing = await post(client, world, "trainer", url + "/corrections/7/accept")
    assert missing.status_code == 404


BAD_CORRECTIONS: list[tuple[str, dict[str, Any], int]] = [
    ("no reason", {"hours": 2, "start": None, "end": None}, 422),
    ("nothing changes", {"reason": "x"}, 422),
    ("a future date", {"reason": "x", "date": days_ago(-2)}, 422),
    ("bad hours", {"reason": "x", "hours": 0}, 422),
]


@pytest.mark.parametrize(
    ("body", "status"), [c[1:] for c in BAD_CORRECTIONS], ids=[c[0] for c in BAD_CORRECTIONS]
)
async def test_bad_corrections(
    client: httpx.AsyncClient, world: World, body: dict[str, Any], status: int
) -> None:
    entry = await log(client, world)
    url = f"/api/v1/hours/{entry['id']}"
    await post(client, world, "trainer", url + "/approve")
    answer = await post(client, world, "vol", url + "/corrections", body)
    assert answer.status_code == status, answer.text
    assert (await client.get(url, headers=world.as_("vol"))).json()["corrections"] == []


async def test_a_correction_that_would_overlap_is_409(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await log(client, world)
    await log(client, world, start="18:00", end="19:00", description="晚间活动")
    url = f"/api/v1/hours/{first['id']}"
    await post(client, world, "trainer", url + "/approve")
    answer = await post(client, world, "vol", url + "/corrections", {"reason": "x", "end": "18:30"})
    assert answer.status_code == 409


async def test_delete_an_undecided_entry(
    client: httpx.AsyncClient, world: World, db_session: AsyncSession
) -> None:
    entry = await log(client, world)
    url = f"/api/v1/hours/{entry['id']}"
    assert (await client.delete(url, headers=world.as_("trainer"))).status_code == 403
    assert (await client.delete(url, headers=world.as_("other"))).status_code == 404
    assert (await client.delete(url, headers=world.as_("vol"))).status_code == 204
    assert (await client.get(url, headers=world.as_("vol"))).status_code == 404
    assert (await actions(db_session, entry["id"]))[-1] == ("hours.delete", "vol")


async def test_listing_own_and_decidable_entries(client: httpx.AsyncClient, world: World) -> None:
    mine = await log(client, world)
    await log(client, world, draft=True, date=days_ago(5))
    theirs = await log(client, world, who="other", site=world.supervised_id)
    own = (await client.get("/api/v1/hours", headers=world.as_("vol"))).json()
    assert {e["id"] for e in own} == {mine["id"], own[1]["id"]} and len(own) == 2
    assert {e["status"] for e in own} == {"submitted", "draft"}
    drafts = (await client.get("/api/v1/hours?status=draft", headers=world.as_("vol"))).json()
    assert [e["status"] for e in drafts] == ["draft"]
    queue = (await client.get("/api/v1/hours?scope=decide", headers=world.as_("trainer"))).json()
    assert [e["id"] for e in queue] == [mine["id"], theirs["id"]]
    by_volunteer = await client.get("/api/v1/hours?volunteer=other", headers=world.as_("trainer"))
    assert [e["id"] for e in by_volunteer.json()] == [theirs["id"]]
    by_site = await client.get(
        f"/api/v1/hours?site={world.supervised_id}", headers=world.as_("sup")
    )
    assert [e["id"] for e in by_site.json()] == [theirs["id"]]
    by_cohort = await client.get(
        f"/api/v1/hours?cohort={world.cohort_code}", headers=world.as_("coord")
    )
    assert len(by_cohort.json()) == 2
    assert (
        await client.get("/api/v1/hours?scope=decide", headers=world.as_("stranger"))
    ).json() == []
    refused = await client.get("/api/v1/hours?volunteer=other", headers=world.as_("vol"))
    assert refused.status_code == 403
    assert (
        await client.get("/api/v1/hours?status=done", headers=world.as_("vol"))
    ).status_code == 422


async def test_sites(client: httpx.AsyncClient, world: World, db_session: AsyncSession) -> None:
    listed = (await client.get("/api/v1/sites", headers=world.as_("vol"))).json()
    assert {s["name"] for s in listed} == {"城东社区服务中心", "南川社工站"}
    made = await post(
        client, world, "coord", "/api/v1/sites", {"name": "团结村儿童之家", "supervisor": "trainer"}
    )
    assert made.status_code == 201
    assert isinstance(made.json()["id"], int) and made.json()["supervisor"] == "trainer"
    assert (await post(client, world, "trainer", "/api/v1/sites", {"name": "X"})).status_code == 403
    assert (await post(client, world, "vol", "/api/v1/sites", {"name": "X"})).status_code == 403
    taken = await post(client, world, "coord", "/api/v1/sites", {"name": "团结村儿童之家"})
    assert taken.status_code == 409
    for body, field in [
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "Y", "supervisor": "nobody"}, "supervisor"),
        ({"name": "Y", "supervisor": "vol"}, "supervisor"),
        ({"name": "Y", "address": "x" * 301}, "address"),
    ]:
        answer = await post(client, world, "coord", "/api/v1/sites", body)
        assert answer.status_code == 422, body
        assert answer.json()["detail"][0]["loc"] == ["body", field]
    assert len((await client.get("/api/v1/sites", headers=world.as_("vol"))).json()) == 3


async def test_the_api_wants_a_token(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/v1/hours")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
