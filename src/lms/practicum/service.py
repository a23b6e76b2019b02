"""Practicum hours: logging, sign-off, corrections.

Who sees an entry: its volunteer and its deciders; anyone else gets "not found". Who
decides: the trainers and coordinators of a cohort the volunteer is in, the site's
supervisor and admins, never on their own entries. A decision is one conditional
UPDATE on the entry's status, so of two deciders at once one wins and the other is told.

An entry's checks that need the database (overlap, 24 hours a day, the same service
twice) run after the volunteer's row is locked (``FOR UPDATE`` on PostgreSQL; SQLite
writes one transaction at a time anyway), so two requests at once cannot both pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from lms.audit import service as audit
from lms.errors import Conflict, Forbidden, FormErrors, NotFound
from lms.i18n import gettext as _
from lms.models.accounts import Role, User
from lms.models.base import utcnow
from lms.models.cohorts import Cohort, CohortMember
from lms.models.practicum import (
    CorrectionStatus,
    HourCorrection,
    HourEntry,
    HourEvidence,
    HourStatus,
    Site,
)
from lms.practicum.rules import (
    EDITABLE,
    FIELDS,
    Fields,
    Rules,
    check_fields,
    check_reason,
    merged,
    overlaps,
    status_title,
)

DECISIONS = {
    "approve": HourStatus.approved,
    "reject": HourStatus.rejected,
    "needs-info": HourStatus.needs_info,
}
DECIDING_ROLES = ("trainer", "coordinator")


def fields_of(entry: HourEntry) -> Fields:
    return Fields(
        entry.service_date,
        entry.start_time,
        entry.end_time,
        entry.minutes,
        entry.site_id,
        entry.activity,
        entry.description,
    )


def columns(fields: Fields) -> dict[str, Any]:
    """An entry's columns holding ``fields``."""
    return {
        "service_date": fields.service_date,
        "start_time": fields.start,
        "end_time": fields.end,
        "minutes": fields.minutes,
        "site_id": fields.site_id,
        "activity": fields.activity,
        "description": fields.description,
    }


def snapshot(entry: HourEntry) -> dict[str, Any]:
    return {**fields_of(entry).as_form(), "status": entry.status, "version": entry.version}


@dataclass(frozen=True)
class Access:
    entry: HourEntry
    owner: bool
    can_decide: bool


# ---------------------------------------------------------------- who decides


def decidable_by(user: User) -> Any:
    """A condition on HourEntry: ``user`` may decide on it."""
    if user.role == Role.admin:
        return col(HourEntry.volunteer_id) != user.id
    mine, theirs = aliased(CohortMember), aliased(CohortMember)
    in_cohort = exists(
        select(col(mine.id))
        .join(theirs, col(theirs.cohort_id) == col(mine.cohort_id))
        .where(
            col(mine.user_id) == user.id,
            col(mine.role).in_(DECIDING_ROLES),
            col(theirs.user_id) == col(HourEntry.volunteer_id),
            col(theirs.role) == "volunteer",
        )
    )
    place = aliased(Site)  # the listing joins Site itself: its own alias, not correlated
    supervises = exists(
        select(col(place.id)).where(
            col(place.id) == col(HourEntry.site_id), col(place.supervisor_id) == user.id
        )
    )
    return and_(col(HourEntry.volunteer_id) != user.id, or_(in_cohort, supervises))


async def access(session: AsyncSession, *, entry_id: int, user: User) -> Access:
    """The entry if ``user`` may see it: its volunteer or one of its deciders."""
    entry = await session.get(HourEntry, entry_id)
    if entry is None:
        raise NotFound(_("There is no hour entry %(id)s.") % {"id": entry_id})
    if entry.volunteer_id == user.id:
        return Access(entry, owner=True, can_decide=False)
    query = select(col(HourEntry.id)).where(col(HourEntry.id) == entry.id, decidable_by(user))
    if entry.status != HourStatus.draft and (await session.scalars(query)).first():
        return Access(entry, owner=False, can_decide=True)
    raise NotFound(_("There is no hour entry %(id)s.") % {"id": entry_id})


async def _owned(session: AsyncSession, *, entry_id: int, user: User) -> HourEntry:
    found = await access(session, entry_id=entry_id, user=user)
    if not found.owner:
        raise Forbidden(_("Only the volunteer who logged this entry may change it."))
    return found.entry


async def _decidable(session: AsyncSession, *, entry_id: int, user: User) -> HourEntry:
    found = await access(session, entry_id=entry_id, user=user)
    if found.owner:
        raise Forbidden(_("Nobody decides on their own hours: a trainer or coordinator will."))
    return found.entry


# ---------------------------------------------------------------- sites


async def sites(session: AsyncSession) -> Sequence[tuple[Site, User | None]]:
    query = (
        select(Site, User)
        .outerjoin(User, col(User.id) == col(Site.supervisor_id))
        .where(col(Site.is_active))
        .order_by(col(Site.name))
    )
    return [(site, user) for site, user in (await session.execute(query)).all()]


async def site_ids(session: AsyncSession) -> set[int]:
    query = select(col(Site.id)).where(col(Site.is_active))
    return {int(i) for i in (await session.scalars(query)).all() if i is not None}


async def create_site(
    session: AsyncSession,
    *,
    name: Any,
    address: Any = None,
    supervisor: Any = None,
    actor: User,
) -> Site:
    problems: dict[str, str] = {}
    name_text = name.strip() if isinstance(name, str) else ""
    address_text = address.strip() if isinstance(address, str) else ""
    username = supervisor.strip().lower() if isinstance(supervisor, str) else ""
    if not name_text:
        problems["name"] = _("Enter the site's name.")
    elif len(name_text) > 120:
        problems["name"] = _("Keep the name to %(max)d characters.") % {"max": 120}
    if len(address_text) > 300:
        problems["address"] = _("Keep the address to %(max)d characters.") % {"max": 300}
    if supervisor is not None and not isinstance(supervisor, str):
        problems["supervisor"] = _("Give the supervisor's username.")
    supervisor_user = None
    if username:
        supervisor_user = (
            await session.scalars(select(User).where(col(User.username) == username))
        ).first()
        if supervisor_user is None:
            problems["supervisor"] = _("There is no user %(username)s.") % {"username": username}
        elif supervisor_user.role == Role.volunteer:
            problems["supervisor"] = _(
                "%(username)s is a volunteer account; a supervisor needs a trainer account."
            ) % {"username": username}
    if problems:
        raise FormErrors(problems)
    taken = await session.scalars(
        select(col(Site.id)).where(func.lower(col(Site.name)) == name_text.lower())
    )
    if taken.first():
        raise Conflict(
            _("There is already a site named %(name)s.") % {"name": name_text}, field="name"
        )
    site = Site(
        name=name_text,
        address=address_text or None,
        supervisor_id=supervisor_user.id if supervisor_user else None,
    )
    session.add(site)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="site.create",
        object_type="site",
        object_id=site.id or 0,
        after={"name": site.name, "address": site.address, "supervisor": username or None},
    )
    return site


# ---------------------------------------------------------------- logging


async def _lock_volunteer(session: AsyncSession, volunteer_id: int) -> None:
    """Serialises one volunteer's entry changes (PostgreSQL; SQLite writes one at a time)."""
    await session.execute(
        select(col(User.id)).where(col(User.id) == volunteer_id).with_for_update()
    )


async def _check_against_others(
    session: AsyncSession, *, volunteer_id: int, fields: Fields, exclude: int | None
) -> None:
    """Overlap, more than a day's hours in a day, or the same service logged twice: 409."""
    query = select(HourEntry).where(
        col(HourEntry.volunteer_id) == volunteer_id,
        col(HourEntry.service_date) == fields.service_date,
        col(HourEntry.status) != HourStatus.rejected,
    )
    if exclude is not None:
        query = query.where(col(HourEntry.id) != exclude)
    others = (await session.scalars(query)).all()
    for other in others:
        theirs = fields_of(other)
        if theirs == fields:
            raise Conflict(
                _("You have already logged this service (entry %(id)d).") % {"id": other.id},
                field="description",
            )
        if overlaps(theirs, fields):
            assert other.start_time and other.end_time
            raise Conflict(
                _("These times overlap your entry %(id)d of %(start)s–%(end)s that day.")
                % {
                    "id": other.id,
                    "start": other.start_time.strftime("%H:%M"),
                    "end": other.end_time.strftime("%H:%M"),
                },
                field="start",
            )
    total = fields.minutes + sum(other.minutes for other in others)
    if total > 24 * 60:
        raise Conflict(
            _(
                "With this entry you would have %(total)s hours on %(date)s; a day has 24. "
                "Check your other entries of that day."
            )
            % {"total": f"{total / 60:g}", "date": fields.service_date.isoformat()},
            field="hours",
        )


async def _checked(
    session: AsyncSession,
    *,
    raw: Mapping[str, Any],
    rules: Rules,
    volunteer_id: int,
    exclude: int | None,
) -> Fields:
    fields = check_fields(raw, rules=rules, site_ids=await site_ids(session))
    await _lock_volunteer(session, volunteer_id)
    await _check_against_others(session, volunteer_id=volunteer_id, fields=fields, exclude=exclude)
    return fields


async def log_hours(
    session: AsyncSession, *, user: User, raw: Mapping[str, Any], rules: Rules, draft: bool = False
) -> HourEntry:
    fields = await _checked(session, raw=raw, rules=rules, volunteer_id=user.id or 0, exclude=None)
    now = utcnow()
    entry = HourEntry(
        volunteer_id=user.id or 0,
        **columns(fields),
        status=HourStatus.draft if draft else HourStatus.submitted,
        submitted_at=None if draft else now,
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    await session.flush()
    await audit.record(
        session,
        actor=user,
        action="hours.create",
        object_type="hour_entry",
        object_id=entry.id or 0,
        after=snapshot(entry),
    )
    return entry


async def _conditional(
    session: AsyncSession, entry: HourEntry, *, statuses: Sequence[str], values: dict[str, Any]
) -> bool:
    """UPDATE the entry only if its status and version are still as read; False if not."""
    result = await session.execute(
        update(HourEntry)
        .where(
            col(HourEntry.id) == entry.id,
            col(HourEntry.version) == entry.version,
            col(HourEntry.status).in_(statuses),
        )
        .values(**values, version=entry.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    await session.refresh(entry)
    return bool(getattr(result, "rowcount", 0))


def _locked(entry: HourEntry) -> Conflict:
    if entry.status == HourStatus.approved:
        return Conflict(
            _("This entry is approved and locked. Ask for a correction, with a reason.")
        )
    if entry.status == HourStatus.rejected:
        return Conflict(_("This entry was rejected and is locked."))
    return Conflict(_("This entry changed meanwhile. Reload it and try again."))


async def update_hours(
    session: AsyncSession,
    *,
    entry_id: int,
    user: User,
    changes: Mapping[str, Any],
    rules: Rules,
    expected_version: int | None = None,
) -> HourEntry:
    """The owner changes an entry not yet decided (draft, submitted, needs info)."""
    entry = await _owned(session, entry_id=entry_id, user=user)
    if entry.status not in EDITABLE:
        raise _locked(entry)
    if expected_version is not None and expected_version != entry.version:
        raise Conflict(_("This entry changed meanwhile. Reload it and try again."))
    before = snapshot(entry)
    fields = await _checked(
        session,
        raw=merged(fields_of(entry), changes),
        rules=rules,
        volunteer_id=entry.volunteer_id,
        exclude=entry.id,
    )
    if fields == fields_of(entry):
        return entry
    done = await _conditional(
        session,
        entry,
        statuses=EDITABLE,
        values=columns(fields),
    )
    if not done:
        raise _locked(entry)
    await audit.record(
        session,
        actor=user,
        action="hours.update",
        object_type="hour_entry",
        object_id=entry_id,
        before=before,
        after=snapshot(entry),
    )
    return entry


async def submit_hours(
    session: AsyncSession, *, entry_id: int, user: User, rules: Rules
) -> HourEntry:
    """A draft or an entry that needed information goes to the deciders."""
    entry = await _owned(session, entry_id=entry_id, user=user)
    if entry.status == HourStatus.submitted:
        raise Conflict(_("This entry is already submitted and waits for a decision."))
    if entry.status not in (HourStatus.draft, HourStatus.needs_info):
        raise _locked(entry)
    # The rules again: a draft may have waited past the age limit.
    await _checked(
        session,
        raw=fields_of(entry).as_form() | ({"hours": None} if entry.start_time else {}),
        rules=rules,
        volunteer_id=entry.volunteer_id,
        exclude=entry.id,
    )
    before = entry.status
    now = utcnow()
    done = await _conditional(
        session,
        entry,
        statuses=(HourStatus.draft, HourStatus.needs_info),
        values={"status": HourStatus.submitted, "submitted_at": now},
    )
    if not done:
        raise Conflict(_("This entry is already submitted and waits for a decision."))
    await audit.record(
        session,
        actor=user,
        action="hours.submit",
        object_type="hour_entry",
        object_id=entry_id,
        before={"status": before},
        after={"status": entry.status},
    )
    return entry


async def delete_hours(session: AsyncSession, *, entry_id: int, user: User) -> list[str]:
    """Deletes an entry not yet decided; the stored names of its evidence files, for the
    caller to remove once the transaction is committed."""
    entry = await _owned(session, entry_id=entry_id, user=user)
    if entry.status not in EDITABLE:
        raise _locked(entry)
    files = list(
        (
            await session.scalars(
                select(col(HourEvidence.stored_name)).where(col(HourEvidence.entry_id) == entry.id)
            )
        ).all()
    )
    before = snapshot(entry)
    result = await session.execute(
        delete(HourEntry).where(
            col(HourEntry.id) == entry.id,
            col(HourEntry.version) == entry.version,
            col(HourEntry.status).in_(EDITABLE),
        )
    )
    if not getattr(result, "rowcount", 0):
        await session.refresh(entry)
        raise _locked(entry)
    session.expunge(entry)
    await audit.record(
        session,
        actor=user,
        action="hours.delete",
        object_type="hour_entry",
        object_id=entry_id,
        before=before,
    )
    return files


# ---------------------------------------------------------------- decisions


async def _decider_name(session: AsyncSession, user_id: int | None) -> str:
    if user_id is None:
        return "?"
    found = await session.get(User, user_id)
    return found.name if found else "?"


async def _lost_race(session: AsyncSession, entry: HourEntry) -> Conflict:
    if entry.status in (HourStatus.approved, HourStatus.rejected, HourStatus.needs_info):
        return Conflict(
            _("%(name)s already decided on this entry: %(status)s.")
            % {
                "name": await _decider_name(session, entry.decided_by_id),
                "status": status_title(entry.status),
            }
        )
    if entry.status == HourStatus.draft:
        return Conflict(_("The volunteer took this entry back as a draft."))
    return Conflict(_("The volunteer changed this entry since you opened it. Look at it again."))


async def decide(
    session: AsyncSession,
    *,
    entry_id: int,
    user: User,
    decision: str,
    reason: Any = None,
    expected_version: int | None = None,
) -> HourEntry:
    """Approve, reject (with a reason) or send back with a question (needs-info)."""
    status = DECISIONS[decision]
    entry = await _decidable(session, entry_id=entry_id, user=user)
    text = check_reason(reason, required=status != HourStatus.approved)
    if entry.status != HourStatus.submitted or (
        expected_version is not None and entry.version != expected_version
    ):
        raise await _lost_race(session, entry)
    now = utcnow()
    done = await _conditional(
        session,
        entry,
        statuses=(HourStatus.submitted,),
        values={"status": status, "question": text, "decided_by_id": user.id, "decided_at": now},
    )
    if not done:
        raise await _lost_race(session, entry)
    await audit.record(
        session,
        actor=user,
        action=f"hours.{status}",
        object_type="hour_entry",
        object_id=entry_id,
        before={"status": HourStatus.submitted},
        after={"status": status, "hours": entry.minutes / 60},
        reason=text,
    )
    return entry


@dataclass(frozen=True)
class BulkOutcome:
    approved: list[int]
    refused: list[tuple[int, str]]


async def approve_many(
    session: AsyncSession, *, entries: Sequence[tuple[int, int]], user: User
) -> BulkOutcome:
    """Approves each (id, version) this user may decide; the others say why not. Each is
    its own conditional update, so an entry decided meanwhile by someone else is told, not
    overwritten."""
    approved: list[int] = []
    refused: list[tuple[int, str]] = []
    for entry_id, version in entries:
        try:
            # A refusal is raised before anything is written: no savepoint needed.
            await decide(
                session, entry_id=entry_id, user=user, decision="approve", expected_version=version
            )
            approved.append(entry_id)
        except (Conflict, Forbidden, NotFound) as refusal:
            refused.append((entry_id, refusal.message))
    return BulkOutcome(approved, refused)


# ---------------------------------------------------------------- corrections


async def request_correction(
    session: AsyncSession,
    *,
    entry_id: int,
    user: User,
    reason: Any,
    changes: Mapping[str, Any],
    rules: Rules,
) -> HourCorrection:
    entry = await _owned(session, entry_id=entry_id, user=user)
    if entry.status != HourStatus.approved:
        raise Conflict(
            _("Only an approved entry needs a correction; change this one directly.")
            if entry.status in EDITABLE
            else _("This entry was rejected and is locked.")
        )
    text = check_reason(reason, required=True)
    given = {key: changes[key] for key in FIELDS if key in changes}
    fields = await _checked(
        session,
        raw=merged(fields_of(entry), given),
        rules=rules,
        volunteer_id=entry.volunteer_id,
        exclude=entry.id,
    )
    if fields == fields_of(entry):
        raise FormErrors(
            {"changes": _("The correction changes nothing. Change at least one field.")}
        )
    pending = await session.scalars(
        select(col(HourCorrection.id)).where(
            col(HourCorrection.entry_id) == entry.id,
            col(HourCorrection.status) == CorrectionStatus.pending,
        )
    )
    if pending.first():
        raise Conflict(_("A correction of this entry is already waiting for a decision."))
    last = await session.scalar(
        select(func.max(HourCorrection.number)).where(col(HourCorrection.entry_id) == entry.id)
    )
    old, new = fields_of(entry).as_form(), fields.as_form()
    correction = HourCorrection(
        entry_id=entry.id or 0,
        number=(last or 0) + 1,
        reason=text or "",
        # With times, the hours follow from them: the change names the times only.
        changes={
            key: value
            for key, value in new.items()
            if old[key] != value and not (key == "hours" and fields.start is not None)
        },
    )
    session.add(correction)
    await session.flush()
    await audit.record(
        session,
        actor=user,
        action="hours.correction.request",
        object_type="hour_entry",
        object_id=entry_id,
        after={"correction": correction.number, "changes": correction.changes},
        reason=text,
    )
    return correction


async def decide_correction(
    session: AsyncSession,
    *,
    entry_id: int,
    number: int,
    user: User,
    accept: bool,
    reason: Any = None,
    rules: Rules,
) -> HourCorrection:
    entry = await _decidable(session, entry_id=entry_id, user=user)
    correction = (
        await session.scalars(
            select(HourCorrection).where(
                col(HourCorrection.entry_id) == entry.id, col(HourCorrection.number) == number
            )
        )
    ).first()
    if correction is None:
        raise NotFound(_("There is no correction %(n)s of this entry.") % {"n": number})
    text = check_reason(reason, required=not accept)
    if correction.status != CorrectionStatus.pending:
        raise Conflict(
            _("%(name)s already decided on this correction.")
            % {"name": await _decider_name(session, correction.decided_by_id)}
        )
    now = utcnow()
    previous = snapshot(entry)
    if accept:
        fields = await _checked(
            session,
            raw=merged(fields_of(entry), correction.changes),
            rules=rules,
            volunteer_id=entry.volunteer_id,
            exclude=entry.id,
        )
    result = await session.execute(
        update(HourCorrection)
        .where(
            col(HourCorrection.id) == correction.id,
            col(HourCorrection.status) == CorrectionStatus.pending,
        )
        .values(
            status=CorrectionStatus.accepted if accept else CorrectionStatus.declined,
            decided_by_id=user.id,
            decided_at=now,
            decision_reason=text,
            previous=previous if accept else None,
        )
        .execution_options(synchronize_session=False)
    )
    await session.refresh(correction)
    if not getattr(result, "rowcount", 0):
        raise Conflict(
            _("%(name)s already decided on this correction.")
            % {"name": await _decider_name(session, correction.decided_by_id)}
        )
    if accept:
        done = await _conditional(
            session,
            entry,
            statuses=(HourStatus.approved,),
            values=columns(fields),
        )
        if not done:
            raise Conflict(_("This entry changed meanwhile. Reload it and try again."))
    await audit.record(
        session,
        actor=user,
        action="hours.correction.accept" if accept else "hours.correction.decline",
        object_type="hour_entry",
        object_id=entry_id,
        before=previous if accept else None,
        after={"correction": number, **({"entry": snapshot(entry)} if accept else {})},
        reason=text,
    )
    return correction


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class Row:
    """An entry with what lists show beside it."""

    entry: HourEntry
    volunteer: User
    site: Site
    evidence: int


async def _rows(session: AsyncSession, query: Any) -> list[Row]:
    evidence = (
        select(func.count())
        .where(col(HourEvidence.entry_id) == col(HourEntry.id))
        .correlate(HourEntry)
        .scalar_subquery()
    )
    rows = (await session.execute(query.add_columns(evidence))).all()
    return [Row(entry, volunteer, site, int(count)) for entry, volunteer, site, count in rows]


def _listing() -> Any:
    return (
        select(HourEntry, User, Site)
        .join(User, col(User.id) == col(HourEntry.volunteer_id))
        .join(Site, col(Site.id) == col(HourEntry.site_id))
    )


async def own_entries(
    session: AsyncSession,
    *,
    user: User,
    status: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[Row]:
    query = _listing().where(col(HourEntry.volunteer_id) == user.id)
    if status:
        query = query.where(col(HourEntry.status) == status)
    query = (
        query.order_by(
            col(HourEntry.service_date).desc(),
            col(HourEntry.start_time).desc(),
            col(HourEntry.id).desc(),
        )
        .limit(limit)
        .offset(offset)
    )
    return await _rows(session, query)


async def decidable_entries(
    session: AsyncSession,
    *,
    user: User,
    status: str | None = None,
    volunteer: str | None = None,
    cohort: str | None = None,
    site: int | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[Row]:
    """Entries ``user`` may decide on, oldest submission first; never drafts."""
    query = _listing().where(decidable_by(user), col(HourEntry.status) != HourStatus.draft)
    if status:
        query = query.where(col(HourEntry.status) == status)
    if volunteer:
        query = query.where(col(User.username) == volunteer.strip().lower())
    if site is not None:
        query = query.where(col(HourEntry.site_id) == site)
    if cohort:
        member = aliased(CohortMember)
        query = query.where(
            exists(
                select(col(member.id))
                .join(Cohort, col(Cohort.id) == member.cohort_id)
                .where(
                    col(member.user_id) == col(HourEntry.volunteer_id),
                    col(member.role) == "volunteer",
                    col(Cohort.code) == cohort.strip().upper(),
                )
            )
        )
    query = (
        query.order_by(col(HourEntry.submitted_at), col(HourEntry.id)).limit(limit).offset(offset)
    )
    return await _rows(session, query)


async def queue(session: AsyncSession, *, user: User, limit: int = 500) -> list[Row]:
    return await decidable_entries(session, user=user, status=HourStatus.submitted, limit=limit)


async def queue_size(session: AsyncSession, *, user: User) -> int:
    query = (
        select(func.count())
        .select_from(HourEntry)
        .where(decidable_by(user), col(HourEntry.status) == HourStatus.submitted)
    )
    return int(await session.scalar(query) or 0)


async def evidence_of(session: AsyncSession, entry_id: int) -> Sequence[HourEvidence]:
    query = (
        select(HourEvidence)
        .where(col(HourEvidence.entry_id) == entry_id)
        .order_by(col(HourEvidence.id))
    )
    return (await session.scalars(query)).all()


async def corrections_of(session: AsyncSession, entry_id: int) -> Sequence[HourCorrection]:
    query = (
        select(HourCorrection)
        .where(col(HourCorrection.entry_id) == entry_id)
        .order_by(col(HourCorrection.number))
    )
    return (await session.scalars(query)).all()


async def names(session: AsyncSession, user_ids: set[int | None]) -> dict[int, User]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    found = await session.scalars(select(User).where(col(User.id).in_(ids)))
    return {user.id or 0: user for user in found}


def site_names(pairs: Sequence[tuple[Site, User | None]]) -> dict[int, str]:
    return {site.id or 0: site.name for site, _user in pairs}


def logged_at(entry: HourEntry) -> datetime:
    return entry.submitted_at or entry.created_at
