"""The pathway pages: a volunteer's checklist, the evaluation and referral forms, and the
cohort overview with its filters and exports."""

from __future__ import annotations

import io

import httpx
from bs4 import BeautifulSoup
from fastapi import FastAPI
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lms.models.accounts import User
from lms.models.pathways import Evaluation, Referral
from tests.pathways.conftest import Place, approved_hours, ready_for_l5
from tests.practicum.conftest import days_ago
from tests.support import form_token, sign_in_as


async def as_(
    client: httpx.AsyncClient, app: FastAPI, session: AsyncSession, place: Place, who: str
) -> None:
    user = await session.get(User, place.people[who])
    assert user is not None
    await session.refresh(user)
    await sign_in_as(client, app, session, user)
    client.headers["Accept-Language"] = "en"  # pages default to Chinese


async def test_a_volunteer_sees_what_is_missing_in_chinese(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, place: Place
) -> None:
    await approved_hours(db_session, place, "vol", 2.5)
    await as_(client, app, db_session, place, "vol")
    page = await client.get("/pathway", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.h1 is not None and soup.h1.get_text(strip=True) == "测试路径"
    missing = [li.get_text(" ", strip=True) for li in soup.select(".level-next .missing li")]
    assert len(missing) == 3
    assert "1.5" in missing[2] and "小时" in missing[2]
    assert "Alpha one" in missing[1]
    assert soup.select_one('.site-nav a[href="/pathway"]') is not None


async def test_a_trainer_evaluates_through_the_form(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, place: Place
) -> None:
    await as_(client, app, db_session, place, "trainer")
    record = await client.get("/volunteers/vol")
    assert record.status_code == 200
    assert 'href="/volunteers/vol/evaluate?pathway=path&amp;level=L4"' in record.text
    form = await client.get("/volunteers/vol/evaluate?pathway=path&level=L4")
    assert "Builds rapport" in form.text and "Keeps children safe" in form.text
    token = await form_token(client, "/volunteers/vol/evaluate?pathway=path&level=L4")
    data = {"csrf_token": token, "pathway": "path", "level": "L4", "rating_rapport": "3"}
    refused = await client.post("/volunteers/vol/evaluate", data={**data, "passed": "pass"})
    assert refused.status_code == 422
    soup = BeautifulSoup(refused.text, "html.parser")
    error = soup.select_one("#e-rating_safety")
    assert error is not None and "from 1 to 4" in error.get_text()
    checked = soup.select_one('input[name="rating_rapport"][value="3"]')
    assert checked is not None and checked.has_attr("checked")  # what was typed stays
    assert await db_session.scalar(select(func.count()).select_from(Evaluation)) == 0
    saved = await client.post(
        "/volunteers/vol/evaluate",
        data={**data, "rating_safety": "4", "passed": "not_yet", "comment": "多观察孩子的情绪。"},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/volunteers/vol#evaluations"
    page = await client.get("/volunteers/vol")
    assert "多观察孩子的情绪。" in page.text and "Exceeds the standard" in page.text
    await as_(client, app, db_session, place, "vol")
    mine = await client.get("/pathway")
    assert "多观察孩子的情绪。" in mine.text
    assert "The last evaluation said not yet" in mine.text


async def test_a_volunteer_cannot_open_the_evaluation_form(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, place: Place
) -> None:
    await as_(client, app, db_session, place, "vol")
    page = await client.get("/volunteers/mate/evaluate?level=L4")
    assert page.status_code == 403
    assert "Volunteers do not evaluate" in page.text


async def test_a_coordinator_records_a_referral_through_the_form(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, place: Place
) -> None:
    await as_(client, app, db_session, place, "coord")
    token = await form_token(client, "/volunteers/vol")
    data = {"csrf_token": token, "organisation": "", "role": "儿童服务志愿者", "date": days_ago(1)}
    refused = await client.post("/volunteers/vol/referrals", data=data)
    assert refused.status_code == 422
    assert "儿童服务志愿者" in refused.text  # kept in the form
    assert await db_session.scalar(select(func.count()).select_from(Referral)) == 0
    saved = await client.post(
        "/volunteers/vol/referrals", data={**data, "organisation": "城东区社会工作服务站"}
    )
    assert saved.status_code == 303
    referral = (await db_session.scalars(select(Referral))).one()
    changed = await client.post(
        f"/referrals/{referral.id}", data={"csrf_token": token, "outcome": "placed"}
    )
    assert changed.status_code == 303
    overview = await client.get(f"/cohorts/{place.cohort_code}/pathway")
    assert "城东区社会工作服务站" in overview.text and "Placed" in overview.text


async def test_the_overview_finds_everyone_ready_for_l5_in_one_filter(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place)
    await as_(client, app, db_session, place, "coord")
    page = await client.get(f"/cohorts/{place.cohort_code}/pathway")
    soup = BeautifulSoup(page.text, "html.parser")
    tab = soup.select_one('a[href="?level=L5"]')
    assert tab is not None and tab.select_one(".count").get_text() == "1"  # type: ignore[union-attr]
    filtered = BeautifulSoup(
        (await client.get(f"/cohorts/{place.cohort_code}/pathway?level=L5")).text, "html.parser"
    )
    names = [a.get_text() for a in filtered.select("tbody th a")]
    assert names == ["卓玛"]
    csv = await client.get(f"/cohorts/{place.cohort_code}/pathway.csv?level=L5")
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and "卓玛" in lines[1] and lines[1].startswith("vol,")
    xlsx = await client.get(f"/cohorts/{place.cohort_code}/pathway.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    usernames = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert usernames == ["vol", "mate"]
    assert (await client.get(f"/cohorts/{place.cohort_code}/pathway.pdf")).status_code == 404


async def test_the_overview_search_and_inactive_filter(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, place: Place
) -> None:
    await as_(client, app, db_session, place, "trainer")
    found = await client.get(f"/cohorts/{place.cohort_code}/pathway?q=扎西")
    names = [a.get_text() for a in BeautifulSoup(found.text, "html.parser").select("tbody th a")]
    assert names == ["扎西"]
    idle = await client.get(f"/cohorts/{place.cohort_code}/pathway?show=inactive")
    assert "No volunteer matches these filters." in idle.text  # both joined today
