"""A volunteer's pathway as people see it: their own checklist, their record for staff,
supervisors' evaluations, coordinators' referrals, and the cohort overview.

Who sees a volunteer's record: admins, the trainers and coordinators of a cohort the
volunteer is in, and the supervisor of a site where they logged hours; anyone else is
told there is no such volunteer. Who evaluates: a trainer of one of the volunteer's
cohorts or such a supervisor, never a volunteer and never themselves. Who refers: a
coordinator of one of the volunteer's cohorts, or an admin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.audit import service as audit
from lms.errors import Forbidden, FormErrors, NotFound
from lms.i18n import gettext as _
from lms.models.accounts import Role, User
from lms.models.base import as_utc, utcnow
from lms.models.certificates import Certificate
from lms.models.cohorts import Cohort, CohortMember
from lms.models.courses import Pathway as PathwayRow
from lms.models.pathways import Evaluation, Referral
from lms.models.practicum import HourEntry, HourStatus, Site
from lms.pathways import eligibility
from lms.pathways.eligibility import Plan, Record, Standing

RATINGS = (1, 2, 3, 4)
COMMENT_MAX = 1000
OVERALL_COMMENT_MAX = 2000
NAME_MAX = 120
NOTE_MAX = 1000
OUTCOMES = ("pending", "placed", "declined")
SERVED = (HourStatus.submitted, HourStatus.needs_info, HourStatus.approved)


def rating_title(value: int) -> str:
    return {
        1: _("Not yet"),
        2: _("Partly"),
        3: _("Meets the standard"),
        4: _("Exceeds the standard"),
    }.get(value, str(value))


def outcome_title(value: str) -> str:
    return {
        "pending": _("Awaiting an answer"),
        "placed": _("Placed"),
        "declined": _("Not placed"),
    }.get(value, value)


# ---------------------------------------------------------------- who may do what


@dataclass
class Relation:
    """What ``viewer`` may do with ``volunteer``'s record."""

    viewer: User
    volunteer: User
    cohorts: list[Cohort]  # the volunteer's, as a volunteer, newest first
    roles: dict[int, str] = field(default_factory=dict)  # viewer's role by cohort id
    supervises: bool = False  # a site where the volunteer logged hours

    @property
    def admin(self) -> bool:
        return self.viewer.role == Role.admin

    @property
    def may_view(self) -> bool:
        return self.admin or bool(self.roles) or self.supervises

    @property
    def capacity(self) -> str | None:
        """How the viewer may evaluate: as a trainer of a cohort, a site's supervisor."""
        if self.viewer.role == Role.volunteer or self.viewer.id == self.volunteer.id:
            return None
        if "trainer" in self.roles.values():
            return "trainer"
        return "supervisor" if self.supervises else None

    @property
    def referring(self) -> list[Cohort]:
        """The cohorts the viewer may refer the volunteer through."""
        if self.admin:
            return self.cohorts
        return [c for c in self.cohorts if self.roles.get(c.id or 0) == "coordinator"]

    @property
    def pathways(self) -> list[str]:
        return list(dict.fromkeys(c.pathway for c in self.cohorts if c.pathway))


async def relation(session: AsyncSession, *, viewer: User, username: str) -> Relation:
    """The volunteer ``username`` as ``viewer`` may see them; 404 for anyone else."""
    missing = NotFound(
        _("There is no volunteer %(username)s among your cohorts and sites.")
        % {"username": username[:40]}
    )
    volunteer = (
        await session.scalars(select(User).where(col(User.username) == username.strip().lower()))
    ).first()
    if volunteer is None or volunteer.id == viewer.id:
        raise missing
    cohorts = list(
        await session.scalars(
            select(Cohort)
            .join(CohortMember, col(CohortMember.cohort_id) == Cohort.id)
            .where(col(CohortMember.user_id) == volunteer.id, col(CohortMember.role) == "volunteer")
            .order_by(col(CohortMember.joined_at).desc(), col(Cohort.id).desc())
        )
    )
    found = Relation(viewer=viewer, volunteer=volunteer, cohorts=cohorts)
    if cohorts:
        roles = await session.execute(
            select(col(CohortMember.cohort_id), col(CohortMember.role)).where(
                col(CohortMember.user_id) == viewer.id,
                col(CohortMember.cohort_id).in_([c.id for c in cohorts]),
                col(CohortMember.role).in_(("trainer", "coordinator")),
            )
        )
        found.roles = {cohort_id: role for cohort_id, role in roles.all()}
    served = exists(
        select(col(HourEntry.id))
        .join(Site, col(Site.id) == HourEntry.site_id)
        .where(
            col(HourEntry.volunteer_id) == volunteer.id,
            col(HourEntry.status).in_(SERVED),
            col(Site.supervisor_id) == viewer.id,
        )
    )
    found.supervises = bool(await session.scalar(select(served)))
    if not found.may_view:
        raise missing
    return found


# ---------------------------------------------------------------- standings


async def pathway_rows(session: AsyncSession, slugs: list[str]) -> dict[str, PathwayRow]:
    rows = await session.scalars(select(PathwayRow).where(col(PathwayRow.slug).in_(slugs)))
    return {row.slug: row for row in rows}


async def own_pathways(session: AsyncSession, user: User) -> list[str]:
    """The pathways of the cohorts ``user`` is a volunteer in, newest cohort first."""
    rows = await session.scalars(
        select(col(Cohort.pathway))
        .join(CohortMember, col(CohortMember.cohort_id) == Cohort.id)
        .where(
            col(CohortMember.user_id) == user.id,
            col(CohortMember.role) == "volunteer",
            col(Cohort.pathway).is_not(None),
        )
        .order_by(col(CohortMember.joined_at).desc(), col(Cohort.id).desc())
    )
    return list(dict.fromkeys(slug for slug in rows if slug))


async def certified(session: AsyncSession, *, pathway: str, users: Any) -> dict[int, set[str]]:
    """The levels each of ``users`` (ids, or a SELECT of ids) holds a valid certificate of."""
    rows = await session.execute(
        select(col(Certificate.volunteer_id), col(Certificate.level)).where(
            col(Certificate.pathway) == pathway,
            col(Certificate.volunteer_id).in_(users),
            col(Certificate.revoked_at).is_(None),
        )
    )
    held: dict[int, set[str]] = {}
    for user_id, level in rows.all():
        held.setdefault(user_id, set()).add(level)
    return held


@dataclass
class Checklist:
    plan: Plan
    standing: Standing


async def checklists(
    session: AsyncSession, *, user_id: int, slugs: list[str], language: str
) -> list[Checklist]:
    """One volunteer's standing on each of these pathways (those that are loaded)."""
    rows = await pathway_rows(session, slugs)
    found = []
    for slug in slugs:
        if slug not in rows:
            continue
        plan = await eligibility.plan(session, definition=rows[slug].definition, language=language)
        record = (await eligibility.records(session, plan=plan, users=[user_id])).get(
            user_id, Record()
        )
        held = (await certified(session, pathway=slug, users=[user_id])).get(user_id, set())
        found.append(Checklist(plan, eligibility.standing(plan, user_id, record, held)))
    return found


def choose(slugs: list[str], wanted: str | None) -> list[str]:
    """The pathway asked for, or the first; 404 when there is none to show."""
    if wanted:
        if wanted not in slugs:
            raise NotFound(
                _("There is no pathway %(slug)s for this volunteer.") % {"slug": wanted[:64]}
            )
        return [wanted]
    if not slugs:
        raise NotFound(_("This volunteer is not in a cohort that follows a pathway."))
    return slugs[:1]


def checklist_json(checklist: Checklist) -> dict[str, Any]:
    plan, standing = checklist.plan, checklist.standing
    return {
        "pathway": plan.pathway.slug,
        "pathway_title": plan.title,
        "approved_hours": round(standing.approved_hours, 2),
        "levels": [
            {
                "code": level.code,
                "title": level.title,
                "eligible": level.eligible,
                "certified": level.certified,
                "missing": level.summary(),
                "requirements": [
                    {
                        "kind": req.kind,
                        "key": req.key,
                        "title": req.title,
                        "target": req.target,
                        "current": round(req.current, 2),
                        "met": req.met,
                        "detail": req.detail,
                    }
                    for req in level.requirements
                ],
            }
            for level in standing.levels
        ],
    }


# ---------------------------------------------------------------- evaluations


def no_volunteers(user: User) -> None:
    """403 for a volunteer account, before looking anyone up."""
    if user.role == Role.volunteer:
        raise Forbidden(_("Volunteers do not evaluate: a trainer or a site supervisor does."))


def evaluator_capacity(relation: Relation) -> str:
    """How the viewer may evaluate the volunteer; 403 when they may not."""
    no_volunteers(relation.viewer)
    if relation.capacity is None:
        raise Forbidden(
            _(
                "Only a trainer of %(name)s's cohort or the supervisor of a site where they "
                "served may evaluate them."
            )
            % {"name": relation.volunteer.name}
        )
    return relation.capacity


async def evaluate(
    session: AsyncSession, *, relation: Relation, raw: Mapping[str, Any], language: str
) -> Evaluation:
    """Record an evaluation. ``raw``: pathway (optional when the volunteer has one),
    level, ratings {criterion: {rating, comment}}, passed, comment."""
    viewer = relation.viewer
    capacity = evaluator_capacity(relation)
    problems: dict[str, str] = {}
    slugs = relation.pathways
    pathway_slug = raw.get("pathway") or (slugs[0] if len(slugs) == 1 else None)
    if not isinstance(pathway_slug, str) or pathway_slug not in slugs:
        raise FormErrors({"pathway": _("Choose one of the volunteer's pathways.")})
    row = (await pathway_rows(session, [pathway_slug])).get(pathway_slug)
    if row is None:
        raise FormErrors({"pathway": _("Choose one of the volunteer's pathways.")})
    plan = eligibility.parse(row.definition)
    code = raw.get("level")
    level = next((lv for lv in plan.levels if lv.code == code), None)
    if level is None:
        raise FormErrors(
            {"level": _("There is no level %(code)s in this pathway.") % {"code": str(code)[:20]}}
        )
    if level.evaluation is None:
        raise FormErrors(
            {"level": _("Level %(code)s does not ask for an evaluation.") % {"code": level.code}}
        )
    given = raw.get("ratings")
    if not isinstance(given, Mapping):
        given = {}
    known = {c.code for c in level.evaluation.criteria}
    for name in given:
        if name not in known:
            problems[f"rating_{str(name)[:20]}"] = _(
                "Level %(code)s has no criterion %(name)s."
            ) % {"code": level.code, "name": str(name)[:20]}
    ratings = []
    for criterion in level.evaluation.criteria:
        item = given.get(criterion.code)
        item = item if isinstance(item, Mapping) else {"rating": item}
        rating = item.get("rating")
        if isinstance(rating, str) and rating.strip().isdigit():
            rating = int(rating.strip())
        if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
            problems[f"rating_{criterion.code}"] = _("Rate it from 1 to 4.")
        comment = item.get("comment") or ""
        if not isinstance(comment, str) or len(comment.strip()) > COMMENT_MAX:
            problems[f"comment_{criterion.code}"] = _(
                "A comment is text of at most %(max)d characters."
            ) % {"max": COMMENT_MAX}
            comment = ""
        ratings.append(
            {"criterion": criterion.code, "rating": rating, "comment": comment.strip() or None}
        )
    passed = raw.get("passed")
    if isinstance(passed, str):
        passed = {"pass": True, "true": True, "not_yet": False, "false": False}.get(passed)
    if not isinstance(passed, bool):
        problems["passed"] = _("Say whether the volunteer passed or not yet.")
    comment = raw.get("comment") or ""
    if not isinstance(comment, str) or len(comment.strip()) > OVERALL_COMMENT_MAX:
        problems["comment"] = _("A comment is text of at most %(max)d characters.") % {
            "max": OVERALL_COMMENT_MAX
        }
        comment = ""
    elif passed is False and not comment.strip():
        problems["comment"] = _("Say what the volunteer still needs to work on.")
    if problems:
        raise FormErrors(problems)
    evaluation = Evaluation(
        volunteer_id=relation.volunteer.id or 0,
        pathway=pathway_slug,
        level=level.code,
        evaluator_id=viewer.id,
        capacity=capacity,
        ratings=ratings,
        passed=bool(passed),
        comment=comment.strip() or None,
        created_at=utcnow(),
    )
    session.add(evaluation)
    await session.flush()
    await audit.record(
        session,
        actor=viewer,
        action="pathway.evaluate",
        object_type="evaluation",
        object_id=evaluation.id or 0,
        after={
            "volunteer": relation.volunteer.username,
            "pathway": pathway_slug,
            "level": level.code,
            "capacity": capacity,
            "ratings": {r["criterion"]: r["rating"] for r in ratings},
            "passed": evaluation.passed,
        },
    )
    return evaluation


@dataclass
class EvaluationView:
    evaluation: Evaluation
    evaluator: str
    level_title: str
    criteria: list[tuple[str, int, str | None]]  # (title, rating, comment)


async def evaluations_of(
    session: AsyncSession, *, volunteer_id: int, language: str
) -> list[EvaluationView]:
    """A volunteer's evaluations, newest first, with criteria named as the pathway does."""
    rows = (
        await session.execute(
            select(Evaluation, col(User.name))
            .outerjoin(User, col(User.id) == Evaluation.evaluator_id)
            .where(col(Evaluation.volunteer_id) == volunteer_id)
            .order_by(col(Evaluation.created_at).desc(), col(Evaluation.id).desc())
        )
    ).all()
    rows_by_slug = await pathway_rows(session, list({e.pathway for e, _n in rows}))
    levels = {  # each pathway parsed once, however many evaluations it has
        (slug, level.code): level
        for slug, row in rows_by_slug.items()
        for level in eligibility.parse(row.definition).levels
    }
    views = []
    for evaluation, name in rows:
        level = levels.get((evaluation.pathway, evaluation.level))
        titles = {}
        if level is not None and level.evaluation is not None:
            titles = {
                c.code: eligibility.text_in(c.title, language) for c in level.evaluation.criteria
            }
        views.append(
            EvaluationView(
                evaluation=evaluation,
                evaluator=name or _("a former user"),
                level_title=eligibility.text_in(level.title, language)
                if level
                else evaluation.level,
                criteria=[
                    (titles.get(r["criterion"], r["criterion"]), int(r["rating"]), r.get("comment"))
                    for r in evaluation.ratings
                ],
            )
        )
    return views


def evaluation_json(view: EvaluationView) -> dict[str, Any]:
    e = view.evaluation
    return {
        "id": e.id,
        "pathway": e.pathway,
        "level": e.level,
        "level_title": view.level_title,
        "evaluator": view.evaluator,
        "capacity": e.capacity,
        "passed": e.passed,
        "comment": e.comment,
        "ratings": [
            {
                "criterion": r["criterion"],
                "title": title,
                "rating": r["rating"],
                "comment": r.get("comment"),
            }
            for r, (title, _rating, _comment) in zip(e.ratings, view.criteria, strict=True)
        ],
        "created_at": as_utc(e.created_at).isoformat(),
    }


# ---------------------------------------------------------------- referrals


def _check_referral(raw: Mapping[str, Any], *, today: date, partial: bool) -> dict[str, Any]:
    problems: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, label in (("organisation", _("organisation")), ("role", _("role"))):
        if partial and name not in raw:
            continue
        text = raw.get(name)
        text = text.strip() if isinstance(text, str) else ""
        if not text:
            problems[name] = _("Give the %(field)s.") % {"field": label}
        elif len(text) > NAME_MAX:
            problems[name] = _("At most %(max)d characters.") % {"max": NAME_MAX}
        values[name] = text
    if not partial or "date" in raw:
        given = raw.get("date")
        try:
            day = date.fromisoformat(given) if isinstance(given, str) and given else None
        except ValueError:
            day = None
        if day is None:
            problems["date"] = _("Give the date as YYYY-MM-DD.")
        elif day > today:
            problems["date"] = _(
                "A referral is recorded once it is made: the date cannot be later than today."
            )
        elif day.year < 2000:
            problems["date"] = _("Give the date as YYYY-MM-DD.")
        values["referred_on"] = day
    if not partial or "outcome" in raw:
        outcome = raw.get("outcome") or ("pending" if not partial else None)
        if outcome not in OUTCOMES:
            problems["outcome"] = _("The outcome is pending, placed or declined.")
        values["outcome"] = outcome
    if "note" in raw:
        note = raw.get("note") or ""
        if not isinstance(note, str) or len(note.strip()) > NOTE_MAX:
            problems["note"] = _("At most %(max)d characters.") % {"max": NOTE_MAX}
        else:
            values["note"] = note.strip() or None
    if problems:
        raise FormErrors(problems)
    return values


async def refer(
    session: AsyncSession, *, relation: Relation, raw: Mapping[str, Any], today: date
) -> Referral:
    """Record a referral through one of the viewer's cohorts of the volunteer."""
    cohorts = relation.referring
    if not cohorts:
        raise Forbidden(
            _("Only a coordinator of %(name)s's cohort may refer them.")
            % {"name": relation.volunteer.name}
        )
    values = _check_referral(raw, today=today, partial=False)
    referral = Referral(
        volunteer_id=relation.volunteer.id or 0,
        cohort_id=cohorts[0].id or 0,
        created_by_id=relation.viewer.id,
        created_at=utcnow(),
        **values,
    )
    session.add(referral)
    await session.flush()
    await audit.record(
        session,
        actor=relation.viewer,
        action="referral.create",
        object_type="referral",
        object_id=referral.id or 0,
        after={"volunteer": relation.volunteer.username, **_plain(values)},
    )
    return referral


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


async def update_referral(
    session: AsyncSession, *, user: User, referral_id: int, raw: Mapping[str, Any], today: date
) -> Referral:
    """Change a referral's outcome (or its other fields): its cohort's coordinators, admins."""
    referral = await session.get(Referral, referral_id)
    missing = NotFound(_("There is no referral %(id)s.") % {"id": referral_id})
    if referral is None:
        raise missing
    if user.role != Role.admin:
        role = await session.scalar(
            select(col(CohortMember.role)).where(
                col(CohortMember.cohort_id) == referral.cohort_id,
                col(CohortMember.user_id) == user.id,
            )
        )
        if role is None or role == "volunteer":
            raise missing
        if role != "coordinator":
            raise Forbidden(_("Only a coordinator of the cohort may change a referral."))
    values = _check_referral(raw, today=today, partial=True)
    before = _plain({k: getattr(referral, k) for k in values})
    for name, value in values.items():
        setattr(referral, name, value)
    referral.updated_at = utcnow()
    await session.flush()
    await audit.record(
        session,
        actor=user,
        action="referral.update",
        object_type="referral",
        object_id=referral.id or 0,
        before=before,
        after=_plain(values),
    )
    return referral


@dataclass
class ReferralView:
    referral: Referral
    cohort_code: str
    by: str


async def referrals_of(session: AsyncSession, *, volunteer_id: int) -> list[ReferralView]:
    rows = (
        await session.execute(
            select(Referral, col(Cohort.code), col(User.name))
            .join(Cohort, col(Cohort.id) == Referral.cohort_id)
            .outerjoin(User, col(User.id) == Referral.created_by_id)
            .where(col(Referral.volunteer_id) == volunteer_id)
            .order_by(col(Referral.referred_on).desc(), col(Referral.id).desc())
        )
    ).all()
    return [ReferralView(r, code, name or _("a former user")) for r, code, name in rows]


def referral_json(view: ReferralView) -> dict[str, Any]:
    r = view.referral
    return {
        "id": r.id,
        "cohort": view.cohort_code,
        "organisation": r.organisation,
        "role": r.role,
        "date": r.referred_on.isoformat(),
        "outcome": r.outcome,
        "note": r.note,
        "by": view.by,
    }


# ---------------------------------------------------------------- the cohort overview


@dataclass
class OverviewRow:
    user: User
    joined_at: datetime
    standing: Standing
    referral: Referral | None
    inactive: bool


@dataclass
class Overview:
    plan: Plan
    rows: list[OverviewRow]


SORTS = ("ready", "name", "active", "hours")
SHOWS = ("all", "stuck", "inactive")


async def overview(
    session: AsyncSession, *, cohort: Cohort, language: str, now: datetime | None = None
) -> Overview | None:
    """Every volunteer of the cohort with their standing; None when the cohort follows
    no loaded pathway. A fixed number of statements, whatever the cohort's size."""
    if not cohort.pathway:
        return None
    row = (await pathway_rows(session, [cohort.pathway])).get(cohort.pathway)
    if row is None:
        return None
    plan = await eligibility.plan(session, definition=row.definition, language=language)
    members = (
        select(col(CohortMember.user_id))
        .where(col(CohortMember.cohort_id) == cohort.id, col(CohortMember.role) == "volunteer")
        .scalar_subquery()
    )
    people = (
        await session.execute(
            select(User, col(CohortMember.joined_at))
            .join(CohortMember, col(CohortMember.user_id) == User.id)
            .where(col(CohortMember.cohort_id) == cohort.id, col(CohortMember.role) == "volunteer")
        )
    ).all()
    found = await eligibility.records(session, plan=plan, users=members)
    held = await certified(session, pathway=cohort.pathway, users=members)
    referrals: dict[int, Referral] = {}
    for referral in await session.scalars(
        select(Referral)
        .where(col(Referral.volunteer_id).in_(members))
        .order_by(col(Referral.referred_on), col(Referral.id))
    ):
        referrals[referral.volunteer_id] = referral  # the latest stays
    now = now or utcnow()
    rows = []
    for user, joined_at in people:
        standing = eligibility.standing(
            plan, user.id or 0, found.get(user.id or 0, Record()), held.get(user.id or 0, ())
        )
        rows.append(
            OverviewRow(
                user=user,
                joined_at=as_utc(joined_at),
                standing=standing,
                referral=referrals.get(user.id or 0),
                inactive=standing.inactive(joined_at, now),
            )
        )
    return Overview(plan=plan, rows=rows)


def pick(
    rows: list[OverviewRow],
    *,
    level: str = "",
    show: str = "all",
    query: str = "",
    sort: str = "ready",
) -> list[OverviewRow]:
    """The rows a coordinator asked for, in the order asked for."""
    chosen = rows
    if level:
        chosen = [r for r in chosen if (s := r.standing.level(level)) is not None and s.eligible]
    if show == "stuck":
        chosen = [r for r in chosen if r.standing.stuck]
    elif show == "inactive":
        chosen = [r for r in chosen if r.inactive]
    needle = query.strip().lower()
    if needle:
        chosen = [
            r
            for r in chosen
            if needle in r.user.name.lower()
            or needle in r.user.username
            or needle in (r.user.student_id or "").lower()
        ]
    if sort == "name":
        return sorted(chosen, key=lambda r: (r.user.name, r.user.username))
    if sort == "active":
        never = datetime.min.replace(tzinfo=UTC)
        return sorted(
            chosen, key=lambda r: (r.standing.last_active or never, r.user.username), reverse=True
        )
    if sort == "hours":
        return sorted(chosen, key=lambda r: (-r.standing.approved_hours, r.user.username))

    def readiness(row: OverviewRow) -> tuple[float, float, str]:
        s = row.standing
        upcoming = s.next_level
        return (-s.reached, -(upcoming.share if upcoming else 1.0), row.user.username)

    return sorted(chosen, key=readiness)


def overview_json(row: OverviewRow) -> dict[str, Any]:
    standing = row.standing
    return {
        "username": row.user.username,
        "name": row.user.name,
        "approved_hours": round(standing.approved_hours, 2),
        "last_active": as_utc(standing.last_active).isoformat() if standing.last_active else None,
        "inactive": row.inactive,
        "stuck": standing.stuck,
        "levels": [
            {
                "code": level.code,
                "eligible": level.eligible,
                "certified": level.certified,
                **{
                    kind: dict(zip(("met", "of"), level.tally(kind), strict=True))
                    for kind in ("course", "quiz")
                },
                "evaluation": next((r.met for r in level.of("evaluation")), None),
                "missing": level.summary(),
            }
            for level in standing.levels
        ],
        "referral": {
            "organisation": row.referral.organisation,
            "outcome": row.referral.outcome,
            "date": row.referral.referred_on.isoformat(),
        }
        if row.referral
        else None,
    }
