"""The quiz in the browser: the invitation under the module, starting, answering with a
plain form post and with htmx, a refused form that keeps what was answered, the result."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from lms.models.accounts import User
from tests.factories import load_fixture_content, make_cohort, make_user
from tests.support import FIXTURE_CONTENT, form_token, sign_in_as

pytestmark = pytest.mark.database
MODULE = "/courses/service-records/03-privacy"
QUIZ = MODULE + "/quiz"
EN = {"Accept-Language": "en"}


@pytest.fixture
async def learner(app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession) -> User:
    await load_fixture_content(db_session)
    cohort = await make_cohort(db_session, pathway="records-practice")
    user = await make_user(db_session, username="learner", cohort=cohort)
    await sign_in_as(client, app, db_session, user)
    return user


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def open_form(client: httpx.AsyncClient) -> tuple[str, BeautifulSoup]:
    token = await form_token(client, QUIZ)
    started = await client.post(QUIZ, data={"csrf_token": token}, headers=EN)
    assert started.status_code == 303 and started.headers["location"] == QUIZ
    page = soup(await client.get(QUIZ, headers=EN))
    assert page.select_one("form.quiz-form") is not None
    return token, page


def right_answers(page: BeautifulSoup, token: str) -> dict[str, object]:
    attempt = page.select_one("input[name=attempt_id]")
    assert attempt is not None
    return {
        "csrf_token": token,
        "attempt_id": str(attempt["value"]),
        "q1": "q1.b",
        "q2": ["q2.a", "q2.b"],
        "q3": "Supervisor",
        "q4": "2,5",  # a comma is a decimal point too
        "q5": "q5.a",
        "q6.l1": "q6.r1",
        "q6.l2": "q6.r2",
    }


async def test_the_module_invites_to_its_quiz(client: httpx.AsyncClient, learner: User) -> None:
    invite = soup(await client.get(MODULE, headers=EN)).select_one(".quiz-invite")
    assert invite is not None
    link = invite.select_one("a.button")
    assert link is not None and link["href"] == QUIZ
    other = soup(await client.get("/courses/service-records/01-why-records", headers=EN))
    assert other.select_one(".quiz-invite") is None  # no quiz, no invitation


async def test_start_then_answer_with_a_plain_form(
    client: httpx.AsyncClient, learner: User
) -> None:
    intro = soup(await client.get(QUIZ, headers=EN))
    assert "6 questions" in intro.text and "Pass mark 60 of 100" in intro.text
    assert "3 attempts left" in intro.text
    token, page = await open_form(client)
    legends = [legend.get_text(" ", strip=True) for legend in page.select("fieldset legend")]
    assert legends[0].startswith("May a person's ID number")
    assert len(page.select("input[type=radio][name=q1]")) == 3
    assert len(page.select("input[type=checkbox][name=q2]")) == 3
    assert page.select_one("input[name=q4]")["inputmode"] == "decimal"  # type: ignore[index]
    assert len(page.select("select[name^='q6.l'] option")) == 6  # 2 lefts × (prompt + 2)
    result = await client.post(QUIZ + "/answers", data=right_answers(page, token), headers=EN)
    assert result.status_code == 200
    shown = soup(result)
    assert shown.select_one(".quiz-result.passed") is not None
    assert "100" in shown.select_one(".quiz-result .big").text  # type: ignore[union-attr]
    assert "2 attempts left" in shown.text
    assert len(shown.select(".quiz-review > li.right")) == 6
    module = soup(await client.get(MODULE, headers=EN))
    assert "Quiz passed on" in module.select_one(".module-status").text  # type: ignore[union-attr]


async def test_a_missing_answer_keeps_the_others_and_records_nothing(
    client: httpx.AsyncClient, learner: User
) -> None:
    token, page = await open_form(client)
    answers = right_answers(page, token)
    del answers["q3"]
    refused = await client.post(
        QUIZ + "/answers", data=answers, headers={**EN, "HX-Request": "true"}
    )
    assert refused.status_code == 422
    fragment = soup(refused)
    assert fragment.select_one("html") is None  # the quiz block alone, for htmx
    problem = fragment.select_one("#q3 .field-error")
    assert problem is not None and problem.text == "Answer this question."
    assert fragment.select_one("#q3")["aria-describedby"] == "q3-error"  # type: ignore[index]
    checked = fragment.select_one("input[name=q1][checked]")
    assert checked is not None and checked["value"] == "q1.b"
    assert fragment.select_one("input[name=q4]")["value"] == "2.5"  # type: ignore[index]
    again = await client.post(QUIZ + "/answers", data=right_answers(page, token), headers=EN)
    assert again.status_code == 200  # the attempt stayed open


async def test_a_tampered_form_is_refused(client: httpx.AsyncClient, learner: User) -> None:
    token, page = await open_form(client)
    answers = {**right_answers(page, token), "q1": "q2.a", "q4": "two and a half"}
    refused = await client.post(QUIZ + "/answers", data=answers, headers=EN)
    assert refused.status_code == 422
    errors = {e.parent["id"]: e.text for e in soup(refused).select(".field-error")}  # type: ignore[index]
    assert errors == {
        "q1": "q2.a is not a choice of this question.",
        "q4": "Expected a number.",
    }
    stolen = {**right_answers(page, token), "attempt_id": "999999"}
    assert (await client.post(QUIZ + "/answers", data=stolen, headers=EN)).status_code == 404


async def test_with_htmx_the_result_replaces_the_form(
    client: httpx.AsyncClient, learner: User
) -> None:
    token = await form_token(client, QUIZ)
    started = await client.post(
        QUIZ, data={"csrf_token": token}, headers={**EN, "HX-Request": "true"}
    )
    form = soup(started)
    assert form.select_one("section#quiz form.quiz-form") is not None
    answers = {**right_answers(form, token), "q1": "q1.a", "q2": ["q2.c"], "q5": "q5.b"}
    result = await client.post(
        QUIZ + "/answers", data=answers, headers={**EN, "HX-Request": "true"}
    )
    shown = soup(result)
    assert shown.select_one(".quiz-result.failed") is not None
    assert "The answers are shown after you pass." in shown.text
    assert shown.select_one(".quiz-review") is None
    retry = shown.select_one(".quiz-start button")
    assert retry is not None and retry.text == "Try again"


async def test_not_enrolled_sees_a_404_and_an_invitation_to_enrol(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    await load_fixture_content(db_session)
    outsider = await make_user(db_session, username="outsider")
    await sign_in_as(client, app, db_session, outsider)
    assert (await client.get(QUIZ, headers=EN)).status_code == 404
    invite = soup(await client.get(MODULE, headers=EN)).select_one(".quiz-invite")
    assert invite is not None and "Enrol in the course to take it." in invite.text


async def test_an_attempt_is_graded_and_reviewed_in_its_own_revision(
    client: httpx.AsyncClient, db_session: AsyncSession, learner: User, tmp_path: Path
) -> None:
    """The module is republished between start and submit: the review shows the
    questions the learner was served, and the next attempt gets the new ones."""
    token, page = await open_form(client)
    changed = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, changed)
    module = changed / "courses" / "service-records" / "03-privacy.en.md"
    module.write_text(
        module.read_text(encoding="utf-8").replace(
            "May a person's ID number go into a shared record?",
            "Does an ID number belong in a shared record?",
        ),
        encoding="utf-8",
    )
    report = await load_fixture_content(db_session, changed)
    assert report.revisions == ["service-records/03-privacy@2"]
    result = soup(await client.post(QUIZ + "/answers", data=right_answers(page, token), headers=EN))
    first = result.select_one(".quiz-review .question-text")
    assert first is not None and "May a person's ID number" in first.text
    token = await form_token(client, QUIZ)
    await client.post(QUIZ, data={"csrf_token": token}, headers=EN)
    again = soup(await client.get(QUIZ, headers=EN))
    assert "Does an ID number belong" in again.select_one("fieldset legend").text  # type: ignore[union-attr]
