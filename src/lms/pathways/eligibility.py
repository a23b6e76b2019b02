"""Eligibility, computed from the records, never typed in.

For each level of a pathway a volunteer must have
- every module of each required course complete (read, or its quiz passed);
- in those courses, each module quiz's best score at or above the higher of the quiz's
  own pass mark and the level's ``min_quiz_score``;
- approved practicum hours at or above the level's target;
- where the level asks for one, a passed evaluation (the latest for that level counts);
- the prerequisite level certified, or until certificates exist, eligible.

``standings`` computes this for any number of volunteers with a fixed number of
statements (the pathway's modules, then one aggregate each for progress, quiz scores,
hours, evaluations and visits), whatever the size of the cohort.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from babel.numbers import format_decimal
from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.courses.service import course_language, localised
from lms.i18n import BABEL_LOCALES, current_language, ngettext
from lms.i18n import gettext as _
from lms.models.base import as_utc, utcnow
from lms.models.courses import Course, Enrolment, Module, ModuleProgress, ModuleRevision, ModuleText
from lms.models.pathways import Evaluation
from lms.models.practicum import HourEntry, HourStatus
from lms.models.quizzes import QuizAttempt
from lms.pathways.source import Level, Pathway

KINDS = ("course", "quiz", "hours", "evaluation", "prerequisite")
INACTIVE_DAYS = 30


def hours_text(value: float) -> str:
    """7.5, 20 or 1,234.25: quarter hours without trailing zeros, in the reader's locale."""
    return str(
        format_decimal(
            round(value, 2), format="#,##0.##", locale=BABEL_LOCALES[current_language.get()]
        )
    )


def score_text(value: float) -> str:
    return str(
        format_decimal(round(value, 1), format="0.#", locale=BABEL_LOCALES[current_language.get()])
    )


# ---------------------------------------------------------------- what the pathway asks


@dataclass(frozen=True)
class ModuleInfo:
    id: int
    stem: str
    title: str
    pass_mark: float | None  # None: the module has no quiz


@dataclass(frozen=True)
class CourseInfo:
    id: int
    slug: str
    title: str
    modules: tuple[ModuleInfo, ...]
    quizzes: tuple[ModuleInfo, ...] = field(init=False)  # the modules with a quiz

    def __post_init__(self) -> None:  # once: every volunteer's standing reads it
        quizzes = tuple(m for m in self.modules if m.pass_mark is not None)
        object.__setattr__(self, "quizzes", quizzes)


@dataclass(frozen=True)
class Plan:
    """A pathway with its courses as published now, in one language."""

    pathway: Pathway
    title: str
    courses: dict[str, CourseInfo]
    level_titles: dict[str, str]

    @property
    def levels(self) -> list[Level]:
        return self.pathway.levels

    def level(self, code: str) -> Level | None:
        return next((lv for lv in self.pathway.levels if lv.code == code), None)

    def module_ids(self) -> list[int]:
        return [m.id for c in self.courses.values() for m in c.modules]


def text_in(title: Mapping[Any, str], language: str) -> str:
    """A pathway file's {en: …, zh: …} in ``language``, else English, else the first."""
    return localised({str(k): v for k, v in title.items()}, language, "en")


def parse(definition: dict[str, Any]) -> Pathway:
    """A stored pathway (checked when it was loaded) as its model."""
    return Pathway.model_validate(definition)


async def plan(session: AsyncSession, *, definition: dict[str, Any], language: str) -> Plan:
    """Two statements: the pathway's courses; their published modules' texts."""
    pathway = parse(definition)
    slugs = list(dict.fromkeys(s for level in pathway.levels for s in level.courses))
    courses = {
        c.slug: c for c in await session.scalars(select(Course).where(col(Course.slug).in_(slugs)))
    }
    rows = await session.execute(
        select(
            col(Module.course_id),
            col(Module.id),
            col(Module.stem),
            col(ModuleText.language),
            col(ModuleText.title),
            col(ModuleText.quiz_data),
        )
        .join(
            ModuleRevision,
            (col(ModuleRevision.module_id) == Module.id)
            & (col(ModuleRevision.revision) == Module.current_revision),
        )
        .join(ModuleText, col(ModuleText.revision_id) == ModuleRevision.id)
        .where(col(Module.course_id).in_([c.id for c in courses.values()]))
        .order_by(col(Module.number), col(Module.id))
    )
    by_course: dict[int, dict[int, tuple[str, str, str, Any]]] = defaultdict(dict)
    wanted = {c.id: course_language(c, language) for c in courses.values()}
    for course_id, module_id, stem, text_language, title, quiz in rows.all():
        known = by_course[course_id].get(module_id)
        if known is None or text_language == wanted[course_id]:
            by_course[course_id][module_id] = (stem, text_language, title, quiz)
    infos = {}
    for slug, course in courses.items():
        modules = []
        for module_id, (stem, _lang, title, quiz) in by_course[course.id or 0].items():
            pass_mark = float(quiz["settings"]["pass_mark"]) if quiz else None
            modules.append(ModuleInfo(id=module_id, stem=stem, title=title, pass_mark=pass_mark))
        infos[slug] = CourseInfo(
            id=course.id or 0,
            slug=slug,
            title=localised(course.title, wanted[course.id], course.languages[0]),
            modules=tuple(modules),
        )
    return Plan(
        pathway=pathway,
        title=text_in(pathway.title, language),
        courses=infos,
        level_titles={lv.code: text_in(lv.title, language) for lv in pathway.levels},
    )


# ---------------------------------------------------------------- what a volunteer did


@dataclass
class QuizRecord:
    best: float | None = None
    finished: int = 0


@dataclass
class LatestEvaluation:
    passed: bool
    at: datetime
    evaluator_id: int | None


@dataclass
class Record:
    """One volunteer's records that eligibility reads."""

    complete: dict[int, int] = field(default_factory=dict)  # course id → modules complete
    quizzes: dict[int, QuizRecord] = field(default_factory=dict)  # by module id
    approved_minutes: int = 0
    evaluations: dict[str, LatestEvaluation] = field(default_factory=dict)  # by level
    last_active: datetime | None = None

    def active(self, moment: datetime | None) -> None:
        if moment is not None:
            moment = as_utc(moment)
            if self.last_active is None or moment > self.last_active:
                self.last_active = moment


async def records(session: AsyncSession, *, plan: Plan, users: Any) -> dict[int, Record]:
    """The records of ``users`` (a list of ids or a SELECT of ids), five statements."""
    found: dict[int, Record] = defaultdict(Record)
    done = or_(
        col(ModuleProgress.read_at).is_not(None), col(ModuleProgress.quiz_passed_at).is_not(None)
    )
    module_ids = plan.module_ids()
    progress = await session.execute(
        select(
            col(ModuleProgress.user_id),
            col(Module.course_id),
            func.count(case((done, 1))),
            func.max(col(ModuleProgress.read_at)),
        )
        .join(Module, col(Module.id) == ModuleProgress.module_id)
        .where(col(ModuleProgress.user_id).in_(users), col(Module.id).in_(module_ids))
        .group_by(col(ModuleProgress.user_id), col(Module.course_id))
    )
    for user_id, course_id, complete, read_at in progress.all():
        record = found[user_id]
        record.complete[course_id] = int(complete)
        record.active(read_at)
    quiz_ids = [m.id for c in plan.courses.values() for m in c.quizzes]
    attempts = await session.execute(
        select(
            col(QuizAttempt.user_id),
            col(QuizAttempt.module_id),
            func.max(col(QuizAttempt.score)),
            func.count(col(QuizAttempt.finished_at)),
            func.max(col(QuizAttempt.started_at)),
        )
        .where(col(QuizAttempt.user_id).in_(users), col(QuizAttempt.module_id).in_(quiz_ids))
        .group_by(col(QuizAttempt.user_id), col(QuizAttempt.module_id))
    )
    for user_id, module_id, best, finished, started in attempts.all():
        record = found[user_id]
        record.quizzes[module_id] = QuizRecord(
            best=float(best) if best is not None else None, finished=int(finished)
        )
        record.active(started)
    approved = case((col(HourEntry.status) == HourStatus.approved, col(HourEntry.minutes)), else_=0)
    hours = await session.execute(
        select(col(HourEntry.volunteer_id), func.sum(approved), func.max(col(HourEntry.updated_at)))
        .where(col(HourEntry.volunteer_id).in_(users))
        .group_by(col(HourEntry.volunteer_id))
    )
    for user_id, minutes, updated in hours.all():
        record = found[user_id]
        record.approved_minutes = int(minutes or 0)
        record.active(updated)
    evaluations = await session.execute(
        select(
            col(Evaluation.volunteer_id),
            col(Evaluation.level),
            col(Evaluation.passed),
            col(Evaluation.created_at),
            col(Evaluation.evaluator_id),
        )
        .where(
            col(Evaluation.volunteer_id).in_(users),
            col(Evaluation.pathway) == plan.pathway.slug,
        )
        .order_by(col(Evaluation.created_at), col(Evaluation.id))
    )
    for user_id, level, passed, at, evaluator in evaluations.all():  # the latest stays
        found[user_id].evaluations[level] = LatestEvaluation(bool(passed), as_utc(at), evaluator)
    visits = await session.execute(
        select(col(Enrolment.user_id), func.max(col(Enrolment.last_visited_at)))
        .where(col(Enrolment.user_id).in_(users))
        .group_by(col(Enrolment.user_id))
    )
    for user_id, visited in visits.all():
        found[user_id].active(visited)
    return found


# ---------------------------------------------------------------- the checklist


@dataclass(frozen=True, slots=True)
class Requirement:
    kind: str  # one of KINDS
    key: str  # course slug, course/stem, "hours", level code
    title: str
    target: float
    current: float
    met: bool
    tried: bool = False  # a quiz attempted, an evaluation written
    href: str | None = None

    @property
    def detail(self) -> str:
        return describe(self)


def describe(req: Requirement) -> str:
    """The requirement in the reader's language, saying what is missing."""
    if req.kind == "course":
        if req.met:
            return _("All %(total)d modules complete") % {"total": int(req.target)}
        left = int(req.target - req.current)
        return ngettext(
            "%(done)d of %(total)d modules complete: %(left)d to go",
            "%(done)d of %(total)d modules complete: %(left)d to go",
            left,
        ) % {"done": int(req.current), "total": int(req.target), "left": left}
    if req.kind == "quiz":
        needed = score_text(req.target)
        if req.met:
            return _("Best score %(best)s (%(needed)s needed)") % {
                "best": score_text(req.current),
                "needed": needed,
            }
        if not req.tried:
            return _("Not taken yet: %(needed)s needed") % {"needed": needed}
        return _("Best score %(best)s: %(needed)s needed") % {
            "best": score_text(req.current),
            "needed": needed,
        }
    if req.kind == "hours":
        if req.met:
            return _("%(current)s approved hours (%(target)s needed)") % {
                "current": hours_text(req.current),
                "target": hours_text(req.target),
            }
        return _("%(current)s of %(target)s approved hours: %(left)s more") % {
            "current": hours_text(req.current),
            "target": hours_text(req.target),
            "left": hours_text(req.target - req.current),
        }
    if req.kind == "evaluation":
        if req.met:
            return _("Passed a supervisor's evaluation")
        if req.tried:
            return _("The last evaluation said not yet: a new one is needed")
        return _("No supervisor's evaluation yet")
    if req.met:
        return _("%(level)s reached") % {"level": req.title}
    return _("%(level)s first") % {"level": req.title}


@dataclass(slots=True)
class LevelStatus:
    code: str
    title: str
    eligible: bool
    certified: bool
    requirements: list[Requirement]

    def of(self, kind: str) -> list[Requirement]:
        return [r for r in self.requirements if r.kind == kind]

    def tally(self, kind: str) -> tuple[int, int]:
        """(met, total) of one kind."""
        found = self.of(kind)
        return sum(r.met for r in found), len(found)

    @property
    def missing(self) -> list[Requirement]:
        return [r for r in self.requirements if not r.met]

    @property
    def share(self) -> float:
        """The share of requirements met, hours counted by how far along they are."""
        if not self.requirements:
            return 1.0
        parts = [
            min(1.0, r.current / r.target) if r.kind == "hours" and r.target else float(r.met)
            for r in self.requirements
        ]
        return sum(parts) / len(parts)

    def summary(self) -> list[str]:
        """What stands between the volunteer and this level, one line per kind."""
        lines = []
        for req in self.of("prerequisite"):
            if not req.met:
                lines.append(_("Reach %(level)s first") % {"level": req.title})
        for req in self.of("course"):
            if not req.met:
                left = int(req.target - req.current)
                lines.append(
                    ngettext(
                        "%(count)d module to finish in %(course)s",
                        "%(count)d modules to finish in %(course)s",
                        left,
                    )
                    % {"count": left, "course": req.title}
                )
        quizzes = [r for r in self.of("quiz") if not r.met]
        if quizzes:
            lines.append(
                ngettext(
                    "%(count)d quiz to pass: %(names)s",
                    "%(count)d quizzes to pass: %(names)s",
                    len(quizzes),
                )
                % {"count": len(quizzes), "names": _(", ").join(r.title for r in quizzes)}
            )
        for req in self.of("hours"):
            if not req.met:
                short = req.target - req.current
                lines.append(
                    ngettext(
                        "%(hours)s more approved hour",
                        "%(hours)s more approved hours",
                        1 if short == 1 else 2,
                    )
                    % {"hours": hours_text(short)}
                )
        for req in self.of("evaluation"):
            if not req.met:
                lines.append(describe(req))
        return lines


@dataclass(slots=True)
class Standing:
    """One volunteer on one pathway."""

    user_id: int
    levels: list[LevelStatus]
    approved_hours: float
    last_active: datetime | None
    record: Record

    def level(self, code: str) -> LevelStatus | None:
        return next((lv for lv in self.levels if lv.code == code), None)

    @property
    def next_level(self) -> LevelStatus | None:
        """The first level, in the file's order, not yet reached."""
        return next((lv for lv in self.levels if not (lv.eligible or lv.certified)), None)

    @property
    def reached(self) -> int:
        return sum(lv.eligible or lv.certified for lv in self.levels)

    @property
    def stuck(self) -> bool:
        """Tried and fell short on the next level: a quiz attempted below the bar, or an
        evaluation that said not yet."""
        level = self.next_level
        if level is None:
            return False
        return any(
            r.tried and not r.met for r in level.requirements if r.kind in ("quiz", "evaluation")
        )

    def inactive(self, since: datetime, now: datetime | None = None) -> bool:
        """Nothing done for INACTIVE_DAYS (``since``: when they joined, if never active)."""
        limit = (now or utcnow()) - timedelta(days=INACTIVE_DAYS)
        return (self.last_active or as_utc(since)) < limit


def standing(plan: Plan, user_id: int, record: Record, certified: Iterable[str] = ()) -> Standing:
    held = set(certified)
    statuses: dict[str, LevelStatus] = {}
    hours = record.approved_minutes / 60

    def status(level: Level) -> LevelStatus:
        if level.code in statuses:
            return statuses[level.code]
        reqs: list[Requirement] = []
        if level.requires_level is not None:
            before = plan.level(level.requires_level)
            reached = before is not None and (before.code in held or status(before).eligible)
            reqs.append(
                Requirement(
                    "prerequisite",
                    level.requires_level,
                    plan.level_titles.get(level.requires_level, level.requires_level),
                    1,
                    float(reached),
                    reached,
                )
            )
        quizzes: list[Requirement] = []
        for slug in level.courses:
            course = plan.courses.get(slug)
            if course is None:  # the course was removed after the pathway was loaded
                continue
            total = len(course.modules)
            complete = min(total, record.complete.get(course.id, 0))
            reqs.append(
                Requirement(
                    "course",
                    slug,
                    course.title,
                    total,
                    complete,
                    complete >= total,
                    href=f"/courses/{slug}",
                )
            )
            for module in course.quizzes:
                bar = max(module.pass_mark or 0.0, level.min_quiz_score)
                taken = record.quizzes.get(module.id)
                best = taken.best if taken and taken.best is not None else 0.0
                quizzes.append(
                    Requirement(
                        "quiz",
                        f"{slug}/{module.stem}",
                        module.title,
                        bar,
                        best,
                        taken is not None and taken.best is not None and best >= bar,
                        tried=bool(taken and taken.finished),
                        href=f"/courses/{slug}/{module.stem}/quiz",
                    )
                )
        reqs.extend(quizzes)
        if level.practicum_hours:
            reqs.append(
                Requirement(
                    "hours",
                    "hours",
                    _("Approved practicum hours"),
                    level.practicum_hours,
                    hours,
                    hours >= level.practicum_hours,
                    href="/hours",
                )
            )
        if level.evaluation is not None:
            last = record.evaluations.get(level.code)
            reqs.append(
                Requirement(
                    "evaluation",
                    level.code,
                    _("Supervisor's evaluation"),
                    1,
                    float(bool(last and last.passed)),
                    bool(last and last.passed),
                    tried=last is not None,
                )
            )
        result = LevelStatus(
            code=level.code,
            title=plan.level_titles[level.code],
            eligible=all(r.met for r in reqs),
            certified=level.code in held,
            requirements=reqs,
        )
        statuses[level.code] = result
        return result

    levels = [status(level) for level in plan.levels]
    return Standing(
        user_id=user_id,
        levels=levels,
        approved_hours=hours,
        last_active=record.last_active,
        record=record,
    )


async def standings(session: AsyncSession, *, plan: Plan, users: Any) -> dict[int, Standing]:
    """Every volunteer's standing among ``users`` (ids, or a SELECT of ids) that has any
    record; ``standing(plan, id, Record())`` is the one of a volunteer without any."""
    found = await records(session, plan=plan, users=users)
    return {user_id: standing(plan, user_id, record) for user_id, record in found.items()}
