"""Courses as learners meet them: the catalogue, enrolment (their own or through a
cohort's pathway), module pages from stored HTML, "mark as read" and progress.

A module is complete when it is marked read or its quiz is passed, in whichever
revision. Page views read a few rows and never parse Markdown.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.errors import NotFound
from lms.i18n import gettext as _
from lms.models.accounts import User
from lms.models.base import as_utc, utcnow
from lms.models.cohorts import Cohort, CohortMember
from lms.models.courses import (
    ContentProblem,
    Course,
    Enrolment,
    Module,
    ModuleProgress,
    ModuleRevision,
    ModuleText,
    Pathway,
)

SELF = "self"
COHORT = "cohort"


def localised(texts: dict[str, str], language: str, fallback: str) -> str:
    """The text in ``language``, else in the course's first language, else any."""
    return texts.get(language) or texts.get(fallback) or next(iter(texts.values()), "")


def course_language(course: Course, language: str) -> str:
    return language if language in course.languages else course.languages[0]


def _insert(session: AsyncSession, table: Any) -> Any:
    """INSERT … ON CONFLICT DO NOTHING for the backend in use: two requests of one
    learner may race, and the unique constraint decides."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


# -- views ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleEntry:
    id: int
    stem: str
    number: int
    title: str
    minutes: int
    language: str
    revision_id: int
    has_quiz: bool
    read_at: datetime | None
    quiz_passed_at: datetime | None

    @property
    def complete(self) -> bool:
        return self.read_at is not None or self.quiz_passed_at is not None


@dataclass
class Progress:
    total: int = 0
    complete: int = 0
    quizzes_passed: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.complete / self.total) if self.total else 0


@dataclass
class CourseCard:
    course: Course
    title: str
    summary: str
    enrolment: Enrolment | None
    progress: Progress


@dataclass
class Outline:
    """A course with its modules as one learner sees them."""

    course: Course
    language: str
    title: str
    enrolment: Enrolment | None
    modules: list[ModuleEntry]
    html: str | None = None  # the asked-for module's body
    current: ModuleEntry | None = None
    progress: Progress = field(default_factory=Progress)

    def neighbours(self) -> tuple[ModuleEntry | None, ModuleEntry | None]:
        if self.current is None:
            return None, None
        index = self.modules.index(self.current)
        before = self.modules[index - 1] if index > 0 else None
        after = self.modules[index + 1] if index + 1 < len(self.modules) else None
        return before, after

    def resume(self) -> ModuleEntry | None:
        """Where to continue: the module last opened unless it is done, else the next
        one not done (from there, then from the start); None when all are done."""
        if not self.modules:
            return None
        last = self.enrolment.last_module_id if self.enrolment else None
        start = next((i for i, m in enumerate(self.modules) if m.id == last), None)
        if start is not None and not self.modules[start].complete:
            return self.modules[start]
        order = self.modules[(start or 0) :] + self.modules[: (start or 0)]
        return next((m for m in order if not m.complete), None)


async def find_course(session: AsyncSession, slug: str) -> Course:
    course = (await session.scalars(select(Course).where(col(Course.slug) == slug))).first()
    if course is None:
        raise NotFound(_("There is no course %(slug)s.") % {"slug": slug[:64]})
    return course


async def catalogue(session: AsyncSession, *, user: User, language: str) -> list[CourseCard]:
    rows = (
        await session.execute(
            select(Course, Enrolment)
            .outerjoin(
                Enrolment,
                and_(col(Enrolment.course_id) == Course.id, col(Enrolment.user_id) == user.id),
            )
            .order_by(col(Course.position), col(Course.slug))
        )
    ).all()
    counts = await _progress_by_course(session, user_id=user.id or 0)
    cards = []
    for course, enrolment in rows:
        fallback = course.languages[0]
        cards.append(
            CourseCard(
                course=course,
                title=localised(course.title, language, fallback),
                summary=localised(course.summary, language, fallback),
                enrolment=enrolment,
                progress=counts.get(course.id or 0, Progress()),
            )
        )
    return cards


async def _progress_by_course(
    session: AsyncSession, *, user_id: int, course_ids: list[int] | None = None
) -> dict[int, Progress]:
    done = or_(
        col(ModuleProgress.read_at).is_not(None), col(ModuleProgress.quiz_passed_at).is_not(None)
    )
    query = (
        select(
            col(Module.course_id),
            func.count(col(Module.id)),
            func.count(case((done, 1))),
            func.count(col(ModuleProgress.quiz_passed_at)),
        )
        .outerjoin(
            ModuleProgress,
            and_(
                col(ModuleProgress.module_id) == Module.id,
                col(ModuleProgress.user_id) == user_id,
            ),
        )
        .where(col(Module.current_revision).is_not(None))
        .group_by(col(Module.course_id))
    )
    if course_ids is not None:
        query = query.where(col(Module.course_id).in_(course_ids))
    return {
        course_id: Progress(total=total, complete=complete, quizzes_passed=passed)
        for course_id, total, complete, passed in (await session.execute(query)).all()
    }


@dataclass(frozen=True)
class Text:
    """A revision in one language, as pages show it."""

    title: str
    minutes: int
    html: str
    has_quiz: bool


class TextCache:
    """Texts of revisions by revision id. A published revision never changes, so a worker
    may keep what it has read: a page view then reads the learner's state, not the
    module's HTML. Least recently used revisions leave first."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._items: OrderedDict[int, dict[str, Text]] = OrderedDict()

    async def get(self, session: AsyncSession, ids: list[int]) -> dict[int, dict[str, Text]]:
        missing = [i for i in ids if i not in self._items]
        if missing:
            query = select(
                col(ModuleText.revision_id),
                col(ModuleText.language),
                col(ModuleText.title),
                col(ModuleText.minutes),
                col(ModuleText.html),
                col(ModuleText.quiz).is_not(None),
            ).where(col(ModuleText.revision_id).in_(missing))
            for revision_id, language, title, minutes, html, has_quiz in (
                await session.execute(query)
            ).all():
                texts = self._items.setdefault(revision_id, {})
                texts[language] = Text(title, minutes, html, bool(has_quiz))
        found = {}
        for i in ids:
            if i in self._items:
                self._items.move_to_end(i)
                found[i] = self._items[i]
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return found


# Built once: a page view only binds the slug and the learner (building a statement with
# five joins costs more than running it).
OUTLINE = (
    select(
        Course,
        Enrolment,
        col(Module.id),
        col(Module.stem),
        col(Module.number),
        col(ModuleRevision.id),
        col(ModuleProgress.read_at),
        col(ModuleProgress.quiz_passed_at),
    )
    .select_from(Course)
    .outerjoin(
        Enrolment,
        and_(
            col(Enrolment.course_id) == Course.id,
            col(Enrolment.user_id) == bindparam("user_id"),
        ),
    )
    .outerjoin(
        Module,
        and_(col(Module.course_id) == Course.id, col(Module.current_revision).is_not(None)),
    )
    .outerjoin(
        ModuleRevision,
        and_(
            col(ModuleRevision.module_id) == Module.id,
            col(ModuleRevision.revision) == Module.current_revision,
        ),
    )
    .outerjoin(
        ModuleProgress,
        and_(
            col(ModuleProgress.module_id) == Module.id,
            col(ModuleProgress.user_id) == bindparam("user_id"),
        ),
    )
    .where(col(Course.slug) == bindparam("slug"))
    .order_by(col(Module.number))
)


async def outline(
    session: AsyncSession,
    *,
    slug: str,
    user: User,
    language: str,
    stem: str | None = None,
    texts: TextCache | None = None,
) -> Outline:
    """The course, the learner's enrolment and every module with its state, in one
    query; the modules' titles and, with ``stem``, that module's HTML come from
    ``texts`` (a query only for revisions it has not seen)."""
    rows = (await session.execute(OUTLINE, {"slug": slug, "user_id": user.id})).all()
    if not rows:
        raise NotFound(_("There is no course %(slug)s.") % {"slug": slug[:64]})
    course, enrolment = rows[0][0], rows[0][1]
    chosen = course_language(course, language)
    fallback = course.languages[0]
    revisions = [row[5] for row in rows if row[5] is not None]
    by_revision = await (texts or TextCache()).get(session, revisions)
    result = Outline(
        course=course,
        language=chosen,
        title=localised(course.title, chosen, fallback),
        enrolment=enrolment,
        modules=[],
    )
    for _course, _enrolment, module_id, module_stem, number, revision_id, read, passed in rows:
        versions = by_revision.get(revision_id) if revision_id is not None else None
        if module_id is None or revision_id is None or not versions:
            continue
        text_language = chosen if chosen in versions else fallback
        text = versions.get(text_language) or next(iter(versions.values()))
        entry = ModuleEntry(
            id=module_id,
            stem=module_stem,
            number=number,
            title=text.title,
            minutes=text.minutes,
            language=text_language,
            revision_id=revision_id,
            has_quiz=text.has_quiz,
            read_at=read,
            quiz_passed_at=passed,
        )
        result.modules.append(entry)
        if module_stem == stem:
            result.current, result.html = entry, text.html
    result.progress = Progress(
        total=len(result.modules),
        complete=sum(m.complete for m in result.modules),
        quizzes_passed=sum(m.quiz_passed_at is not None for m in result.modules),
    )
    if stem is not None and result.current is None:
        raise NotFound(
            _("The course %(course)s has no module %(module)s.")
            % {"course": course.slug, "module": stem[:80]}
        )
    return result


# -- enrolment ------------------------------------------------------------------------------


async def enrol(session: AsyncSession, *, user: User, course: Course) -> tuple[Enrolment, bool]:
    """Self-enrolment; (the enrolment, whether it is new). Enrolling twice is harmless."""
    result = await session.execute(
        _insert(session, Enrolment)
        .values(user_id=user.id, course_id=course.id, origin=SELF, enrolled_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "course_id"])
        .returning(col(Enrolment.id))
    )
    # RETURNING, not rowcount: on PostgreSQL (psycopg) this statement reported a row
    # inserted even when the conflict skipped it.
    created = result.first() is not None
    enrolment = (
        await session.scalars(
            select(Enrolment).where(
                col(Enrolment.user_id) == user.id, col(Enrolment.course_id) == course.id
            )
        )
    ).one()
    return enrolment, created


def pathway_courses(definition: dict[str, Any]) -> list[str]:
    """The course slugs of every level of a pathway, in order, once each."""
    slugs: dict[str, None] = {}
    for level in definition.get("levels", []):
        slugs.update(dict.fromkeys(level.get("courses", [])))
    return list(slugs)


async def enrol_cohorts(session: AsyncSession, *, cohort_id: int | None = None) -> int:
    """Enrol the volunteers of a cohort (or of every cohort) in the courses of its
    pathway; returns how many enrolments were new. One statement per cohort."""
    query = select(col(Cohort.id), col(Pathway.definition)).join(
        Pathway, col(Pathway.slug) == col(Cohort.pathway)
    )
    if cohort_id is not None:
        query = query.where(col(Cohort.id) == cohort_id)
    added = 0
    now = literal(utcnow(), type_=DateTime(timezone=True))
    for cid, definition in (await session.execute(query)).all():
        slugs = pathway_courses(definition)
        if not slugs:
            continue
        already = exists().where(
            col(Enrolment.user_id) == CohortMember.user_id,
            col(Enrolment.course_id) == Course.id,
        )
        source = (
            select(
                col(CohortMember.user_id),
                col(Course.id),
                literal(COHORT),
                col(CohortMember.cohort_id),
                now,
            )
            .select_from(CohortMember)
            .join(Course, true())  # every member × every course of the pathway
        ).where(
            col(CohortMember.cohort_id) == cid,
            col(CohortMember.role) == "volunteer",
            col(Course.slug).in_(slugs),
            ~already,
        )
        result = await session.execute(
            _insert(session, Enrolment)
            .from_select(["user_id", "course_id", "origin", "cohort_id", "enrolled_at"], source)
            .on_conflict_do_nothing(index_elements=["user_id", "course_id"])
            .returning(col(Enrolment.id))
        )
        added += len(result.all())
    return added


# -- reading --------------------------------------------------------------------------------


async def mark_read(
    session: AsyncSession, *, user: User, course: Course, module: ModuleEntry
) -> bool:
    """Marks a module read in the revision shown; True if it was not read before.
    Marking a module read enrols the learner in its course if they were not."""
    await enrol(session, user=user, course=course)
    now = utcnow()
    inserted = await session.execute(
        _insert(session, ModuleProgress)
        .values(user_id=user.id, module_id=module.id, revision_id=module.revision_id, read_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "module_id"])
        .returning(col(ModuleProgress.id))
    )
    if inserted.first() is not None:
        return True
    updated = await session.execute(
        update(ModuleProgress)
        .where(
            col(ModuleProgress.user_id) == user.id,
            col(ModuleProgress.module_id) == module.id,
            col(ModuleProgress.read_at).is_(None),
        )
        .values(read_at=now, revision_id=module.revision_id)
    )
    return bool(updated.rowcount)  # type: ignore[attr-defined]


async def remember_visit(session: AsyncSession, *, enrolment_id: int, module_id: int) -> None:
    """Where the learner was, to resume there."""
    await session.execute(
        update(Enrolment)
        .where(col(Enrolment.id) == enrolment_id)
        .values(last_module_id=module_id, last_visited_at=utcnow())
    )


# -- API views ------------------------------------------------------------------------------


async def course_list(session: AsyncSession, *, language: str) -> list[dict[str, Any]]:
    """Every course with its modules' slugs and titles, for ``GET /api/v1/courses``."""
    courses = (
        await session.scalars(select(Course).order_by(col(Course.position), col(Course.slug)))
    ).all()
    rows = (
        await session.execute(
            select(
                col(Module.course_id),
                col(Module.stem),
                col(ModuleText.language),
                col(ModuleText.title),
            )
            .join(
                ModuleRevision,
                and_(
                    col(ModuleRevision.module_id) == Module.id,
                    col(ModuleRevision.revision) == Module.current_revision,
                ),
            )
            .join(ModuleText, col(ModuleText.revision_id) == ModuleRevision.id)
            .order_by(col(Module.course_id), col(Module.number))
        )
    ).all()
    titles: dict[int, dict[str, dict[str, str]]] = {}
    for course_id, stem, text_language, title in rows:
        titles.setdefault(course_id, {}).setdefault(stem, {})[text_language] = title
    listing = []
    for course in courses:
        chosen, fallback = course_language(course, language), course.languages[0]
        listing.append(
            {
                "slug": course.slug,
                "title": localised(course.title, chosen, fallback),
                "summary": localised(course.summary, chosen, fallback),
                "hours": course.hours,
                "modules": [
                    {"slug": stem, "title": localised(by_language, chosen, fallback)}
                    for stem, by_language in titles.get(course.id or 0, {}).items()
                ],
            }
        )
    return listing


async def progress_report(session: AsyncSession, *, user: User) -> list[dict[str, Any]]:
    """The learner's enrolled courses with their progress, for ``GET /api/v1/me/progress``."""
    rows = (
        await session.execute(
            select(
                col(Course.id),
                col(Course.slug),
                col(Enrolment.origin),
                col(Enrolment.enrolled_at),
            )
            .join(Enrolment, col(Enrolment.course_id) == Course.id)
            .where(col(Enrolment.user_id) == user.id)
            .order_by(col(Course.position), col(Course.slug))
        )
    ).all()
    counts = await _progress_by_course(
        session, user_id=user.id or 0, course_ids=[row[0] or 0 for row in rows]
    )
    report = []
    for course_id, slug, origin, enrolled_at in rows:
        progress = counts.get(course_id or 0, Progress())
        report.append(
            {
                "course": slug,
                "enrolled_through": origin,
                "enrolled_at": as_utc(enrolled_at),
                "modules_total": progress.total,
                "modules_complete": progress.complete,
                "quizzes_passed": progress.quizzes_passed,
                "percent": progress.percent,
            }
        )
    return report


# -- pathways and content problems --------------------------------------------------------


async def pathways(session: AsyncSession) -> list[Pathway]:
    return list((await session.scalars(select(Pathway).order_by(col(Pathway.slug)))).all())


async def pathway_exists(session: AsyncSession, slug: str) -> bool:
    found = await session.scalar(select(col(Pathway.id)).where(col(Pathway.slug) == slug))
    return found is not None


async def content_problems(session: AsyncSession) -> list[ContentProblem]:
    query = select(ContentProblem).order_by(col(ContentProblem.path), col(ContentProblem.line))
    return list((await session.scalars(query)).all())
