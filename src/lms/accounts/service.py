"""Accounts: creating users, signing in and out, API tokens, password links, profiles.

Services take the session first, flush and never commit (the request commits once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.accounts import throttle
from lms.accounts.forms import (
    clean_name,
    email_problem,
    name_problem,
    normalise_username,
    phone_problem,
    student_id_problem,
    username_problem,
)
from lms.accounts.passwords import hash_password, password_problem, verify_password
from lms.accounts.secrets import digest, new_key
from lms.audit import service as audit
from lms.errors import Conflict, FormErrors, LMSError, NotFound
from lms.i18n import gettext as _
from lms.models.accounts import ApiToken, PasswordLink, Role, User, UserSession
from lms.models.base import as_utc, utcnow

SESSION_LIFETIME = timedelta(days=30)
SESSION_TOUCH = timedelta(minutes=10)
TOKEN_TOUCH = timedelta(minutes=5)
LINK_LIFETIME = {"set": timedelta(days=14), "reset": timedelta(days=1)}
TOKEN_PREFIX = "lms_"  # noqa: S105 - a prefix, not a secret


class Throttled(LMSError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Profile:
    """What a person types about themselves; checked by ``check_profile``."""

    username: str
    name: str
    email: str = ""
    phone: str = ""
    student_id: str = ""


def check_profile(profile: Profile) -> tuple[Profile, dict[str, str]]:
    """The cleaned profile and the problems per field (empty when it is fine)."""
    cleaned = Profile(
        username=normalise_username(profile.username),
        name=clean_name(profile.name),
        email=profile.email.strip(),
        phone=profile.phone.strip(),
        student_id=profile.student_id.strip(),
    )
    problems = {
        "username": username_problem(cleaned.username),
        "name": name_problem(cleaned.name),
        "email": email_problem(cleaned.email),
        "phone": phone_problem(cleaned.phone),
        "student_id": student_id_problem(cleaned.student_id),
    }
    return cleaned, {field: message for field, message in problems.items() if message}


async def find_user(session: AsyncSession, username: str) -> User | None:
    query = select(User).where(col(User.username) == normalise_username(username))
    return (await session.scalars(query)).first()


async def get_user(session: AsyncSession, username: str) -> User:
    user = await find_user(session, username)
    if user is None:
        raise NotFound(_("There is no user %(username)s.") % {"username": username})
    return user


async def usernames_taken(session: AsyncSession, usernames: Sequence[str]) -> set[str]:
    if not usernames:
        return set()
    query = select(col(User.username)).where(col(User.username).in_(list(usernames)))
    return set((await session.scalars(query)).all())


async def create_user(
    session: AsyncSession,
    *,
    profile: Profile,
    role: Role,
    password: str | None = None,
    actor: User | None = None,
) -> User:
    """A new account. Without a password it can sign in only after a password link."""
    cleaned, problems = check_profile(profile)
    if password is not None and (
        problem := password_problem(password, hints=(cleaned.username, cleaned.name))
    ):
        problems["password"] = problem
    if "username" not in problems and await find_user(session, cleaned.username):
        problems["username"] = _("This username is taken.")
    if problems:
        raise FormErrors(problems)
    user = User(
        username=cleaned.username,
        name=cleaned.name,
        role=role,
        email=cleaned.email or None,
        phone=cleaned.phone or None,
        student_id=cleaned.student_id or None,
        password_hash=await hash_password(password) if password is not None else None,
    )
    try:
        async with session.begin_nested():  # a lost race on the username undoes only this
            session.add(user)
            await session.flush()
    except IntegrityError:
        raise FormErrors({"username": _("This username is taken.")}) from None
    await audit.record(
        session,
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.id or 0,
        after={"username": user.username, "role": role},
    )
    return user


# -- signing in ------------------------------------------------------------------------


async def authenticate(
    session: AsyncSession, *, username: str, password: str, address: str
) -> User:
    """The user, or an error that names neither which part was wrong nor whether the
    username exists. Every failure is recorded for throttling, even though the answer
    is a 4xx: the caller must not roll it back."""
    name = normalise_username(username)[:40]
    wait = await throttle.seconds_blocked(session, username=name, address=address)
    if wait:
        raise Throttled(
            _("Too many failed sign-ins. Try again in %(minutes)d minutes.")
            % {"minutes": max(1, round(wait / 60))},
            retry_after=wait,
        )
    user = await find_user(session, name)
    ok = await verify_password(password, user.password_hash if user else None)
    if not ok or user is None:
        await throttle.record_failure(session, username=name, address=address)
        raise LMSError(_("The username or password is not right."))
    if not user.is_active:
        raise LMSError(_("This account has been switched off. Ask your coordinator."))
    await throttle.forget_failures(session, username=name, address=address)
    return user


async def start_session(
    session: AsyncSession, *, user: User, user_agent: str | None, address: str | None
) -> str:
    """A new browser session; returns the key for the cookie (only its hash is kept)."""
    key = new_key()
    now = utcnow()
    await session.execute(  # the table keeps only what can still matter
        delete(UserSession).where(
            col(UserSession.user_id) == user.id,
            col(UserSession.expires_at) < now - SESSION_LIFETIME,
        )
    )
    session.add(
        UserSession(
            user_id=user.id or 0,
            key_hash=digest(key),
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
            user_agent=(user_agent or "")[:200] or None,
            address=address,
        )
    )
    await session.flush()
    return key


# Every signed-in page runs this: built once, bound per request.
SESSION_USER = (
    select(User, UserSession)
    .join(UserSession, col(UserSession.user_id) == col(User.id))
    .where(
        col(UserSession.key_hash) == bindparam("key_hash"),
        col(UserSession.revoked_at).is_(None),
        col(UserSession.expires_at) > bindparam("now", type_=DateTime(timezone=True)),
        col(User.is_active).is_(True),
    )
)


async def session_user(session: AsyncSession, key: str) -> tuple[User, UserSession] | None:
    """The signed-in user of a live session; None for an expired or revoked one."""
    now = utcnow()
    row = (await session.execute(SESSION_USER, {"key_hash": digest(key), "now": now})).first()
    if row is None:
        return None
    user, user_session = row
    return user, user_session


def touch_due(last: datetime | None, *, every: timedelta) -> bool:
    """Whether a session's or token's "last seen" is old enough to be written again."""
    return last is None or as_utc(last) < utcnow() - every


async def touch(
    session: AsyncSession, *, session_id: int | None = None, token_id: int | None = None
) -> None:
    """Records that a browser session or an API token was used just now. Run in a short
    write transaction of its own: a read request that wrote in its own deferred SQLite
    transaction could fail at once with "database is locked" under concurrent writes."""
    now = utcnow()
    if session_id is not None:
        await session.execute(
            update(UserSession).where(col(UserSession.id) == session_id).values(last_seen_at=now)
        )
    if token_id is not None:
        await session.execute(
            update(ApiToken).where(col(ApiToken.id) == token_id).values(last_used_at=now)
        )


async def end_session(session: AsyncSession, key: str) -> None:
    await session.execute(
        update(UserSession)
        .where(col(UserSession.key_hash) == digest(key), col(UserSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


async def _revoke_sessions(session: AsyncSession, *, user_id: int | None) -> int:
    result = await session.execute(
        update(UserSession)
        .where(col(UserSession.user_id) == user_id, col(UserSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def end_all_sessions(session: AsyncSession, *, user: User) -> int:
    """Log out everywhere: every browser of this user must sign in again."""
    ended = await _revoke_sessions(session, user_id=user.id)
    await audit.record(
        session,
        actor=user,
        action="user.logout_everywhere",
        object_type="user",
        object_id=user.id or 0,
    )
    return ended


async def active_session_count(session: AsyncSession, *, user: User) -> int:
    query = (
        select(func.count())
        .select_from(UserSession)
        .where(
            col(UserSession.user_id) == user.id,
            col(UserSession.revoked_at).is_(None),
            col(UserSession.expires_at) > utcnow(),
        )
    )
    return int(await session.scalar(query) or 0)


# -- passwords -----------------------------------------------------------------------------


async def change_password(
    session: AsyncSession, *, user: User, current: str, new: str, confirm: str
) -> None:
    problems: dict[str, str] = {}
    if not await verify_password(current, user.password_hash):
        problems["current_password"] = _("This is not your current password.")
    if problem := password_problem(new, hints=(user.username, user.name)):
        problems["new_password"] = problem
    elif new != confirm:
        problems["confirm_password"] = _("The two passwords are not the same.")
    if problems:
        raise FormErrors(problems)
    user.password_hash = await hash_password(new)
    await audit.record(
        session,
        actor=user,
        action="user.password_change",
        object_type="user",
        object_id=user.id or 0,
    )


async def create_password_links(
    session: AsyncSession, *, users: Sequence[User], purpose: str, actor: User | None
) -> list[tuple[User, str]]:
    """One-time keys for ``/password/<key>``, in a few statements however many users.

    A new reset link retires the user's older unused links (someone may have seen them);
    a new set-password link leaves earlier ones working until used or expired, so slips a
    coordinator already handed out stay good. Using any link retires the others."""
    now = utcnow()
    ids = [user.id for user in users]
    if purpose == "reset":
        for chunk in _chunks(ids):
            await session.execute(
                update(PasswordLink)
                .where(col(PasswordLink.user_id).in_(chunk), col(PasswordLink.used_at).is_(None))
                .values(used_at=now)
            )
    made = [(user, new_key()) for user in users]
    if not made:
        return made
    await session.execute(
        insert(PasswordLink),
        [
            {
                "user_id": user.id,
                "purpose": purpose,
                "token_hash": digest(key),
                "created_at": now,
                "expires_at": now + LINK_LIFETIME[purpose],
            }
            for user, key in made
        ],
    )
    await audit.record_many(
        session,
        [
            audit.entry(
                actor=actor,
                action=f"user.password_link_{purpose}",
                object_type="user",
                object_id=user.id or 0,
            )
            for user, _key in made
        ],
    )
    return made


async def create_password_link(
    session: AsyncSession, *, user: User, purpose: str, actor: User | None
) -> str:
    ((_user, key),) = await create_password_links(
        session, users=[user], purpose=purpose, actor=actor
    )
    return key


def _chunks(values: list[int | None], size: int = 500) -> list[list[int | None]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


async def password_link_user(session: AsyncSession, key: str) -> tuple[User, PasswordLink]:
    query = (
        select(User, PasswordLink)
        .join(PasswordLink, col(PasswordLink.user_id) == col(User.id))
        .where(col(PasswordLink.token_hash) == digest(key))
    )
    row = (await session.execute(query)).first()
    if row is None or row[1].used_at is not None or as_utc(row[1].expires_at) <= utcnow():
        raise LinkExpired(
            _("This link has expired or was already used. Ask your coordinator for a new one.")
        )
    return row[0], row[1]


class LinkExpired(LMSError):
    status_code = 410


async def use_password_link(
    session: AsyncSession, *, key: str, password: str, confirm: str
) -> User:
    user, link = await password_link_user(session, key)
    if problem := password_problem(password, hints=(user.username, user.name)):
        raise FormErrors({"password": problem})
    if password != confirm:
        raise FormErrors({"confirm_password": _("The two passwords are not the same.")})
    # Conditional on the link still being unused: two tabs submitting at once, one wins.
    claimed = await session.execute(
        update(PasswordLink)
        .where(col(PasswordLink.id) == link.id, col(PasswordLink.used_at).is_(None))
        .values(used_at=utcnow())
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("This link was used a moment ago."))
    await session.execute(
        update(PasswordLink)
        .where(col(PasswordLink.user_id) == user.id, col(PasswordLink.used_at).is_(None))
        .values(used_at=utcnow())
    )
    await _revoke_sessions(session, user_id=user.id)
    user.password_hash = await hash_password(password)
    await audit.record(
        session,
        actor=user,
        action="user.password_set",
        object_type="user",
        object_id=user.id or 0,
        after={"purpose": link.purpose},
    )
    return user


# -- profile ----------------------------------------------------------------------------------


async def update_profile(
    session: AsyncSession, *, user: User, name: str, language: str | None
) -> None:
    cleaned = clean_name(name)
    if problem := name_problem(cleaned):
        raise FormErrors({"name": problem})
    if language not in (None, "", "zh", "en"):
        raise FormErrors({"language": _("Unknown language.")})
    before = {"name": user.name, "language": user.language}
    user.name = cleaned
    user.language = language or None
    await audit.record(
        session,
        actor=user,
        action="user.profile",
        object_type="user",
        object_id=user.id or 0,
        before=before,
        after={"name": user.name, "language": user.language},
    )


async def set_active(session: AsyncSession, *, user: User, active: bool, actor: User) -> None:
    if user.id == actor.id:
        raise Conflict(_("You cannot switch off your own account."))
    user.is_active = active
    if not active:
        await _revoke_sessions(session, user_id=user.id)
    await audit.record(
        session,
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        object_type="user",
        object_id=user.id or 0,
    )


async def list_users(
    session: AsyncSession, *, search: str = "", role: str = "", limit: int = 50, offset: int = 0
) -> tuple[Sequence[User], int]:
    query = select(User)
    if search:
        text = search.strip().lower()  # matched literally: % and _ are not wildcards
        query = query.where(
            col(User.username).contains(text, autoescape=True)
            | func.lower(col(User.name)).contains(text, autoescape=True)
            | func.lower(func.coalesce(col(User.student_id), "")).contains(text, autoescape=True)
        )
    if role:
        query = query.where(col(User.role) == role)
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    users = (
        await session.scalars(query.order_by(col(User.username)).limit(limit).offset(offset))
    ).all()
    return users, total


# -- API tokens -------------------------------------------------------------------------------


async def create_token(session: AsyncSession, *, user: User, name: str) -> str:
    """A new personal token; the returned value is shown once and never again."""
    label = name.strip()[:80] or _("Personal token")
    key = new_key(TOKEN_PREFIX)
    session.add(ApiToken(user_id=user.id or 0, name=label, prefix=key[:10], token_hash=digest(key)))
    await session.flush()
    await audit.record(
        session,
        actor=user,
        action="token.create",
        object_type="user",
        object_id=user.id or 0,
        after={"name": label, "prefix": key[:10]},
    )
    return key


async def list_tokens(session: AsyncSession, *, user: User) -> Sequence[ApiToken]:
    query = (
        select(ApiToken).where(col(ApiToken.user_id) == user.id).order_by(col(ApiToken.id).desc())
    )
    return (await session.scalars(query)).all()


async def revoke_token(
    session: AsyncSession,
    *,
    user: User,
    token_id: int | None = None,
    prefix: str | None = None,
    actor: User | None = None,
) -> ApiToken:
    """By id (profile page) or by the prefix shown in lists (CLI). Another user's token
    is not found."""
    query = select(ApiToken).where(col(ApiToken.user_id) == user.id)
    if token_id is not None:
        query = query.where(col(ApiToken.id) == token_id)
    elif prefix:
        query = query.where(col(ApiToken.prefix) == prefix[:10])
    token = (await session.scalars(query)).first()
    if token is None:
        raise NotFound(_("There is no such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        await audit.record(
            session,
            actor=actor or user,
            action="token.revoke",
            object_type="user",
            object_id=user.id or 0,
            after={"prefix": token.prefix},
        )
    return token


async def token_owner(session: AsyncSession, key: str) -> tuple[User, ApiToken] | None:
    """The owner of a live API token, with the token."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    query = (
        select(User, ApiToken)
        .join(ApiToken, col(ApiToken.user_id) == col(User.id))
        .where(
            col(ApiToken.token_hash) == digest(key),
            col(ApiToken.revoked_at).is_(None),
            col(User.is_active).is_(True),
        )
    )
    row = (await session.execute(query)).first()
    if row is None:
        return None
    user, token = row
    return user, token
