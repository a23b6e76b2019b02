"""Cohorts: creating them, joining with an invite code, members, roster import.

Who may see a cohort: its members of any role and admins; who may manage it: its
coordinators and admins. A cohort a user may not see is "not found".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.accounts import service as accounts
from lms.accounts.secrets import new_invite_code, normalise_invite_code
from lms.audit import service as audit
from lms.cohorts.roster import Roster, RosterProblem
from lms.courses import service as courses
from lms.errors import Forbidden, FormErrors, LMSError, NotFound
from lms.i18n import gettext as _
from lms.models.accounts import Role, User
from lms.models.base import utcnow
from lms.models.cohorts import COHORT_CODE_MAX, Cohort, CohortMember

CODE = re.compile(rf"[A-Z0-9][A-Z0-9_-]{{1,{COHORT_CODE_MAX - 1}}}")
PATHWAY = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
MEMBER_ROLES = ("volunteer", "trainer", "coordinator")


@dataclass(frozen=True)
class Member:
    user: User
    role: str
    joined_at: datetime
    has_password: bool


class InviteRefused(LMSError):
    status_code = 400


def normalise_code(value: str) -> str:
    return value.strip().upper()


async def create_cohort(
    session: AsyncSession, *, code: str, name: str, pathway: str | None, actor: User | None
) -> Cohort:
    code, name, pathway = normalise_code(code), name.strip(), (pathway or "").strip() or None
    problems = {}
    if not CODE.fullmatch(code):
        problems["code"] = _(
            "Use 2–40 capital letters, digits, dashes or underscores, e.g. QH-2026-SPRING."
        )
    elif await find_cohort(session, code):
        problems["code"] = _("A cohort with this code exists already.")
    if not name or len(name) > 120:
        problems["name"] = _("Enter a name of at most 120 characters.")
    if pathway and not PATHWAY.fullmatch(pathway):
        problems["pathway"] = _("A pathway is named by its slug, e.g. community-volunteer.")
    elif pathway and not await courses.pathway_exists(session, pathway):
        problems["pathway"] = _("There is no pathway %(slug)s.") % {"slug": pathway}
    if problems:
        raise FormErrors(problems)
    cohort = Cohort(code=code, name=name, pathway=pathway, invite_code=new_invite_code())
    session.add(cohort)
    await session.flush()
    if actor is not None and actor.role == Role.coordinator:
        await add_member(session, cohort=cohort, user=actor, role="coordinator", actor=actor)
    await audit.record(
        session,
        actor=actor,
        action="cohort.create",
        object_type="cohort",
        object_id=cohort.id or 0,
        after={"code": code, "name": name, "pathway": pathway},
    )
    return cohort


async def find_cohort(session: AsyncSession, code: str) -> Cohort | None:
    query = select(Cohort).where(col(Cohort.code) == normalise_code(code))
    return (await session.scalars(query)).first()


async def membership(session: AsyncSession, *, cohort: Cohort, user: User) -> str | None:
    query = select(col(CohortMember.role)).where(
        col(CohortMember.cohort_id) == cohort.id, col(CohortMember.user_id) == user.id
    )
    return (await session.scalars(query)).first()


async def cohort_for(
    session: AsyncSession, *, code: str, user: User, manage: bool = False
) -> Cohort:
    """The cohort if ``user`` may see it (404 otherwise); with ``manage``, 403 for a
    member who may see but not manage it."""
    cohort = await find_cohort(session, code)
    if cohort is None:
        raise NotFound(_("There is no cohort %(code)s.") % {"code": code})
    if user.role == Role.admin:
        return cohort
    role = await membership(session, cohort=cohort, user=user)
    if role is None or role == "volunteer":
        raise NotFound(_("There is no cohort %(code)s.") % {"code": code})
    if manage and role != "coordinator":
        raise Forbidden(_("Only the cohort's coordinators may change it."))
    return cohort


async def cohorts_for(session: AsyncSession, *, user: User) -> Sequence[tuple[Cohort, int]]:
    """The cohorts a staff member works with (all, for admins), with volunteer counts."""
    volunteers = (
        select(col(CohortMember.cohort_id), func.count().label("n"))
        .where(col(CohortMember.role) == "volunteer")
        .group_by(col(CohortMember.cohort_id))
        .subquery()
    )
    query = select(Cohort, func.coalesce(volunteers.c.n, 0)).outerjoin(
        volunteers, volunteers.c.cohort_id == col(Cohort.id)
    )
    if user.role != Role.admin:
        query = query.join(CohortMember, col(CohortMember.cohort_id) == col(Cohort.id)).where(
            col(CohortMember.user_id) == user.id, col(CohortMember.role) != "volunteer"
        )
    rows = (await session.execute(query.order_by(col(Cohort.created_at).desc()))).all()
    return [(cohort, int(count)) for cohort, count in rows]


async def add_member(
    session: AsyncSession, *, cohort: Cohort, user: User, role: str, actor: User | None
) -> None:
    if role not in MEMBER_ROLES:
        raise FormErrors({"role": _("Use volunteer, trainer or coordinator.")})
    if await membership(session, cohort=cohort, user=user) is not None:
        return
    session.add(CohortMember(cohort_id=cohort.id or 0, user_id=user.id or 0, role=role))
    await session.flush()
    if role == "volunteer":  # joining a cohort enrols in its pathway's courses
        await courses.enrol_cohorts(session, cohort_id=cohort.id)
    await audit.record(
        session,
        actor=actor,
        action="cohort.add_member",
        object_type="cohort",
        object_id=cohort.id or 0,
        after={"username": user.username, "role": role},
    )


async def members(
    session: AsyncSession, *, cohort: Cohort, limit: int = 100, offset: int = 0
) -> list[Member]:
    """A page of members: staff first, then volunteers, by username."""
    query = (
        select(User, CohortMember)
        .join(CohortMember, col(CohortMember.user_id) == col(User.id))
        .where(col(CohortMember.cohort_id) == cohort.id)
        .order_by(col(CohortMember.role), col(User.username))
        .limit(limit)
        .offset(offset)
    )
    rows = (await session.execute(query)).all()
    return [
        Member(user=u, role=m.role, joined_at=m.joined_at, has_password=u.password_hash is not None)
        for u, m in rows
    ]


# -- invite codes -------------------------------------------------------------------------


async def claim_invite(session: AsyncSession, *, invite_code: str) -> Cohort:
    """The cohort whose invite this is, counting one use. The count is a conditional
    update, so the last place cannot be taken twice by two people at once."""
    code = normalise_invite_code(invite_code)
    refused = InviteRefused(_("This invite code is not valid. Check it with your coordinator."))
    if not code:
        raise refused
    cohort = (await session.scalars(select(Cohort).where(col(Cohort.invite_code) == code))).first()
    if cohort is None:
        raise refused
    claimed = await session.execute(
        update(Cohort)
        .where(
            col(Cohort.id) == cohort.id,
            col(Cohort.invite_open).is_(True),
            col(Cohort.invite_max_uses).is_(None)
            | (col(Cohort.invite_uses) < col(Cohort.invite_max_uses)),
        )
        .values(invite_uses=col(Cohort.invite_uses) + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise InviteRefused(
            _("This invite code has been used up or closed. Ask your coordinator for a new one.")
        )
    await session.refresh(cohort)
    return cohort


async def set_invite(
    session: AsyncSession, *, cohort: Cohort, action: str, actor: User, max_uses: int | None = None
) -> None:
    """``new`` replaces the code (the old one stops working), ``close`` and ``open``."""
    before = {"open": cohort.invite_open, "max_uses": cohort.invite_max_uses}
    if max_uses is not None and not 1 <= max_uses <= 100_000:
        raise FormErrors({"max_uses": _("Leave empty for no limit, or enter a number from 1.")})
    if action == "new":
        cohort.invite_code = new_invite_code()
        cohort.invite_uses = 0
        cohort.invite_open = True
        cohort.invite_max_uses = max_uses
    elif action in ("open", "close"):
        cohort.invite_open = action == "open"
    else:
        raise FormErrors({"action": _("Unknown action.")})
    try:
        await session.flush()
    except IntegrityError:  # pragma: no cover - a 40-bit collision
        raise LMSError(_("Please try again.")) from None
    await audit.record(
        session,
        actor=actor,
        action=f"cohort.invite_{action}",
        object_type="cohort",
        object_id=cohort.id or 0,
        before=before,
        after={"open": cohort.invite_open, "max_uses": cohort.invite_max_uses},
    )


async def register(
    session: AsyncSession,
    *,
    invite_code: str,
    profile: accounts.Profile,
    password: str,
    confirm: str,
) -> User:
    """Self-registration: a volunteer account in the invite's cohort."""
    cohort = await claim_invite(session, invite_code=invite_code)
    if password != confirm:
        raise FormErrors({"confirm_password": _("The two passwords are not the same.")})
    user = await accounts.create_user(
        session, profile=profile, role=Role.volunteer, password=password
    )
    await add_member(session, cohort=cohort, user=user, role="volunteer", actor=user)
    return user


# -- roster --------------------------------------------------------------------------------


async def check_roster_against_database(session: AsyncSession, roster: Roster) -> None:
    """Adds a problem for each username that exists already."""
    taken = await accounts.usernames_taken(session, [r.username for r in roster.rows])
    roster.problems.extend(
        RosterProblem(
            row.line,
            "username",
            _("The username %(username)s is taken.") % {"username": row.username},
        )
        for row in roster.rows
        if row.username in taken
    )
    roster.problems.sort(key=lambda p: (p.line, p.column))


async def import_roster(
    session: AsyncSession, *, cohort: Cohort, roster: Roster, actor: User | None
) -> list[User]:
    """All rows or none, in a few statements whatever the size: a 2,000-row roster must
    not hold the database's write lock for long (every other writer waits for it)."""
    await check_roster_against_database(session, roster)
    if not roster.ok:
        raise RosterRefused(roster)
    now = utcnow()
    try:
        async with session.begin_nested():  # someone registered a name in the meantime
            await session.execute(
                insert(User),
                [
                    {
                        "username": row.username,
                        "name": row.name,
                        "role": row.role,
                        "email": row.email or None,
                        "phone": row.phone or None,
                        "student_id": row.student_id or None,
                        "is_active": True,
                        "created_at": now,
                    }
                    for row in roster.rows
                ],
            )
    except IntegrityError:
        raise LMSError(
            _("A username in the file was taken a moment ago. Check the file again.")
        ) from None
    order = {row.username: position for position, row in enumerate(roster.rows)}
    users: list[User] = []
    names = list(order)
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        users.extend(await session.scalars(select(User).where(col(User.username).in_(chunk))))
    users.sort(key=lambda user: order[user.username])
    await session.execute(
        insert(CohortMember),
        [
            {"cohort_id": cohort.id, "user_id": user.id, "role": user.role, "joined_at": now}
            for user in users
        ],
    )
    await courses.enrol_cohorts(session, cohort_id=cohort.id)
    await audit.record_many(
        session,
        [
            audit.entry(
                actor=actor,
                action="user.create",
                object_type="user",
                object_id=user.id or 0,
                after={"username": user.username, "role": user.role, "cohort": cohort.code},
            )
            for user in users
        ]
        + [
            audit.entry(
                actor=actor,
                action="cohort.import_roster",
                object_type="cohort",
                object_id=cohort.id or 0,
                after={"created": len(users)},
            )
        ],
    )
    return users


class RosterRefused(LMSError):
    status_code = 422

    def __init__(self, roster: Roster) -> None:
        super().__init__(
            _("Nothing was imported: %(n)d problem(s) in the file.") % {"n": len(roster.problems)}
        )
        self.roster = roster


async def password_links(
    session: AsyncSession,
    *,
    cohort: Cohort,
    base_url: str,
    actor: User | None,
    only: Sequence[User] | None = None,
) -> list[tuple[User, str]]:
    """New set-password links for the cohort's members who have no password yet (or for
    ``only``), for the coordinator to hand out. Links handed out before keep working."""
    if only is None:
        query = (
            select(User)
            .join(CohortMember, col(CohortMember.user_id) == col(User.id))
            .where(col(CohortMember.cohort_id) == cohort.id, col(User.password_hash).is_(None))
            .order_by(col(User.username))
        )
        only = (await session.scalars(query)).all()
    waiting = [user for user in only if user.password_hash is None]
    made = await accounts.create_password_links(session, users=waiting, purpose="set", actor=actor)
    return [(user, f"{base_url}/password/{key}") for user, key in made]


async def member_count(session: AsyncSession, *, cohort: Cohort) -> int:
    query = (
        select(func.count())
        .select_from(CohortMember)
        .where(col(CohortMember.cohort_id) == cohort.id)
    )
    return int(await session.scalar(query) or 0)


async def add_existing_member(
    session: AsyncSession, *, cohort: Cohort, username: str, role: str, actor: User | None
) -> User:
    """Puts an existing account in the cohort: how a cohort gets its coordinators and
    trainers, and how a volunteer moves to a new cohort."""
    user = await accounts.find_user(session, username)
    if user is None:
        raise FormErrors(
            {"username": _("There is no user %(username)s.") % {"username": username.strip()[:40]}}
        )
    allowed = {
        "volunteer": (Role.volunteer,),
        "trainer": (Role.trainer, Role.coordinator, Role.admin),
        "coordinator": (Role.coordinator, Role.admin),
    }
    if role not in allowed:
        raise FormErrors({"member_role": _("Use volunteer, trainer or coordinator.")})
    if user.role not in allowed[role]:
        raise FormErrors(
            {
                "member_role": _("%(username)s's account cannot take this role.")
                % {"username": user.username}
            }
        )
    if await membership(session, cohort=cohort, user=user) is not None:
        raise FormErrors(
            {"username": _("%(username)s is already in this cohort.") % {"username": user.username}}
        )
    await add_member(session, cohort=cohort, user=user, role=role, actor=actor)
    return user


async def pending_links(session: AsyncSession, *, cohort: Cohort) -> int:
    """How many members still have to set their password."""
    query = (
        select(func.count())
        .select_from(CohortMember)
        .join(User, col(User.id) == col(CohortMember.user_id))
        .where(col(CohortMember.cohort_id) == cohort.id, col(User.password_hash).is_(None))
    )
    return int(await session.scalar(query) or 0)
