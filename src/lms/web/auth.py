"""Who is asking: the signed session cookie for pages, a bearer token for ``/api/v1``.

``CurrentUser`` for any signed-in user, ``require_role(...)`` for some roles. A page
asked for without signing in redirects to the login page; the API answers 401 with
``WWW-Authenticate: Bearer``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request
from itsdangerous import BadSignature, Signer
from sqlalchemy.exc import SQLAlchemyError

from lms.accounts import service as accounts
from lms.errors import Forbidden, LMSError
from lms.i18n import gettext as _
from lms.models.accounts import Role, User
from lms.web.deps import SessionDep

log = logging.getLogger(__name__)

SESSION_COOKIE = "lms_session"


@dataclass(frozen=True)
class Viewer:
    """What templates know of the signed-in user: a snapshot, so a page rendered after a
    rollback (which expires ORM objects) never touches the database."""

    id: int
    username: str
    name: str
    role: str
    language: str | None
    student_id: str | None

    @classmethod
    def of(cls, user: User) -> Viewer:
        return cls(
            id=user.id or 0,
            username=user.username,
            name=user.name,
            role=user.role,
            language=user.language,
            student_id=user.student_id,
        )


class LoginRequired(LMSError):
    status_code = 401


def session_signer(request: Request) -> Signer:
    return Signer(request.app.state.secret_key, salt="lms.session")


def session_key(request: Request) -> str | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw or len(raw) > 200:
        return None
    try:
        return session_signer(request).unsign(raw).decode()
    except BadSignature:
        return None


async def optional_user(
    request: Request, session: SessionDep, background: BackgroundTasks
) -> User | None:
    """The signed-in user of a page request, or None. Cached on the request. "Last
    seen" is written now and then, after the response, in a transaction of its own."""
    if hasattr(request.state, "user"):
        return request.state.user
    user = None
    if request.url.path.startswith("/api/"):
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() == "bearer" and token:
            owner = await accounts.token_owner(session, token.strip())
            if owner is not None:
                user, api_token = owner
                if accounts.touch_due(api_token.last_used_at, every=accounts.TOKEN_TOUCH):
                    background.add_task(record_use, request, token_id=api_token.id)
    elif key := session_key(request):
        found = await accounts.session_user(session, key)
        if found is not None:
            user, browser = found
            if accounts.touch_due(browser.last_seen_at, every=accounts.SESSION_TOUCH):
                background.add_task(record_use, request, session_id=browser.id)
    request.state.user = user
    request.state.viewer = Viewer.of(user) if user is not None else None
    return user


async def record_use(
    request: Request, *, session_id: int | None = None, token_id: int | None = None
) -> None:
    try:
        async with request.app.state.session_factory(write=True) as session:
            await accounts.touch(session, session_id=session_id, token_id=token_id)
            await session.commit()
    except SQLAlchemyError:
        log.warning("could not record the use of a session or token", exc_info=True)


OptionalUser = Annotated[User | None, Depends(optional_user)]


async def require_user(user: OptionalUser) -> User:
    if user is None:
        raise LoginRequired(_("You need to sign in to see this."))
    return user


CurrentUser = Annotated[User, Depends(require_user)]


def require_role(*roles: Role) -> Callable[[User], Awaitable[User]]:
    async def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise Forbidden(_("Your account may not do this."))
        return user

    return check


StaffUser = Annotated[User, Depends(require_role(Role.trainer, Role.coordinator, Role.admin))]
ManagerUser = Annotated[User, Depends(require_role(Role.coordinator, Role.admin))]
AdminUser = Annotated[User, Depends(require_role(Role.admin))]
