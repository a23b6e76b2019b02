"""What trainers see: a cohort's quiz results, the item analysis with real numbers, and
the CSV (UTF-8 with BOM) and XLSX exports; who may see them."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from lms.models.accounts import Role, User
from lms.models.cohorts import Cohort
from lms.quizzes import service as quizzes
from lms.quizzes.results import item_analysis, module_results
from tests.factories import load_fixture_content, make_cohort, make_user
from tests.support import sign_in_as

pytestmark = pytest.mark.database
RESULTS = "/cohorts/QZ-1/quizzes/service-records/03-privacy"
RIGHT: dict[str, Any] = {
    "q1": "q1.b",
    "q2": ["q2.a", "q2.b"],
    "q3": "督导",
    "q4": 2.5,
    "q5": "q5.a",
    "q6": {"q6.l1": "q6.r1", "q6.l2": "q6.r2"},
}
WRONG: dict[str, Any] = {
    "q1": "q1.a",
    "q2": ["q2.c"],
    "q3": "朋友",
    "q4": 9,
    "q5": "q5.b",
    "q6": {"q6.l1": "q6.r2", "q6.l2": "q6.r1"},
}


async def take(session: AsyncSession, user: User, answers: dict[str, Any]) -> float:
    place = await quizzes.find(
        session, user=user, course_slug="service-records", stem="03-privacy", language="zh"
    )
    from zoneinfo import ZoneInfo

    attempt, _state = await quizzes.start(session, user=user, place=place, zone=ZoneInfo("UTC"))
    outcome = await quizzes.submit(
        session, user=user, place=place, attempt_id=attempt.id, answers=answers
    )
    return outcome.score


@pytest.fixture
async def cohort(db_session: AsyncSession) -> Cohort:
    """Nine volunteers: three answer everything right, three half, three everything wrong
    (one of them tries again and passes); one volunteer never tries."""
    await load_fixture_content(db_session)
    cohort = await make_cohort(db_session, code="QZ-1", pathway="records-practice")
    half = {**RIGHT, "q2": ["q2.c"], "q3": "朋友", "q4": 9}  # q1, q5, q6 right: 50
    for index, answers in enumerate([RIGHT] * 3 + [half] * 3 + [WRONG] * 3):
        user = await make_user(
            db_session, username=f"v{index}", name=f"志愿者{index}", cohort=cohort
        )
        await take(db_session, user, answers)
        if index == 8:
            await take(db_session, user, RIGHT)
    await make_user(db_session, username="idle", name="未作答", cohort=cohort)
    await make_user(db_session, username="sly", name='=HYPERLINK("http://x","点我")', cohort=cohort)
    return cohort


async def test_results_and_item_analysis_from_first_attempts(
    db_session: AsyncSession, cohort: Cohort
) -> None:
    found = await module_results(
        db_session, cohort=cohort, course_slug="service-records", stem="03-privacy", language="zh"
    )
    by_name = {r.user.username: r for r in found.learners}
    assert len(found.learners) == 11 and found.attempted == 9
    assert (by_name["v8"].attempts, by_name["v8"].best, by_name["v8"].passed) == (2, 100, True)
    assert (by_name["v5"].best, by_name["v5"].passed) == (50, False)
    assert by_name["idle"].attempts == 0 and by_name["idle"].best is None
    assert found.passed == 4  # the three right, and v8 on the second try (50 is no pass)
    items = {item.question.id: item for item in found.items}
    assert found.first_attempts == 9  # v8's retry is not in the analysis
    # q1: right for the right and half groups (6 of 9), wrong for 3
    assert items["q1"].facility == pytest.approx(100 * 6 / 9)
    assert items["q1"].discrimination == pytest.approx(100.0)  # top third 100 %, bottom 0 %
    assert items["q2"].facility == pytest.approx(100 * 3 / 9)
    assert items["q2"].discrimination == pytest.approx(100.0)
    counts = {c.id: c.count for c in items["q1"].choices}
    assert counts == {"q1.a": 3, "q1.b": 6, "q1.c": 0}
    assert [c.correct for c in items["q1"].choices] == [False, True, False]
    assert items["q4"].choices == []  # numbers have no choices to count


def test_no_discrimination_below_six_attempts() -> None:
    from lms.quizzes.syntax import parse

    quiz = parse("1. Q\n*a) x\nb) y\n").quiz
    assert item_analysis(quiz, [])[0].facility is None
    assert item_analysis(quiz, [])[0].discrimination is None


async def test_the_results_page_csv_and_xlsx(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession, cohort: Cohort
) -> None:
    trainer = await make_user(db_session, username="trn", role=Role.trainer, cohort=cohort)
    await sign_in_as(client, app, db_session, trainer)
    zh = {"Accept-Language": "zh-CN"}
    overview = BeautifulSoup(
        (await client.get("/cohorts/QZ-1/quizzes", headers=zh)).text, "html.parser"
    )
    row = overview.select_one("tbody tr")
    assert row is not None
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    assert cells[0].startswith("记录中的隐私")
    assert cells[1:3] == ["9 / 11", "4 / 11"]
    page = BeautifulSoup((await client.get(RESULTS, headers=zh)).text, "html.parser")
    names = [
        td.get_text(" ", strip=True)
        for td in page.select("#people-title ~ div tbody td:first-child")
    ]
    assert "未作答 idle" in names
    first_item = page.select_one(".item-list > li")
    assert first_item is not None and "67%" in first_item.text
    exported = await client.get(RESULTS + "/results.csv", headers=zh)
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert exported.content.startswith(b"\xef\xbb\xbf")
    assert "QZ-1-service-records-03-privacy.csv" in exported.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:6] == ["姓名", "用户名", "学号", "作答次数", "最高分", "通过"]
    v8 = next(r for r in rows if r[1] == "v8")
    assert v8[3:6] == ["2", "100.0", "是"]
    assert v8[7:] == ["100"] * 6  # each question's share in the best attempt
    sly = next(r for r in rows if r[1] == "sly")
    assert sly[0] == '\'=HYPERLINK("http://x","点我")'  # text in Excel, not a formula
    book = load_workbook(
        io.BytesIO((await client.get(RESULTS + "/results.xlsx", headers=zh)).content)
    )
    assert book.sheetnames == ["成绩", "题目分析"]
    sheet = book["成绩"]
    assert sheet.cell(row=1, column=1).value == "姓名"
    assert {sheet.cell(row=r, column=2).value for r in range(2, 13)} >= {"v0", "idle"}
    formulas = [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    items = book["题目分析"]
    assert items.cell(row=2, column=1).value == "q1"
    assert items.cell(row=2, column=4).value == pytest.approx(66.7)


async def test_volunteers_and_other_cohorts_staff_may_not_see_results(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession, cohort: Cohort
) -> None:
    volunteer = await make_user(db_session, username="vv", cohort=cohort)
    await sign_in_as(client, app, db_session, volunteer)
    assert (await client.get(RESULTS)).status_code == 403
    stranger = await make_user(db_session, username="st", role=Role.trainer)
    await sign_in_as(client, app, db_session, stranger)
    assert (await client.get(RESULTS)).status_code == 404
    assert (await client.get(RESULTS + "/results.csv")).status_code == 404
