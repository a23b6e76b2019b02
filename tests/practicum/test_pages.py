"""The practicum pages: a volunteer logs an afternoon with a photo, sees their totals;
a trainer approves a week in one step; refused forms keep what was typed and say why
next to the field; the cohort's exports open in a spreadsheet with Chinese intact."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lms.models.accounts import User
from lms.models.practicum import HourEntry
from tests.practicum.conftest import World, days_ago, log
from tests.practicum.test_evidence import photo
from tests.support import form_token, sign_in_as

pytestmark = pytest.mark.database


async def as_user(
    client: httpx.AsyncClient, app: FastAPI, session: AsyncSession, user: User
) -> None:
    client.cookies.clear()
    client.headers["Accept-Language"] = "en"
    await session.refresh(user)  # a refused request's rollback expired it
    await sign_in_as(client, app, session, user)


def form(world: World, token: str, **changes: str) -> dict[str, str]:
    values = {
        "csrf_token": token,
        "date": days_ago(2),
        "start": "14:00",
        "end": "17:00",
        "hours": "",
        "site": str(world.site_id),
        "activity": "direct_service",
        "description": "带领六名儿童完成作业，组织阅读游戏。",
        "action": "submit",
    }
    values.update(changes)
    return values


async def test_logging_an_afternoon_with_a_photo(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, world: World
) -> None:
    await as_user(client, app, db_session, world.volunteer)
    page = await client.get("/hours/new")
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("#f-date")["value"] == days_ago(0)  # today by default
    assert {o["value"] for o in soup.select("#f-site option")} >= {str(world.site_id)}
    token = await form_token(client, "/hours/new")
    answer = await client.post(
        "/hours/new",
        data=form(world, token),
        files={"evidence": ("sheet.jpg", photo(), "image/jpeg")},
    )
    assert answer.status_code == 303
    entry_page = await client.get(answer.headers["location"])
    text = BeautifulSoup(entry_page.text, "html.parser").get_text(" ", strip=True)
    assert "3 h" in text and "城东社区服务中心" in text and "sheet.jpg" in text
    mine = await client.get("/hours")
    totals = BeautifulSoup(mine.text, "html.parser").select(".hour-totals dd")
    assert [t.get_text(" ", strip=True) for t in totals] == ["0 h", "3 h", "3 h"]
    # The next form remembers the site and activity.
    again = BeautifulSoup((await client.get("/hours/new")).text, "html.parser")
    assert again.select_one("#f-site option[selected]")["value"] == str(world.site_id)


async def test_a_refused_form_keeps_the_text_and_says_why(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, world: World
) -> None:
    await as_user(client, app, db_session, world.volunteer)
    token = await form_token(client, "/hours/new")
    answer = await client.post("/hours/new", data=form(world, token, end="13:00"))
    assert answer.status_code == 422
    soup = BeautifulSoup(answer.text, "html.parser")
    assert "after the start" in soup.select_one("#e-end").get_text()
    assert soup.select_one("#f-description").get_text() == "带领六名儿童完成作业，组织阅读游戏。"
    await log(client, world, date=days_ago(2), start="15:00", end="16:00")
    overlap = await client.post("/hours/new", data=form(world, token))
    assert overlap.status_code == 409
    assert "overlap" in BeautifulSoup(overlap.text, "html.parser").select_one("#e-start").get_text()
    count = await db_session.scalar(select(func.count()).select_from(HourEntry))
    assert count == 1


async def test_a_chinese_page(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, world: World
) -> None:
    await as_user(client, app, db_session, world.volunteer)
    client.headers["Accept-Language"] = "zh-CN"
    token = await form_token(client, "/hours/new")
    answer = await client.post("/hours/new", data=form(world, token, date=days_ago(-1)))
    assert "将来" in BeautifulSoup(answer.text, "html.parser").select_one("#e-date").get_text()


async def test_a_trainer_approves_a_week_in_one_step(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, world: World
) -> None:
    ids = []
    for days, who in ((2, "vol"), (3, "vol"), (4, "other")):
        ids.append((await log(client, world, who=who, date=days_ago(days)))["id"])
    backfilled = (await log(client, world, date=days_ago(20)))["id"]
    await as_user(client, app, db_session, world.trainer)
    page = BeautifulSoup((await client.get("/hours/review")).text, "html.parser")
    boxes = {
        b["value"].split(":")[0]: b.has_attr("checked") for b in page.select("input[name=entry]")
    }
    assert boxes[str(backfilled)] is False  # back-filled: looked at one by one
    assert all(boxes[str(i)] for i in ids)
    token = page.select_one("input[name=csrf_token]")["value"]
    ticked = [b["value"] for b in page.select("input[name=entry][checked]")]
    answer = await client.post("/hours/review", data={"csrf_token": token, "entry": ticked})
    assert answer.status_code == 303
    done = await client.get(answer.headers["location"])
    assert "3 entries approved" in done.text
    statuses = dict((await db_session.execute(select(HourEntry.id, HourEntry.status))).all())
    assert [statuses[i] for i in ids] == ["approved"] * 3
    assert statuses[backfilled] == "submitted"


async def test_the_entry_page_decisions_and_history(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, world: World
) -> None:
    entry = await log(client, world)
    await as_user(client, app, db_session, world.trainer)
    url = f"/hours/{entry['id']}"
    token = await form_token(client, url)
    no_reason = await client.post(
        url + "/decide", data={"csrf_token": token, "decision": "reject", "version": "1"}
    )
    assert no_reason.status_code == 422
    assert BeautifulSoup(no_reason.text, "html.parser").select_one("#e-reason")
    asked = await client.post(
        url + "/decide",
        data={
            "csrf_token": token,
            "decision": "needs-info",
            "version": "1",
            "reason": "请补充签到表。",
        },
    )
    assert asked.status_code == 303
    await as_user(client, app, db_session, world.volunteer)
    page = BeautifulSoup((await client.get(url)).text, "html.parser")
    assert "请补充签到表。" in page.select_one(".alert-warn").get_text()
    history = [li.get_text(" ", strip=True) for li in page.select(".event-list li")]
    assert "Asked for information · trainer" in history[-1]


async def test_exports_open_with_chinese_intact(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, world: World
) -> None:
    first = await log(client, world)
    await log(client, world, who="other", start=..., end=..., hours=2.5, description="=SUM(A1)")
    await log(client, world, draft=True, date=days_ago(6))
    await client.post(f"/api/v1/hours/{first['id']}/approve", headers=world.as_("trainer"))
    await as_user(client, app, db_session, world.coordinator)
    code = world.cohort_code
    answer = await client.get(f"/cohorts/{code}/hours.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Entry", "Username", "Name"]
    assert len(rows) == 3  # the header and two entries: the draft is private
    by_user = {row[1]: row for row in rows[1:]}
    assert by_user["vol"][2] == "阿依古丽" and by_user["vol"][11] == "Approved"
    assert by_user["vol"][13] == "王老师"
    assert by_user["other"][10] == "'=SUM(A1)"  # no formula from a volunteer's text
    summary = await client.get(f"/cohorts/{code}/hours.csv?part=summary")
    lines = list(csv.reader(io.StringIO(summary.content.decode("utf-8-sig"))))
    assert {row[0]: row[3:5] for row in lines[1:]} == {"vol": ["3.5", "0"], "other": ["0", "2.5"]}
    xlsx = await client.get(f"/cohorts/{code}/hours.xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Entries", "Per volunteer"]
    names = {row[1].value: row[2].value for row in book["Entries"].iter_rows(min_row=2)}
    assert names == {"vol": "阿依古丽", "other": "扎西"}
    assert book["Entries"]["H2"].value in (3.5, 2.5)


async def test_only_coordinators_export(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, world: World
) -> None:
    await as_user(client, app, db_session, world.trainer)
    assert (await client.get(f"/cohorts/{world.cohort_code}/hours.csv")).status_code == 403
    await as_user(client, app, db_session, world.volunteer)
    assert (await client.get(f"/cohorts/{world.cohort_code}/hours.csv")).status_code == 403
    await as_user(client, app, db_session, world.coordinator)
    assert (await client.get(f"/cohorts/{world.cohort_code}/hours.pdf")).status_code == 404


async def test_a_coordinator_adds_a_site(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, world: World
) -> None:
    await as_user(client, app, db_session, world.coordinator)
    token = await form_token(client, "/sites")
    taken = await client.post("/sites", data={"csrf_token": token, "name": "城东社区服务中心"})
    assert taken.status_code == 409
    assert (
        "already a site"
        in BeautifulSoup(taken.text, "html.parser").select_one("#e-name").get_text()
    )
    made = await client.post(
        "/sites", data={"csrf_token": token, "name": "团结村儿童之家", "supervisor": "trainer"}
    )
    assert made.status_code == 303
    assert "团结村儿童之家" in (await client.get("/sites")).text
