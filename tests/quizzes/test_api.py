"""Taking a quiz over the API: start or resume, submit once, grading on the server, the
limits, and every kind of bad input (422 changes nothing, 409 for what is finished or
used up, 404 for what the caller may not see)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lms.accounts import service as accounts
from lms.models.accounts import User
from lms.models.courses import ModuleProgress
from lms.models.quizzes import QuizAttempt
from tests.factories import load_fixture_content, make_cohort, make_user

pytestmark = pytest.mark.database
QUIZ = "/api/v1/courses/service-records/modules/03-privacy/quiz"
RIGHT: dict[str, Any] = {
    "q1": "q1.b",
    "q2": ["q2.a", "q2.b"],
    "q3": "督导",
    "q4": 2.5,
    "q5": "q5.a",
    "q6": {"q6.l1": "q6.r1", "q6.l2": "q6.r2"},
}


async def bearer_for(session: AsyncSession, user: User, language: str = "zh-CN") -> dict[str, str]:
    token = await accounts.create_token(session, user=user, name="app")
    return {"Authorization": f"Bearer {token}", "Accept-Language": language}


@pytest.fixture
async def learner(db_session: AsyncSession) -> User:
    await load_fixture_content(db_session)
    cohort = await make_cohort(db_session, pathway="records-practice")
    return await make_user(db_session, username="learner", cohort=cohort)


@pytest.fixture
async def headers(db_session: AsyncSession, learner: User) -> dict[str, str]:
    return await bearer_for(db_session, learner)


async def start(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    answer = await client.get(QUIZ, headers=headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def submit(
    client: httpx.AsyncClient, headers: dict[str, str], attempt: Any, answers: Any
) -> httpx.Response:
    return await client.post(
        QUIZ + "/attempts", headers=headers, json={"attempt_id": attempt, "answers": answers}
    )


async def test_an_attempt_serves_questions_without_answers_and_resumes(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    served = await start(client, headers)
    assert served["module_title"] == "记录中的隐私"
    assert (served["pass_mark"], served["attempts_left"]) == (60, 3)
    assert [q["id"] for q in served["questions"]] == ["q1", "q2", "q3", "q4", "q5", "q6"]
    assert [q["type"] for q in served["questions"]] == [
        "single",
        "multiple",
        "short",
        "numeric",
        "true_false",
        "matching",
    ]
    first = served["questions"][0]
    assert first["text"] == "服务对象的身份证号可以写进公共记录吗？"
    assert [c["id"] for c in first["choices"]] == ["q1.a", "q1.b", "q1.c"]
    assert set(first["choices"][0]) == {"id", "text"}  # no weight, no correct flag
    matching = served["questions"][5]
    assert [x["id"] for x in matching["left"]] == ["q6.l1", "q6.l2"]
    assert sorted(x["id"] for x in matching["right"]) == ["q6.r1", "q6.r2"]
    text = str(served)
    for secret in ("correct", "weight", "feedback", "督导'", "2.5"):
        assert secret not in text
    again = await start(client, headers)
    assert again["attempt_id"] == served["attempt_id"]  # resumed, not a second attempt


async def test_the_english_reader_gets_english_questions(
    client: httpx.AsyncClient, db_session: AsyncSession, learner: User
) -> None:
    served = await start(client, await bearer_for(db_session, learner, "en"))
    assert served["questions"][0]["text"].startswith("May a person's ID number")
    assert [c["text"] for c in served["questions"][4]["choices"]] == ["True", "False"]


async def test_right_answers_pass_record_progress_and_show_feedback(
    client: httpx.AsyncClient, headers: dict[str, str], db_session: AsyncSession, learner: User
) -> None:
    attempt = (await start(client, headers))["attempt_id"]
    graded = await submit(client, headers, attempt, RIGHT)
    assert graded.status_code == 200, graded.text
    body = graded.json()
    assert (body["score"], body["passed"], body["attempts_left"]) == (100, True, 2)
    assert body["feedback"]["q1"]["correct"] is True
    assert "对，身份证号不写进记录。" in body["feedback"]["q1"]["feedback"]
    assert "对，先当面告诉督导。" in body["feedback"]["q3"]["feedback"]  # that answer's own
    assert body["feedback"]["q6"]["answer"] == {"q6.l1": "q6.r1", "q6.l2": "q6.r2"}
    progress = (
        await db_session.scalars(select(ModuleProgress).where(ModuleProgress.user_id == learner.id))
    ).one()
    assert progress.quiz_passed_at is not None and progress.read_at is None
    (row,) = (await client.get("/api/v1/me/attempts", headers=headers)).json()
    assert (row["attempt_id"], row["module"], row["score"], row["passed"]) == (
        attempt,
        "03-privacy",
        100,
        True,
    )
    assert row["revision"] == 1 and row["finished_at"].endswith("+00:00")
    (course,) = (await client.get("/api/v1/me/progress", headers=headers)).json()
    assert (course["modules_complete"], course["quizzes_passed"]) == (1, 1)


async def test_partial_credit_is_points_weighted_and_a_fail_shows_no_answers(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    attempt = (await start(client, headers))["attempt_id"]
    answers = {
        **RIGHT,
        "q1": "q1.c",  # 50 %
        "q2": ["q2.a", "q2.c"],  # +1/2 - 1/2 = 0
        "q3": "  ＤＵ督导 ",  # not an accepted answer: 0
        "q4": 2.9,  # in [2, 3]: 50 %
        "q5": "q5.b",  # 0
    }
    body = (await submit(client, headers, attempt, answers)).json()
    # q1 0.5 + q2 0 + q3 0 + q4 0.5 + q5 0 + q6 1 = 2 of 6 points
    assert body["score"] == pytest.approx(100 * 2 / 6)
    assert body["passed"] is False
    assert body["feedback"] == {}  # show answers: after pass (the default)


async def test_short_answers_ignore_case_width_and_spaces_and_accept_either_language(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    attempt = (await start(client, headers))["attempt_id"]
    body = (await submit(client, headers, attempt, {**RIGHT, "q3": "  The  SUPERVISOR "})).json()
    assert body["score"] == 100


@pytest.mark.parametrize(
    ("answers", "where"),
    [
        ({**RIGHT, "q9": "q9.a"}, "q9"),  # not a question of this attempt
        ({**RIGHT, "q1": "q2.a"}, "q1"),  # a choice of another question
        ({**RIGHT, "q1": "q1.z"}, "q1"),  # no such choice
        ({k: v for k, v in RIGHT.items() if k != "q3"}, "q3"),  # missing
        ({**RIGHT, "q1": ["q1.b"]}, "q1"),  # wrong type for single
        ({**RIGHT, "q2": "q2.a"}, "q2"),  # wrong type for multiple
        ({**RIGHT, "q2": ["q2.a", "q2.a"]}, "q2"),  # a box twice
        ({**RIGHT, "q3": 5}, "q3"),  # wrong type for short
        ({**RIGHT, "q4": "2.5"}, "q4"),  # a string is not a number
        ({**RIGHT, "q4": True}, "q4"),  # nor is a boolean
        ({**RIGHT, "q6": {"q6.l1": "q6.r1"}}, "q6"),  # a left item unmatched
        ({**RIGHT, "q6": {"q6.l1": "q6.r1", "q6.l2": "q1.a"}}, "q6"),  # not a right item
    ],
)
async def test_malformed_answers_are_422_and_leave_the_attempt_open(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    db_session: AsyncSession,
    answers: dict[str, Any],
    where: str,
) -> None:
    attempt = (await start(client, headers))["attempt_id"]
    refused = await submit(client, headers, attempt, answers)
    assert refused.status_code == 422
    assert ["body", "answers", where] in [p["loc"] for p in refused.json()["detail"]]
    row = await db_session.get(QuizAttempt, attempt)
    assert row is not None and row.finished_at is None and row.answers is None
    assert (await submit(client, headers, attempt, RIGHT)).status_code == 200


async def test_answers_that_are_not_an_object_are_422(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    attempt = (await start(client, headers))["attempt_id"]
    refused = await submit(client, headers, attempt, ["q1.b"])
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "answers"]


async def test_a_finished_attempt_is_409_and_a_stranger_attempt_404(
    client: httpx.AsyncClient, headers: dict[str, str], db_session: AsyncSession
) -> None:
    attempt = (await start(client, headers))["attempt_id"]
    assert (await submit(client, headers, attempt, RIGHT)).status_code == 200
    twice = await submit(client, headers, attempt, RIGHT)  # the double click
    assert twice.status_code == 409
    assert "已经提交" in twice.json()["detail"]
    cohort = await make_cohort(db_session, code="OTHER", pathway="records-practice")
    other = await make_user(db_session, username="other", cohort=cohort)
    theirs = await bearer_for(db_session, other)
    their_attempt = (await start(client, theirs))["attempt_id"]
    assert (await submit(client, headers, their_attempt, RIGHT)).status_code == 404
    for bad in ("1", None, True, 0, -1, 10**9, 10**30):  # 10**30: no database error
        assert (await submit(client, headers, bad, RIGHT)).status_code == 404


async def test_max_attempts_then_409(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    wrong = {**RIGHT, "q1": "q1.a", "q2": ["q2.c"], "q3": "x", "q4": 9, "q5": "q5.b"}
    for left in (2, 1, 0):
        attempt = (await start(client, headers))["attempt_id"]
        body = (await submit(client, headers, attempt, wrong)).json()
        assert body["attempts_left"] == left
    used = await client.get(QUIZ, headers=headers)
    assert used.status_code == 409
    assert "3" in used.json()["detail"]


async def test_the_cool_down_after_a_failed_attempt(
    client: httpx.AsyncClient, headers: dict[str, str], db_session: AsyncSession
) -> None:
    from lms.models.courses import ModuleText

    for text in await db_session.scalars(select(ModuleText)):
        if text.quiz_data:
            text.quiz_data = {
                **text.quiz_data,
                "settings": {**text.quiz_data["settings"], "cool_down_minutes": 30},
            }
    await db_session.flush()
    attempt = (await start(client, headers))["attempt_id"]
    await submit(
        client,
        headers,
        attempt,
        {
            **RIGHT,
            "q1": "q1.a",
            "q6": {"q6.l1": "q6.r2", "q6.l2": "q6.r1"},
            "q2": ["q2.c"],
            "q3": "x",
            "q4": 0,
        },
    )
    waiting = await client.get(QUIZ, headers=headers)
    assert waiting.status_code == 409
    row = await db_session.get(QuizAttempt, attempt)
    assert row is not None and row.finished_at is not None
    row.finished_at = row.finished_at - timedelta(minutes=31)
    await db_session.flush()
    assert (await client.get(QUIZ, headers=headers)).status_code == 200


async def test_not_enrolled_unknown_module_or_no_quiz_is_404(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    await load_fixture_content(db_session)
    outsider = await make_user(db_session, username="outsider")
    headers = await bearer_for(db_session, outsider)
    not_enrolled = await client.get(QUIZ, headers=headers)
    assert not_enrolled.status_code == 404
    await client.post("/api/v1/courses/service-records/enrolment", headers=headers)
    assert (await client.get(QUIZ, headers=headers)).status_code == 200
    no_quiz = "/api/v1/courses/service-records/modules/01-why-records/quiz"
    assert (await client.get(no_quiz, headers=headers)).status_code == 404
    unknown = "/api/v1/courses/service-records/modules/09-nothing/quiz"
    assert (await client.get(unknown, headers=headers)).status_code == 404
    assert (await client.get(QUIZ)).status_code == 401
