"""What trainers see of a cohort's quizzes: each volunteer's attempts and best score, and
an item analysis of each question.

The item analysis takes each volunteer's first finished attempt (how the question did when
they first met it, before any retry), as Moodle's quiz statistics do by default:
- facility: the mean share of the question's points earned, in percent;
- discrimination: the facility among the top third of those attempts by score minus the
  facility among the bottom third (from -100 to 100; below about 20 the question tells
  strong and weak learners apart poorly); shown when there are at least 6 attempts;
- for choice questions, how many chose each choice.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.cohorts.roster import spreadsheet_safe
from lms.courses.service import course_language, find_course, localised
from lms.errors import NotFound
from lms.i18n import gettext as _
from lms.models.accounts import User
from lms.models.base import as_utc
from lms.models.cohorts import Cohort, CohortMember
from lms.models.courses import Course, Module, ModuleRevision, ModuleText
from lms.models.quizzes import QuizAttempt
from lms.quizzes.model import CHOICE_TYPES, Question, Quiz

MIN_FOR_DISCRIMINATION = 6


@dataclass
class LearnerResult:
    user: User
    attempts: int = 0
    best: float | None = None
    passed: bool = False
    last_at: datetime | None = None
    best_fractions: dict[str, float] = field(default_factory=dict)


@dataclass
class ChoiceCount:
    id: str
    html: str
    correct: bool
    count: int


@dataclass
class ItemStat:
    question: Question
    answered: int = 0
    facility: float | None = None  # percent
    discrimination: float | None = None  # percent points
    choices: list[ChoiceCount] = field(default_factory=list)


@dataclass
class ModuleResults:
    cohort: Cohort
    course: Course
    module: Module
    title: str
    course_title: str
    quiz: Quiz
    learners: list[LearnerResult]
    items: list[ItemStat]
    first_attempts: int = 0
    older_revisions: int = 0  # first attempts taken on an earlier revision of the module

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.learners)

    @property
    def attempted(self) -> int:
        return sum(r.attempts > 0 for r in self.learners)


@dataclass
class QuizSummary:
    course: Course
    course_title: str
    module: Module
    title: str
    attempted: int
    passed: int
    mean_best: float | None


async def volunteers(session: AsyncSession, cohort: Cohort) -> list[User]:
    rows = await session.scalars(
        select(User)
        .join(CohortMember, col(CohortMember.user_id) == User.id)
        .where(col(CohortMember.cohort_id) == cohort.id, col(CohortMember.role) == "volunteer")
        .order_by(col(User.name), col(User.username))
    )
    return list(rows)


async def _current_quizzes(
    session: AsyncSession, course_ids: list[int], language: str
) -> list[tuple[Course, Module, int, ModuleText]]:
    """Every published module with a quiz in these courses, in course and module order,
    with the text in ``language`` (or the course's first language)."""
    rows = await session.execute(
        select(Course, Module, col(ModuleRevision.id), ModuleText)
        .join(Module, col(Module.course_id) == Course.id)
        .join(
            ModuleRevision,
            (col(ModuleRevision.module_id) == Module.id)
            & (col(ModuleRevision.revision) == Module.current_revision),
        )
        .join(ModuleText, col(ModuleText.revision_id) == ModuleRevision.id)
        .where(col(Course.id).in_(course_ids), col(ModuleText.quiz).is_not(None))
        .order_by(col(Course.position), col(Course.slug), col(Module.number))
    )
    chosen: dict[int, tuple[Course, Module, int, ModuleText]] = {}
    for course, module, revision_id, text in rows:
        if not text.quiz_data:  # synced before quizzes were parsed: nothing to show
            continue
        wanted = course_language(course, language)
        known = chosen.get(module.id or 0)
        if known is None or text.language == wanted:
            chosen[module.id or 0] = (course, module, int(revision_id or 0), text)
    return list(chosen.values())


async def cohort_overview(
    session: AsyncSession, *, cohort: Cohort, language: str, course_slugs: list[str]
) -> tuple[list[QuizSummary], int]:
    """Each quiz of the cohort's pathway courses: how many volunteers tried and passed;
    and how many volunteers the cohort has."""
    courses = list(await session.scalars(select(Course).where(col(Course.slug).in_(course_slugs))))
    quizzes = await _current_quizzes(session, [c.id or 0 for c in courses], language)
    people = {u.id for u in await volunteers(session, cohort)}
    attempts = list(
        await session.scalars(
            select(QuizAttempt).where(
                col(QuizAttempt.module_id).in_([m.id for _c, m, _r, _t in quizzes]),
                col(QuizAttempt.user_id).in_(people),
                col(QuizAttempt.finished_at).is_not(None),
            )
        )
    )
    summaries = []
    for course, module, _revision, text in quizzes:
        best: dict[int, float] = {}
        passed: set[int] = set()
        for attempt in attempts:
            if attempt.module_id == module.id:
                best[attempt.user_id] = max(best.get(attempt.user_id, 0.0), attempt.score or 0.0)
                if attempt.passed:
                    passed.add(attempt.user_id)
        summaries.append(
            QuizSummary(
                course=course,
                course_title=localised(
                    course.title, course_language(course, language), course.languages[0]
                ),
                module=module,
                title=text.title,
                attempted=len(best),
                passed=len(passed),
                mean_best=sum(best.values()) / len(best) if best else None,
            )
        )
    return summaries, len(people)


async def module_results(
    session: AsyncSession, *, cohort: Cohort, course_slug: str, stem: str, language: str
) -> ModuleResults:
    course = await find_course(session, course_slug)
    found = [
        entry
        for entry in await _current_quizzes(session, [course.id or 0], language)
        if entry[1].stem == stem
    ]
    if not found:
        raise NotFound(
            _("The course %(course)s has no quiz in a module %(module)s.")
            % {"course": course.slug, "module": stem[:80]}
        )
    _course, module, revision_id, text = found[0]
    quiz = Quiz.from_json(text.quiz_data or {})
    people = await volunteers(session, cohort)
    attempts = list(
        await session.scalars(
            select(QuizAttempt)
            .where(
                col(QuizAttempt.module_id) == module.id,
                col(QuizAttempt.user_id).in_([u.id for u in people]),
                col(QuizAttempt.finished_at).is_not(None),
            )
            .order_by(col(QuizAttempt.finished_at), col(QuizAttempt.id))
        )
    )
    learners = {u.id: LearnerResult(user=u) for u in people}
    first: dict[int, QuizAttempt] = {}
    for attempt in attempts:
        result = learners[attempt.user_id]
        result.attempts += 1
        score = attempt.score or 0.0
        if result.best is None or score > result.best:
            result.best, result.best_fractions = score, dict(attempt.fractions or {})
        result.passed = result.passed or bool(attempt.passed)
        result.last_at = attempt.finished_at
        first.setdefault(attempt.user_id, attempt)
    firsts = list(first.values())
    return ModuleResults(
        cohort=cohort,
        course=course,
        module=module,
        title=text.title,
        course_title=localised(
            course.title, course_language(course, language), course.languages[0]
        ),
        quiz=quiz,
        learners=list(learners.values()),
        items=item_analysis(quiz, firsts),
        first_attempts=len(firsts),
        older_revisions=sum(a.revision_id != revision_id for a in firsts),
    )


def item_analysis(quiz: Quiz, attempts: list[QuizAttempt]) -> list[ItemStat]:
    ranked = sorted(attempts, key=lambda a: a.score or 0.0)
    third = len(ranked) // 3
    bottom, top = ranked[:third], ranked[len(ranked) - third :]

    def facility(group: list[QuizAttempt], question_id: str) -> float | None:
        shares = [
            a.fractions[question_id] for a in group if a.fractions and question_id in a.fractions
        ]
        return 100 * sum(shares) / len(shares) if shares else None

    items = []
    for question in quiz.questions:
        stat = ItemStat(question=question)
        answered = [a for a in attempts if a.fractions and question.id in a.fractions]
        stat.answered = len(answered)
        stat.facility = facility(answered, question.id)
        if len(ranked) >= MIN_FOR_DISCRIMINATION:
            high, low = facility(top, question.id), facility(bottom, question.id)
            if high is not None and low is not None:
                stat.discrimination = high - low
        if question.type in CHOICE_TYPES:
            for choice in question.choices:
                count = 0
                for attempt in answered:
                    given = (attempt.answers or {}).get(question.id)
                    chosen = given if isinstance(given, list) else [given]
                    count += choice.id in chosen
                stat.choices.append(
                    ChoiceCount(
                        choice.id, choice.html or str(escape(choice.text)), choice.correct, count
                    )
                )
        items.append(stat)
    return items


def table(results: ModuleResults, zone: ZoneInfo) -> tuple[list[str], list[list[Any]]]:
    """The results as rows for CSV and XLSX: one volunteer a row, with the share of
    each question's points in their best attempt."""
    questions = [q.id for q in results.quiz.questions]
    header = [
        _("Name"),
        _("Username"),
        _("Student ID"),
        _("Attempts"),
        _("Best score"),
        _("Passed"),
        _("Last attempt"),
        *(f"{qid} %" for qid in questions),
    ]
    rows = []
    for result in results.learners:
        user = result.user
        last = as_utc(result.last_at).astimezone(zone) if result.last_at else None
        rows.append(
            [
                spreadsheet_safe(user.name),
                spreadsheet_safe(user.username),
                spreadsheet_safe(user.student_id or ""),
                result.attempts,
                round(result.best, 1) if result.best is not None else "",
                (_("yes") if result.passed else _("no")) if result.attempts else "",
                last.strftime("%Y-%m-%d %H:%M") if last else "",
                *(
                    round(100 * result.best_fractions[qid]) if qid in result.best_fractions else ""
                    for qid in questions
                ),
            ]
        )
    return header, rows


def to_csv(header: list[str], rows: list[list[Any]]) -> str:
    """UTF-8 CSV with the BOM Excel needs to read Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return "\ufeff" + buffer.getvalue()


def to_xlsx(sheets: list[tuple[str, list[str], list[list[Any]]]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
        for index, name in enumerate(header, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            sheet.column_dimensions[letter].width = max(10, min(40, 2 * len(str(name)) + 4))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def item_table(results: ModuleResults) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Question"),
        _("Type"),
        _("Answered"),
        _("Facility %"),
        _("Discrimination"),
        _("Choices (times chosen)"),
    ]
    rows = []
    for item in results.items:
        rows.append(
            [
                item.question.id,
                item.question.type,
                item.answered,
                round(item.facility, 1) if item.facility is not None else "",
                round(item.discrimination, 1) if item.discrimination is not None else "",
                "; ".join(f"{c.id}{'*' if c.correct else ''}: {c.count}" for c in item.choices),
            ]
        )
    return header, rows
