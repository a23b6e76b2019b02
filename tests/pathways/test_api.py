"""``/api/v1`` for pathways: the checklist, evaluations, referrals, the cohort overview,
and every refusal with nothing written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lms.models.audit import AuditEvent
from lms.models.pathways import Evaluation, Referral
from tests.pathways.conftest import Place, approved_hours, ready_for_l5
from tests.practicum.conftest import bearer, days_ago


def good_evaluation(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "level": "L4",
        "ratings": {
            "rapport": {"rating": 3, "comment": "孩子们愿意和她交流。"},
            "safety": {"rating": 4},
        },
        "passed": True,
        "comment": "",
    }
    body.update(changes)
    return body


async def count(session: AsyncSession, table: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_my_pathway_has_the_documented_shape(
    client: httpx.AsyncClient, db_session: AsyncSession, place: Place
) -> None:
    await approved_hours(db_session, place, "vol", 2.5)
    answer = await client.get("/api/v1/me/pathway", headers=place.as_("vol"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["pathway"] == "path" and body["pathway_title"] == "Test Pathway"
    assert [level["code"] for level in body["levels"]] == ["L5", "L4"]
    l5 = body["levels"][0]
    assert l5["eligible"] is False and l5["certified"] is False
    assert [r["kind"] for r in l5["requirements"]] == ["course", "quiz", "quiz", "hours"]
    hours = l5["requirements"][-1]
    assert hours == {
        "kind": "hours",
        "key": "hours",
        "title": "Approved practicum hours",
        "target": 4,
        "current": 2.5,
        "met": False,
        "detail": "2.5 of 4 approved hours: 1.5 more",
    }
    course = l5["requirements"][0]
    assert (course["target"], course["current"], course["met"]) == (2, 0, False)
    assert "1.5 more approved hours" in l5["missing"]
    kinds = [r["kind"] for r in body["levels"][1]["requirements"]]
    assert kinds[0] == "prerequisite" and kinds[-1] == "evaluation"


async def test_my_pathway_speaks_chinese(
    client: httpx.AsyncClient, db_session: AsyncSession, place: Place
) -> None:
    headers = {**place.as_("vol"), "Accept-Language": "zh-CN"}
    body = (await client.get("/api/v1/me/pathway", headers=headers)).json()
    assert body["pathway_title"] == "测试路径"
    assert body["levels"][0]["title"] == "五级"
    assert "测验" in " ".join(body["levels"][0]["missing"])


async def test_my_pathway_without_a_pathway_is_404(client: httpx.AsyncClient, place: Place) -> None:
    answer = await client.get("/api/v1/me/pathway", headers=place.as_("sup"))
    assert answer.status_code == 404
    assert "pathway" in answer.json()["detail"]
    answer = await client.get("/api/v1/me/pathway?pathway=nope", headers=place.as_("vol"))
    assert answer.status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [("coord", 200), ("trainer", 200), ("admin", 200), ("stranger", 404), ("vol", 403)],
)
async def test_who_sees_a_volunteers_pathway(
    client: httpx.AsyncClient, place: Place, who: str, status: int
) -> None:
    target = "mate" if who == "vol" else "vol"
    answer = await client.get(f"/api/v1/volunteers/{target}/pathway", headers=place.as_(who))
    assert answer.status_code == status, answer.text
    if status == 200:
        assert answer.json()["username"] == target
        assert answer.json()["levels"][0]["code"] == "L5"


async def test_nobody_gets_401(client: httpx.AsyncClient, place: Place) -> None:
    for path in ("/api/v1/me/pathway", "/api/v1/volunteers/vol/pathway"):
        assert (await client.get(path)).status_code == 401


async def test_a_site_supervisor_sees_a_volunteer_who_served_there(
    client: httpx.AsyncClient, db_session: AsyncSession, place: Place
) -> None:
    path = "/api/v1/volunteers/vol/pathway"
    assert (await client.get(path, headers=place.as_("sup"))).status_code == 404
    await approved_hours(db_session, place, "vol", 3, site="supervised")
    answer = await client.get(path, headers=place.as_("sup"))
    assert answer.status_code == 200
    assert answer.json()["levels"][0]["requirements"][-1]["current"] == 3


async def test_a_trainer_of_the_cohort_evaluates(
    client: httpx.AsyncClient, db_session: AsyncSession, place: Place
) -> None:
    answer = await client.post(
        "/api/v1/volunteers/vol/evaluations", json=good_evaluation(), headers=place.as_("trainer")
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["level"] == "L4" and body["passed"] is True and body["capacity"] == "trainer"
    assert body["evaluator"] == "王老师"
    assert [(r["criterion"], r["rating"]) for r in body["ratings"]] == [
        ("rapport", 3),
        ("safety", 4),
    ]
    assert body["ratings"][0]["title"] == "Builds rapport"
    event = (
        await db_session.scalars(select(AuditEvent).where(AuditEvent.action == "pathway.evaluate"))
    ).one()
    assert event.actor_id == place.people["trainer"]
    assert event.after["ratings"] == {"rapport": 3, "safety": 4}
    mine = await client.get("/api/v1/me/evaluations", headers=place.as_("vol"))
    assert [e["id"] for e in mine.json()] == [body["id"]]
    pathway = (await client.get("/api/v1/me/pathway", headers=place.as_("vol"))).json()
    assert pathway["levels"][1]["requirements"][-1]["met"] is True


async def test_a_site_supervisor_evaluates_as_supervisor(
    client: httpx.AsyncClient, db_session: AsyncSession, place: Place
) -> None:
    await approved_hours(db_session, place, "vol", 1, site="supervised")
    answer = await client.post(
        "/api/v1/volunteers/vol/evaluations", json=good_evaluation(), headers=place.as_("sup")
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["capacity"] == "supervisor"


@pytest.mark.parametrize(
    ("who", "changes", "status", "field", "words"),
    [
        ("vol", {}, 403, None, "Volunteers do not evaluate"),
        ("mate", {}, 403, None, "Volunteers do not evaluate"),
        ("stranger", {}, 404, None, "no volunteer vol"),
        ("sup", {}, 404, None, "no volunteer vol"),
        ("coord", {}, 403, None, "Only a trainer"),
        ("trainer", {"level": "L5"}, 422, "level", "does not ask for an evaluation"),
        ("trainer", {"level": "L9"}, 422, "level", "no level L9"),
        ("trainer", {"pathway": "other"}, 422, "pathway", "pathways"),
        (
            "trainer",
            {"ratings": {"rapport": {"rating": 5}, "safety": {"rating": 3}}},
            422,
            "rating_rapport",
            "from 1 to 4",
        ),
        (
            "trainer",
            {"ratings": {"rapport": {"rating": 0}, "safety": {"rating": 3}}},
            422,
            "rating_rapport",
            "from 1 to 4",
        ),
        (
            "trainer",
            {"ratings": {"rapport": {"rating": "good"}, "safety": {"rating": 3}}},
            422,
            "rating_rapport",
            "from 1 to 4",
        ),
        (
            "trainer",
            {"ratings": {"rapport": {"rating": 3}}},
            422,
            "rating_safety",
            "from 1 to 4",
        ),
        (
            "trainer",
            {"ratings": {"rapport": 3, "safety": 3, "humour": 4}},
            422,
            "rating_humour",
            "no criterion humour",
        ),
        ("trainer", {"passed": "maybe"}, 422, "passed", "passed or not yet"),
        ("trainer", {"passed": False}, 422, "comment", "still needs to work on"),
        ("trainer", {"comment": "长" * 2001}, 422, "comment", "2000"),
    ],
)
async def test_refused_evaluations_write_nothing(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    place: Place,
    who: str,
    changes: dict[str, Any],
    status: int,
    field: str | None,
    words: str,
) -> None:
    target = "mate" if who == "vol" else "vol"  # never oneself
    answer = await client.post(
        f"/api/v1/volunteers/{target}/evaluations",
        json=good_evaluation(**changes),
        headers=place.as_(who),
    )
    assert answer.status_code == status, answer.text
    assert words in answer.text
    if field:
        assert any(field in error["loc"] for error in answer.json()["detail"]), answer.text
    assert await count(db_session, Evaluation) == 0


async def test_a_coordinator_refers_and_records_the_outcome(
    client: httpx.AsyncClient, db_session: AsyncSession, place: Place
) -> None:
    body = {"organisation": "城东区社会工作服务站", "role": "儿童服务志愿者", "date": days_ago(1)}
    answer = await client.post(
        "/api/v1/volunteers/vol/referrals", json=body, headers=place.as_("coord")
    )
    assert answer.status_code == 201, answer.text
    referral = answer.json()
    assert referral["outcome"] == "pending" and referral["cohort"] == place.cohort_code
    changed = await client.patch(
        f"/api/v1/referrals/{referral['id']}",
        json={"outcome": "placed"},
        headers=place.as_("coord"),
    )
    assert changed.status_code == 200 and changed.json()["outcome"] == "placed"
    listed = await client.get("/api/v1/volunteers/vol/referrals", headers=place.as_("trainer"))
    assert [r["outcome"] for r in listed.json()] == ["placed"]
    actions = list(
        await db_session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_type == "referral")
        )
    )
    assert sorted(actions) == ["referral.create", "referral.update"]
    refused = await client.patch(
        f"/api/v1/referrals/{referral['id']}", json={"outcome": "lost"}, headers=place.as_("coord")
    )
    assert refused.status_code == 422
    for who, status in (("trainer", 403), ("elsewhere", 404), ("vol", 403)):
        answer = await client.patch(
            f"/api/v1/referrals/{referral['id']}",
            json={"outcome": "declined"},
            headers=place.as_(who),
        )
        assert answer.status_code == status, (who, answer.text)
    stored = await db_session.get(Referral, referral["id"])
    assert stored is not None
    await db_session.refresh(stored)
    assert stored.outcome == "placed"


@pytest.mark.parametrize(
    ("who", "changes", "status", "words"),
    [
        ("elsewhere", {}, 404, "no volunteer vol"),
        ("stranger", {}, 404, "no volunteer vol"),
        ("trainer", {}, 403, "Only a coordinator"),
        ("vol", {}, 403, ""),
        ("coord", {"organisation": " "}, 422, "organisation"),
        ("coord", {"role": "x" * 121}, 422, "120"),
        ("coord", {"date": "yesterday"}, 422, "YYYY-MM-DD"),
        ("coord", {"date": days_ago(-2)}, 422, "later than today"),
        ("coord", {"outcome": "hired"}, 422, "pending, placed or declined"),
    ],
)
async def test_refused_referrals_write_nothing(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    place: Place,
    who: str,
    changes: dict[str, Any],
    status: int,
    words: str,
) -> None:
    body = {"organisation": "城东区社会工作服务站", "role": "志愿者", "date": days_ago(1)}
    body.update(changes)
    target = "mate" if who == "vol" else "vol"
    answer = await client.post(
        f"/api/v1/volunteers/{target}/referrals", json=body, headers=place.as_(who)
    )
    assert answer.status_code == status, answer.text
    assert words in answer.text
    assert await count(db_session, Referral) == 0


async def test_the_cohort_overview_filters_eligible_volunteers(
    client: httpx.AsyncClient, db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place)
    path = f"/api/v1/cohorts/{place.cohort_code}/pathway"
    everyone = (await client.get(path, headers=place.as_("coord"))).json()
    assert [v["username"] for v in everyone["volunteers"]] == ["vol", "mate"]  # readiest first
    ready = (await client.get(f"{path}?level=L5", headers=place.as_("coord"))).json()
    assert [v["username"] for v in ready["volunteers"]] == ["vol"]
    assert ready["volunteers"][0]["levels"][0]["eligible"] is True
    none = (await client.get(f"{path}?level=L4", headers=place.as_("coord"))).json()
    assert none["count"] == 0
    by_name = (await client.get(f"{path}?sort=name", headers=place.as_("coord"))).json()
    assert [v["name"] for v in by_name["volunteers"]] == sorted(["卓玛", "扎西"])
    assert (await client.get(f"{path}?level=L9", headers=place.as_("coord"))).status_code == 404
    assert (await client.get(path, headers=place.as_("stranger"))).status_code == 404
    assert (await client.get(path, headers=place.as_("vol"))).status_code == 403


async def test_tokens_in_chinese_get_chinese_errors(
    client: httpx.AsyncClient, db_session: AsyncSession, place: Place
) -> None:
    from lms.models.accounts import User

    trainer = await db_session.get(User, place.people["trainer"])
    assert trainer is not None
    headers = await bearer(db_session, trainer, "zh")
    answer = await client.post(
        "/api/v1/volunteers/vol/evaluations",
        json=good_evaluation(ratings={"rapport": {"rating": 9}, "safety": {"rating": 3}}),
        headers=headers,
    )
    assert answer.status_code == 422
    assert "请打 1 到 4 分。" in answer.text
