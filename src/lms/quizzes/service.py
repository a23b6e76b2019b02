"""Taking a quiz: start or resume an attempt, submit it once, see where one stands.

An attempt is served from the module's current revision and keeps that revision, the
language, and the draw (which questions, and the order of their choices). It is graded
against the quiz of its own revision, so editing a quiz never changes a past score. The
best score counts; a passed attempt marks the module's quiz passed. Limits: ``max
attempts`` finished attempts, and ``cool-down`` minutes after a failed one.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col
from starlette.requests import Request

from lms.courses.service import _insert, course_language, localised
from lms.db import SessionFactory
from lms.errors import Conflict, NotFound
from lms.i18n import current_language, format_when
from lms.i18n import gettext as _
from lms.models.accounts import User
from lms.models.base import as_utc, utcnow
from lms.models.courses import (
    Course,
    Enrolment,
    Module,
    ModuleProgress,
    ModuleRevision,
    ModuleText,
)
from lms.models.quizzes import QuizAttempt
from lms.quizzes import grading
from lms.quizzes.grading import Drawn
from lms.quizzes.model import (
    CHOICE_TYPES,
    MATCHING,
    NUMERIC,
    SHORT,
    Question,
    Quiz,
    ShowAnswers,
)
from lms.quizzes.syntax import normalise, number_text

_random = secrets.SystemRandom()


@dataclass
class QuizPlace:
    """A module's quiz as one learner meets it now."""

    course: Course
    module: Module
    revision_id: int
    language: str
    title: str  # the module's, in that language
    quiz: Quiz
    versions: Versions = field(default_factory=dict)  # of the revision, by language
    cache: QuizCache | None = None


@dataclass
class Standing:
    finished: int = 0
    best: float | None = None
    passed: bool = False
    open_attempt: QuizAttempt | None = None
    attempts_left: int | None = None  # None: no limit
    wait_until: datetime | None = None  # cool-down after a failed attempt

    @property
    def may_start(self) -> bool:
        return self.open_attempt is not None or (
            self.attempts_left != 0 and self.wait_until is None
        )


@dataclass
class Outcome:
    attempt: QuizAttempt
    score: float
    passed: bool
    attempts_left: int | None
    feedback: dict[str, Any] = field(default_factory=dict)
    shown: bool = False  # whether the answers may be shown


@dataclass(frozen=True)
class Version:
    """A revision's quiz in one language: the module's title, the quiz as served, and
    the quiz to grade with (the same, accepting every language's short answers)."""

    title: str
    quiz: Quiz
    grading: Quiz


Versions = dict[str, Version]  # by language; empty when the revision has no quiz


async def _load_versions(session: AsyncSession, revision_id: int) -> Versions:
    rows = (
        await session.execute(
            select(
                col(ModuleText.language), col(ModuleText.title), col(ModuleText.quiz_data)
            ).where(col(ModuleText.revision_id) == revision_id, col(ModuleText.quiz).is_not(None))
        )
    ).all()
    parsed = {language: (title, data) for language, title, data in rows if data}
    versions = {}
    for language, (title, data) in parsed.items():
        others = [Quiz.from_json(d) for lang, (_t, d) in parsed.items() if lang != language]
        versions[language] = Version(
            title=title,
            quiz=Quiz.from_json(data),
            grading=grading.with_answers_of(Quiz.from_json(data), others),
        )
    return versions


class QuizCache:
    """Parsed quizzes by revision id, per worker. A published revision never changes, so
    nothing here goes stale; the least recently used leave first. The quizzes are shared
    between requests: nothing may change them."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: OrderedDict[int, Versions] = OrderedDict()

    async def get(self, session: AsyncSession, revision_id: int) -> Versions:
        if revision_id in self._items:
            self._items.move_to_end(revision_id)
            return self._items[revision_id]
        versions = await _load_versions(session, revision_id)
        self._items[revision_id] = versions
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return versions


async def _versions(session: AsyncSession, revision_id: int, cache: QuizCache | None) -> Versions:
    if cache is None:
        return await _load_versions(session, revision_id)
    return await cache.get(session, revision_id)


async def find(
    session: AsyncSession,
    *,
    user: User,
    course_slug: str,
    stem: str,
    language: str,
    cache: QuizCache | None = None,
) -> QuizPlace:
    """The quiz of a module the learner is enrolled in; 404 for anything else. Two
    statements: the course, module, revision and enrolment; the revision's texts."""
    row = (
        await session.execute(
            select(Course, Module, col(ModuleRevision.id), col(Enrolment.id))
            .outerjoin(Module, (col(Module.course_id) == Course.id) & (col(Module.stem) == stem))
            .outerjoin(
                ModuleRevision,
                (col(ModuleRevision.module_id) == Module.id)
                & (col(ModuleRevision.revision) == Module.current_revision),
            )
            .outerjoin(
                Enrolment,
                (col(Enrolment.course_id) == Course.id) & (col(Enrolment.user_id) == user.id),
            )
            .where(col(Course.slug) == course_slug)
        )
    ).first()
    if row is None:
        raise NotFound(_("There is no course %(slug)s.") % {"slug": course_slug[:64]})
    course, module, revision_id, enrolled = row
    if module is None or revision_id is None:
        raise NotFound(
            _("The course %(course)s has no module %(module)s.")
            % {"course": course.slug, "module": stem[:80]}
        )
    if enrolled is None:
        raise NotFound(_("You are not enrolled in the course of this quiz."))
    versions = await _versions(session, revision_id, cache)
    chosen = course_language(course, language)
    if chosen not in versions:
        chosen = course.languages[0]
    if chosen not in versions:
        raise NotFound(_("This module has no quiz."))
    return QuizPlace(
        course=course,
        module=module,
        revision_id=revision_id,
        language=chosen,
        title=versions[chosen].title,
        quiz=versions[chosen].quiz,
        versions=versions,
        cache=cache,
    )


async def find_for(
    request: Request, session: AsyncSession, user: User, course_slug: str, stem: str
) -> QuizPlace:
    """``find`` as a page or the API asks: in the request's language, with the worker's
    cache of parsed quizzes."""
    return await find(
        session,
        user=user,
        course_slug=course_slug,
        stem=stem,
        language=current_language.get(),
        cache=request.app.state.quizzes,
    )


async def standing(
    session: AsyncSession, *, user: User, module_id: int, quiz: Quiz, now: datetime | None = None
) -> Standing:
    """Where a learner stands with a quiz: one statement of aggregates, however many
    attempts (the open attempt is then loaded by its id, from the session when it has it)."""
    finished_at = col(QuizAttempt.finished_at)
    finished, best, passed, open_id, last_finished, last_pass = (
        await session.execute(
            select(
                func.count(finished_at),  # counts the finished ones only
                func.max(col(QuizAttempt.score)),
                func.max(case((col(QuizAttempt.passed).is_(True), 1), else_=0)),
                func.max(case((finished_at.is_(None), col(QuizAttempt.id)))),
                func.max(finished_at),
                func.max(case((col(QuizAttempt.passed).is_(True), finished_at))),
            ).where(col(QuizAttempt.user_id) == user.id, col(QuizAttempt.module_id) == module_id)
        )
    ).one()
    state = Standing(
        finished=int(finished or 0),
        best=float(best) if best is not None else None,
        passed=bool(passed),
        open_attempt=await session.get(QuizAttempt, open_id) if open_id is not None else None,
    )
    settings = quiz.settings
    if settings.max_attempts is not None:
        state.attempts_left = max(0, settings.max_attempts - state.finished)
    failed_last = last_finished is not None and (last_pass is None or last_pass < last_finished)
    if settings.cool_down_minutes and failed_last:
        until = as_utc(last_finished) + timedelta(minutes=settings.cool_down_minutes)
        if until > (now or utcnow()):
            state.wait_until = until
    return state


def draw(quiz: Quiz) -> list[Drawn]:
    """This attempt's questions (``pick`` of them, in the file's order) and the order of
    their parts: choices shuffled when the quiz says so, matching's right side always."""
    questions = quiz.questions
    if quiz.settings.pick is not None and quiz.settings.pick < len(questions):
        chosen = set(_random.sample(range(len(questions)), quiz.settings.pick))
        questions = [q for i, q in enumerate(questions) if i in chosen]
    served = []
    for question in questions:
        choices = [c.id for c in question.choices] if question.type in CHOICE_TYPES else []
        if quiz.settings.shuffle_answers:
            _random.shuffle(choices)
        left = [p.left_id for p in question.pairs]
        right = [p.right_id for p in question.pairs]
        _random.shuffle(right)
        served.append(Drawn(question.id, tuple(choices), tuple(left), tuple(right)))
    return served


async def start(
    session: AsyncSession,
    *,
    user: User,
    place: QuizPlace,
    zone: ZoneInfo,
    writer: SessionFactory | None = None,
    now: datetime | None = None,
) -> tuple[QuizAttempt, Standing]:
    """The learner's open attempt at this quiz, or a new one if the limits allow, with
    where they stand (the attempt open in it): 409 when
    every attempt is used or the cool-down runs. With ``writer`` the insert is a short
    write transaction of its own (the checks read before it; the one-open-attempt index
    keeps two concurrent starts to one attempt)."""
    now = now or utcnow()
    state = await standing(
        session, user=user, module_id=place.module.id or 0, quiz=place.quiz, now=now
    )
    if state.open_attempt is not None:
        return state.open_attempt, state
    if state.attempts_left == 0:
        raise Conflict(
            _("You have used all %(count)s attempts at this quiz.")
            % {"count": place.quiz.settings.max_attempts}
        )
    if state.wait_until is not None:
        raise Conflict(
            _("You can try this quiz again from %(time)s.")
            % {"time": format_when(state.wait_until, zone, style="short")}
        )
    async with _writing(session, writer) as write:
        state.open_attempt = await _open_attempt(write, user=user, place=place, now=now)
    return state.open_attempt, state


async def _open_attempt(
    session: AsyncSession, *, user: User, place: QuizPlace, now: datetime
) -> QuizAttempt:
    inserted = await session.execute(
        _insert(session, QuizAttempt)
        .values(
            user_id=user.id,
            module_id=place.module.id,
            revision_id=place.revision_id,
            language=place.language,
            draw=[d.to_json() for d in draw(place.quiz)],
            started_at=now,
        )
        .on_conflict_do_nothing(
            index_elements=["user_id", "module_id"],
            index_where=col(QuizAttempt.finished_at).is_(None),
        )
        .returning(QuizAttempt)
    )
    created = inserted.scalars().first()
    if created is not None:
        return created
    attempt = (  # started at the same moment by another request of the learner
        await session.scalars(
            select(QuizAttempt).where(
                col(QuizAttempt.user_id) == user.id,
                col(QuizAttempt.module_id) == place.module.id,
                col(QuizAttempt.finished_at).is_(None),
            )
        )
    ).one()
    return attempt


def served(quiz: Quiz, attempt: QuizAttempt) -> list[tuple[Question, Drawn]]:
    """The questions of an attempt, in its draw's order, with the order of their parts."""
    result = []
    for item in attempt.draw:
        drawn = Drawn.from_json(item)
        question = quiz.question(drawn.id)
        if question is not None:
            result.append((question, drawn))
    return result


def public_questions(quiz: Quiz, attempt: QuizAttempt) -> list[dict[str, Any]]:
    """What the API serves of an attempt: never answers, weights or feedback."""
    questions = []
    for question, drawn in served(quiz, attempt):
        choices = {c.id: c.text for c in question.choices}
        lefts = {p.left_id: p.left for p in question.pairs}
        rights = {p.right_id: p.right for p in question.pairs}
        questions.append(
            {
                "id": question.id,
                "type": question.type,
                "text": question.text,
                "points": question.points,
                "choices": [{"id": c, "text": choices[c]} for c in drawn.choices],
                "left": [{"id": x, "text": lefts[x]} for x in drawn.left],
                "right": [{"id": x, "text": rights[x]} for x in drawn.right],
            }
        )
    return questions


async def attempt_quiz(
    session: AsyncSession, attempt: QuizAttempt, place: QuizPlace | None = None
) -> tuple[Quiz, Quiz]:
    """(the quiz the attempt was served, the quiz to grade it with), from its own
    revision (the place's when it is the same)."""
    if place is not None and place.revision_id == attempt.revision_id:
        versions = place.versions
    else:
        versions = await _versions(
            session, attempt.revision_id, place.cache if place is not None else None
        )
    version = versions.get(attempt.language)
    if version is None:  # a revision's texts never change
        raise NotFound(_("This module has no quiz."))
    return version.quiz, version.grading


async def submit(
    session: AsyncSession,
    *,
    user: User,
    place: QuizPlace,
    attempt_id: Any,
    answers: Any,
    writer: SessionFactory | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Grades an open attempt once. Someone else's attempt, or one of another module, is
    404; a finished one is 409 (a double click included); malformed answers raise
    ``grading.AnswersRejected`` and change nothing. Everything is read and graded first;
    with ``writer`` only the closing of the attempt (a conditional update: of two
    submissions one wins) and the pass are a short write transaction."""
    now = now or utcnow()
    attempt = await own_attempt(session, user=user, attempt_id=attempt_id)
    if attempt is None or attempt.module_id != place.module.id:
        raise NotFound(_("There is no such attempt at this quiz."))
    if attempt.finished_at is not None:
        raise Conflict(_("This attempt was already submitted."))
    served_quiz, grading_quiz = await attempt_quiz(session, attempt, place)
    drawn = [Drawn.from_json(item) for item in attempt.draw]
    checked = grading.check(grading_quiz, drawn, answers)
    result = grading.grade(grading_quiz, drawn, checked)
    passed = result.score >= served_quiz.settings.pass_mark
    before = await standing(
        session, user=user, module_id=place.module.id or 0, quiz=served_quiz, now=now
    )
    values = {
        "answers": checked,
        "fractions": result.fractions,
        "score": result.score,
        "passed": passed,
        "finished_at": now,
    }
    async with _writing(session, writer) as write:
        closed = await write.execute(
            update(QuizAttempt)
            .where(col(QuizAttempt.id) == attempt.id, col(QuizAttempt.finished_at).is_(None))
            .values(**values)
            .returning(col(QuizAttempt.id))
        )
        if closed.first() is None:
            raise Conflict(_("This attempt was already submitted."))
        if passed and not before.passed:  # a pass before this one recorded it already
            await _record_pass(write, user=user, attempt=attempt, now=now)
    for name, value in values.items():
        set_committed_value(attempt, name, value)
    state = Standing(
        finished=before.finished + 1,
        best=max(before.best or 0.0, result.score),
        passed=before.passed or passed,
    )
    if served_quiz.settings.max_attempts is not None:
        state.attempts_left = max(0, served_quiz.settings.max_attempts - state.finished)
    if served_quiz.settings.cool_down_minutes and not passed:
        state.wait_until = now + timedelta(minutes=served_quiz.settings.cool_down_minutes)
    outcome = Outcome(
        attempt=attempt, score=result.score, passed=passed, attempts_left=state.attempts_left
    )
    outcome.shown = answers_shown(served_quiz, state)
    if outcome.shown:
        outcome.feedback = review(served_quiz, attempt)
    return outcome


@asynccontextmanager
async def _writing(
    session: AsyncSession, writer: SessionFactory | None
) -> AsyncIterator[AsyncSession]:
    """A short write transaction of its own from ``writer``, committed on leaving; or,
    without one, the caller's session (tests, the CLI). The reading transaction ends
    first: its connection goes back to the pool (a request never holds two, so a full
    pool cannot deadlock) and what it reads next includes this write."""
    if writer is None:
        yield session
        return
    await session.commit()
    async with writer(write=True) as write:
        yield write
        await write.commit()


MAX_ID = 2**63 - 1  # the largest id either database stores


async def own_attempt(session: AsyncSession, *, user: User, attempt_id: Any) -> QuizAttempt | None:
    """The learner's own attempt with this id; None for anything else, a malformed or
    out-of-range id included (never a database error)."""
    if isinstance(attempt_id, bool) or not isinstance(attempt_id, int):
        return None
    if not 0 < attempt_id <= MAX_ID:
        return None
    attempt = await session.get(QuizAttempt, attempt_id)
    return attempt if attempt is not None and attempt.user_id == user.id else None


async def _record_pass(
    session: AsyncSession, *, user: User, attempt: QuizAttempt, now: datetime
) -> None:
    await session.execute(
        _insert(session, ModuleProgress)
        .values(
            user_id=user.id,
            module_id=attempt.module_id,
            revision_id=attempt.revision_id,
            quiz_passed_at=now,
        )
        .on_conflict_do_nothing(index_elements=["user_id", "module_id"])
    )
    await session.execute(
        update(ModuleProgress)
        .where(
            col(ModuleProgress.user_id) == user.id,
            col(ModuleProgress.module_id) == attempt.module_id,
            col(ModuleProgress.quiz_passed_at).is_(None),
        )
        .values(quiz_passed_at=now)
    )


def answers_shown(quiz: Quiz, state: Standing) -> bool:
    """Whether a learner may see the right answers and the feedback now."""
    rule = quiz.settings.show_answers
    if rule == ShowAnswers.after_pass:
        return state.passed
    if rule == ShowAnswers.after_last_attempt:
        return state.attempts_left == 0
    return False


def review(quiz: Quiz, attempt: QuizAttempt) -> dict[str, Any]:
    """Per question of a finished attempt: points earned, whether fully right, the
    feedback that applies and the right answer, in the attempt's language."""
    answers = attempt.answers or {}
    fractions = attempt.fractions or {}
    result: dict[str, Any] = {}
    for question, _drawn in served(quiz, attempt):
        share = fractions.get(question.id, 0.0)
        given = answers.get(question.id)
        notes = [question.feedback.correct if share >= 1 else question.feedback.incorrect]
        if question.type in CHOICE_TYPES:
            chosen = given if isinstance(given, list) else [given]
            notes += [c.feedback for c in question.choices if c.id in chosen]
        elif question.type == SHORT and isinstance(given, str):
            notes += [c.feedback for c in question.choices if normalise(c.text) == normalise(given)]
        notes.append(question.feedback.general)
        result[question.id] = {
            "points": round(question.points * share, 2),
            "of": question.points,
            "correct": share >= 1,
            "feedback": [note for note in notes if note],
            "answer": right_answer(question),
        }
    return result


def right_answer(question: Question) -> Any:
    """The full-credit answer in the form the API accepts (texts for short answers)."""
    if question.type in CHOICE_TYPES:
        right = [c.id for c in question.choices if c.correct]
        return right if question.type not in ("single", "true_false") else right[0]
    if question.type == SHORT:
        return [c.text for c in question.choices if c.weight == 100]
    if question.type == NUMERIC:
        main = question.main
        assert main is not None
        if main.range is not None:
            return f"{number_text(main.range[0])} – {number_text(main.range[1])}"
        tolerance = f" ± {number_text(main.tolerance)}" if main.tolerance else ""
        return f"{number_text(main.answer or 0)}{tolerance}"
    if question.type == MATCHING:
        return {pair.left_id: pair.right_id for pair in question.pairs}
    return None


async def my_attempts(session: AsyncSession, *, user: User, language: str) -> list[dict[str, Any]]:
    """The learner's finished attempts, newest first, for ``GET /api/v1/me/attempts``."""
    rows = await session.execute(
        select(QuizAttempt, col(Module.stem), Course, col(ModuleRevision.revision))
        .join(Module, col(Module.id) == QuizAttempt.module_id)
        .join(Course, col(Course.id) == Module.course_id)
        .join(ModuleRevision, col(ModuleRevision.id) == QuizAttempt.revision_id)
        .where(col(QuizAttempt.user_id) == user.id, col(QuizAttempt.finished_at).is_not(None))
        .order_by(col(QuizAttempt.finished_at).desc(), col(QuizAttempt.id).desc())
    )
    return [
        {
            "attempt_id": attempt.id,
            "course": course.slug,
            "course_title": localised(
                course.title, course_language(course, language), course.languages[0]
            ),
            "module": stem,
            "revision": revision,
            "language": attempt.language,
            "score": attempt.score,
            "passed": attempt.passed,
            "started_at": as_utc(attempt.started_at).isoformat(),
            "finished_at": as_utc(attempt.finished_at).isoformat() if attempt.finished_at else None,
        }
        for attempt, stem, course, revision in rows
    ]
