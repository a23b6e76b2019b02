"""``/api/v1`` for quizzes: start or resume an attempt, submit it, list one's attempts.

Malformed answers are a 422 in FastAPI's shape, one entry per problem with
``loc: ["body", "answers", <question id>]``; the attempt stays open and nothing is
recorded. A finished attempt or a used-up limit is 409; a module the caller is not
enrolled in, or someone else's attempt, is 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse, Response

from lms.db import writes_apart
from lms.i18n import current_language
from lms.quizzes import service as quizzes
from lms.quizzes.grading import AnswersRejected
from lms.web.auth import CurrentUser
from lms.web.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["quizzes"])


class Item(BaseModel):
    id: str
    text: str


class ServedQuestion(BaseModel):
    id: str = Field(examples=["q1"])
    type: str = Field(examples=["single"])
    text: str
    points: float
    choices: list[Item]
    left: list[Item]
    right: list[Item]


class AttemptOut(BaseModel):
    attempt_id: int
    module_title: str
    pass_mark: float
    attempts_left: int | None
    questions: list[ServedQuestion]


class Submission(BaseModel):
    attempt_id: Any = Field(description="from GET …/quiz")
    answers: Any = Field(
        description='{"q1": "q1.b", "q2": ["q2.a", "q2.c"], "q3": "text", "q4": 1.5, '
        '"q5": {"q5.l1": "q5.r2"}}'
    )


class Result(BaseModel):
    score: float
    passed: bool
    attempts_left: int | None
    feedback: dict[str, Any]


class FinishedAttempt(BaseModel):
    attempt_id: int
    course: str
    course_title: str
    module: str
    revision: int
    language: str
    score: float
    passed: bool
    started_at: str
    finished_at: str


@router.get(
    "/courses/{course}/modules/{module}/quiz",
    response_model=AttemptOut,
    summary="Start an attempt at a module's quiz, or resume the open one",
    responses={404: {"description": "No such module or quiz, or not enrolled"}, 409: {}},
)
async def take(
    request: Request,
    course: str,
    module: str,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
) -> AttemptOut:
    place = await quizzes.find_for(request, session, user, course, module)
    attempt, state = await quizzes.start(
        session,
        user=user,
        place=place,
        zone=settings.zone,
        writer=request.app.state.session_factory,
    )
    quiz, _grading = await quizzes.attempt_quiz(session, attempt, place)
    return AttemptOut(
        attempt_id=attempt.id or 0,
        module_title=place.title,
        pass_mark=quiz.settings.pass_mark,
        attempts_left=state.attempts_left,
        questions=[
            ServedQuestion.model_validate(q) for q in quizzes.public_questions(quiz, attempt)
        ],
    )


@router.post(
    "/courses/{course}/modules/{module}/quiz/attempts",
    response_model=Result,
    summary="Submit the answers of an open attempt; graded on the server",
    responses={404: {}, 409: {"description": "Already submitted"}, 422: {}},
)
@writes_apart
async def submit(
    request: Request,
    course: str,
    module: str,
    body: Submission,
    session: SessionDep,
    user: CurrentUser,
) -> Response:
    place = await quizzes.find_for(request, session, user, course, module)
    try:
        outcome = await quizzes.submit(
            session,
            user=user,
            place=place,
            attempt_id=body.attempt_id,
            answers=body.answers,
            writer=request.app.state.session_factory,
        )
    except AnswersRejected as rejected:
        detail = [
            {
                "loc": ["body", "answers", *([p.question] if p.question else [])],
                "msg": p.message,
                "type": "value_error",
            }
            for p in rejected.problems
        ]
        return JSONResponse({"detail": detail}, status_code=422)
    result = Result(
        score=outcome.score,
        passed=outcome.passed,
        attempts_left=outcome.attempts_left,
        feedback=outcome.feedback,
    )
    return JSONResponse(result.model_dump(mode="json"))


@router.get(
    "/me/attempts",
    response_model=list[FinishedAttempt],
    summary="The caller's finished quiz attempts, newest first",
)
async def my_attempts(session: SessionDep, user: CurrentUser) -> list[FinishedAttempt]:
    rows = await quizzes.my_attempts(session, user=user, language=current_language.get())
    return [FinishedAttempt.model_validate(row) for row in rows]
