"""The quiz of a module, in the browser: its page (start, the open attempt's form, the
result), answered with htmx or a plain form post. Grading happens on the server only."""

from __future__ import annotations

import unicodedata
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlmodel import col
from starlette.datastructures import FormData
from starlette.responses import Response

from lms.cohorts import service as cohorts
from lms.courses import service as courses
from lms.db import writes_apart
from lms.i18n import current_language
from lms.i18n import gettext as _
from lms.models.cohorts import Cohort
from lms.models.courses import Course, Pathway
from lms.models.quizzes import QuizAttempt
from lms.quizzes import results
from lms.quizzes import service as quizzes
from lms.quizzes.grading import AnswersRejected
from lms.quizzes.model import MATCHING, MULTIPLE, NUMERIC, Quiz
from lms.web.auth import CurrentUser, StaffUser, optional_user
from lms.web.csrf import verify_csrf
from lms.web.deps import SessionDep, SettingsDep
from lms.web.templating import redirect, render

router = APIRouter(
    include_in_schema=False, dependencies=[Depends(verify_csrf), Depends(optional_user)]
)


def quiz_url(place: quizzes.QuizPlace) -> str:
    return f"/courses/{place.course.slug}/{place.module.stem}/quiz"


async def page_context(
    session: SessionDep,
    user: CurrentUser,
    place: quizzes.QuizPlace,
    outcome: quizzes.Outcome | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The quiz page: the open attempt's form, or the start panel; with ``outcome``, the
    result and review of the attempt just graded, in that attempt's own revision."""
    state = await quizzes.standing(
        session, user=user, module_id=place.module.id or 0, quiz=place.quiz
    )
    shown = outcome.attempt if outcome is not None else state.open_attempt
    quiz = place.quiz
    if shown is not None:
        quiz, _grading = await quizzes.attempt_quiz(session, shown, place)
    return {
        "place": place,
        "quiz": quiz,
        "state": state,
        "attempt": state.open_attempt,
        "questions": quizzes.served(quiz, shown) if shown else [],
        "url": quiz_url(place),
        "values": {},
        "errors": {},
        "outcome": outcome,
        "announce": False,
        **extra,
    }


@router.get("/courses/{slug}/{stem}/quiz")
async def quiz_page(
    request: Request, session: SessionDep, user: CurrentUser, slug: str, stem: str
) -> Response:
    place = await quizzes.find_for(request, session, user, slug, stem)
    return render(request, "quizzes/quiz.html", await page_context(session, user, place))


@router.post("/courses/{slug}/{stem}/quiz")
@writes_apart
async def start_attempt(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    slug: str,
    stem: str,
) -> Response:
    place = await quizzes.find_for(request, session, user, slug, stem)
    factory = request.app.state.session_factory
    await quizzes.start(session, user=user, place=place, zone=settings.zone, writer=factory)
    if request.headers.get("HX-Request") == "true":
        context = await page_context(session, user, place, announce=True)
        return render(request, "quizzes/quiz.html", context, block="quiz")
    return redirect(request, quiz_url(place))


@router.post("/courses/{slug}/{stem}/quiz/answers")
@writes_apart
async def submit_answers(
    request: Request, session: SessionDep, user: CurrentUser, slug: str, stem: str
) -> Response:
    place = await quizzes.find_for(request, session, user, slug, stem)
    form = await request.form()
    raw_id = str(form.get("attempt_id", ""))
    attempt_id = int(raw_id) if raw_id.isdigit() else None
    attempt = await quizzes.own_attempt(session, user=user, attempt_id=attempt_id)
    answers: dict[str, Any] = {}
    if attempt is not None and attempt.finished_at is None:
        quiz, _grading = await quizzes.attempt_quiz(session, attempt, place)
        answers = answers_from_form(form, quiz, attempt)
    try:
        outcome = await quizzes.submit(
            session,
            user=user,
            place=place,
            attempt_id=attempt_id,
            answers=answers,
            writer=request.app.state.session_factory,
        )
    except AnswersRejected as rejected:
        errors = {p.question or "": p.message for p in rejected.problems}
        context = await page_context(
            session, user, place, values=answers, errors=errors, announce=True
        )
        return render(request, "quizzes/quiz.html", context, block="quiz", status_code=422)
    context = await page_context(session, user, place, outcome, announce=True)
    return render(request, "quizzes/quiz.html", context, block="quiz")


def answers_from_form(form: FormData, quiz: Quiz, attempt: QuizAttempt) -> dict[str, Any]:
    """The form's fields as the API's answers: a choice id, a list of ids, a text, a
    number (written with a comma or full-width digits, too), left id → right id."""
    answers: dict[str, Any] = {}
    for question, drawn in quizzes.served(quiz, attempt):
        if question.type == MULTIPLE:
            ticked = [str(v) for v in form.getlist(question.id)]
            if ticked:
                answers[question.id] = ticked
        elif question.type == MATCHING:
            matched = {left: str(form.get(left, "")) for left in drawn.left}
            if any(matched.values()):
                answers[question.id] = {k: v for k, v in matched.items() if v}
        else:
            value = str(form.get(question.id, "")).strip()
            if value and question.type == NUMERIC:
                answers[question.id] = to_number(value)
            elif value:
                answers[question.id] = value
    return answers


def to_number(text: str) -> float | str:
    """2.5, 2,5 and ２．５ are the same number; anything else stays text (and is refused
    with "expected a number")."""
    folded = unicodedata.normalize("NFKC", text).replace(",", ".").replace(" ", "")
    try:
        return float(folded)
    except ValueError:
        return text[:40]


# -- trainers: a cohort's results and item analysis -------------------------------------------


async def pathway_course_slugs(session: SessionDep, cohort: Cohort) -> list[str]:
    """The cohort's pathway's courses; every course when it follows none."""
    if cohort.pathway:
        found = (
            await session.scalars(select(Pathway).where(col(Pathway.slug) == cohort.pathway))
        ).first()
        if found is not None:
            return courses.pathway_courses(found.definition)
    return list(await session.scalars(select(col(Course.slug))))


@router.get("/cohorts/{code}/quizzes")
async def cohort_quizzes(
    request: Request, session: SessionDep, user: StaffUser, code: str
) -> Response:
    cohort = await cohorts.cohort_for(session, code=code, user=user)
    summaries, people = await results.cohort_overview(
        session,
        cohort=cohort,
        language=current_language.get(),
        course_slugs=await pathway_course_slugs(session, cohort),
    )
    return render(
        request,
        "quizzes/cohort.html",
        {"cohort": cohort, "summaries": summaries, "people": people},
    )


async def load_results(
    session: SessionDep, user: StaffUser, code: str, slug: str, stem: str
) -> results.ModuleResults:
    cohort = await cohorts.cohort_for(session, code=code, user=user)
    return await results.module_results(
        session, cohort=cohort, course_slug=slug, stem=stem, language=current_language.get()
    )


@router.get("/cohorts/{code}/quizzes/{slug}/{stem}")
async def quiz_results(
    request: Request, session: SessionDep, user: StaffUser, code: str, slug: str, stem: str
) -> Response:
    found = await load_results(session, user, code, slug, stem)
    return render(request, "quizzes/results.html", {"results": found})


def download_name(found: results.ModuleResults, extension: str) -> str:
    return f"{found.cohort.code}-{found.course.slug}-{found.module.stem}.{extension}"


@router.get("/cohorts/{code}/quizzes/{slug}/{stem}/results.csv")
async def quiz_results_csv(
    session: SessionDep,
    settings: SettingsDep,
    user: StaffUser,
    code: str,
    slug: str,
    stem: str,
) -> Response:
    found = await load_results(session, user, code, slug, stem)
    header, rows = results.table(found, settings.zone)
    return Response(
        results.to_csv(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{download_name(found, "csv")}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/cohorts/{code}/quizzes/{slug}/{stem}/results.xlsx")
async def quiz_results_xlsx(
    session: SessionDep,
    settings: SettingsDep,
    user: StaffUser,
    code: str,
    slug: str,
    stem: str,
) -> Response:
    found = await load_results(session, user, code, slug, stem)
    header, rows = results.table(found, settings.zone)
    item_header, item_rows = results.item_table(found)
    book = results.to_xlsx(
        [(_("Results"), header, rows), (_("Item analysis"), item_header, item_rows)]
    )
    return Response(
        book,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="{download_name(found, "xlsx")}"',
            "Cache-Control": "no-store",
        },
    )
