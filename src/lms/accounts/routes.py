"""Pages for getting in and looking after one's account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import Response

from lms.accounts import service as accounts
from lms.accounts import throttle
from lms.accounts.forms import normalise_username
from lms.cohorts import service as cohorts
from lms.errors import FormErrors, LMSError
from lms.i18n import N_
from lms.i18n import gettext as _
from lms.models.accounts import Role
from lms.web.auth import (
    SESSION_COOKIE,
    AdminUser,
    CurrentUser,
    OptionalUser,
    optional_user,
    session_key,
    session_signer,
)
from lms.web.csrf import verify_csrf
from lms.web.deps import FormField, SessionDep, client_address, undo
from lms.web.pages import safe_next, set_language_cookie
from lms.web.templating import redirect, render

router = APIRouter(
    include_in_schema=False, dependencies=[Depends(verify_csrf), Depends(optional_user)]
)


def signed_in(request: Request, response: Response, key: str, language: str | None) -> Response:
    secure = request.app.state.settings.base_url.startswith("https://")
    response.set_cookie(
        SESSION_COOKIE,
        session_signer(request).sign(key).decode(),
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    if language:
        set_language_cookie(request, response, language)
    return response


async def sign_in(
    request: Request, session: SessionDep, user: accounts.User, target: str
) -> Response:
    key = await accounts.start_session(
        session,
        user=user,
        user_agent=request.headers.get("user-agent"),
        address=client_address(request),
    )
    return signed_in(request, redirect(request, safe_next(target)), key, user.language)


# -- sign in and out -----------------------------------------------------------------------


@router.get("/login")
async def login_page(
    request: Request, user: OptionalUser, next: str = "/", ended: bool = False
) -> Response:
    if user is not None:
        return redirect(request, safe_next(next))
    notice = _("You have been signed out everywhere.") if ended else None
    return render(
        request,
        "accounts/login.html",
        {"next": safe_next(next), "username": "", "error": None, "notice": notice},
    )


@router.post("/login")
async def login(
    request: Request,
    session: SessionDep,
    username: FormField = "",
    password: FormField = "",
    next: FormField = "/",
) -> Response:
    try:
        user = await accounts.authenticate(
            session, username=username, password=password, address=client_address(request)
        )
    except LMSError as refused:
        # A failure was recorded for throttling: answer without raising, so it commits.
        wait = refused.retry_after if isinstance(refused, accounts.Throttled) else 0
        return render(
            request,
            "accounts/login.html",
            {
                "next": safe_next(next),
                "username": username,
                "error": refused.message,
                "notice": None,
            },
            block="form",
            status_code=429 if wait else 400,
            headers={"Retry-After": str(wait)} if wait else None,
        )
    return await sign_in(request, session, user, next)


@router.post("/logout")
async def logout(request: Request, session: SessionDep) -> Response:
    if key := session_key(request):
        await accounts.end_session(session, key)
    response = redirect(request, "/")
    response.delete_cookie(SESSION_COOKIE)
    return response


# -- registration and password links -------------------------------------------------------


@router.get("/register")
async def register_page(request: Request, invite: str = "") -> Response:
    return render(
        request, "accounts/register.html", {"values": {"invite_code": invite[:20]}, "errors": {}}
    )


@router.post("/register")
async def register(
    request: Request,
    session: SessionDep,
    invite_code: FormField = "",
    username: FormField = "",
    name: FormField = "",
    password: FormField = "",
    confirm_password: FormField = "",
    student_id: FormField = "",
) -> Response:
    address = client_address(request)
    values = {
        "invite_code": invite_code,
        "username": username,
        "name": name,
        "student_id": student_id,
    }
    invite_key = throttle.invite_key(normalise_username(username))
    wait = await throttle.seconds_blocked(session, username=invite_key, address=address)
    if wait:
        return render(
            request,
            "accounts/register.html",
            {
                "values": values,
                "errors": {
                    "invite_code": _(
                        "Too many wrong invite codes. Try again in %(minutes)d minutes."
                    )
                    % {"minutes": max(1, round(wait / 60))}
                },
            },
            block="form",
            status_code=429,
            headers={"Retry-After": str(wait)},
        )
    try:
        user = await cohorts.register(
            session,
            invite_code=invite_code,
            password=password,
            confirm=confirm_password,
            profile=accounts.Profile(username=username, name=name, student_id=student_id),
        )
    except cohorts.InviteRefused as refused:
        await undo(session)
        await throttle.record_failure(session, username=invite_key, address=address)
        errors = {"invite_code": refused.message}
    except FormErrors as refused:
        await undo(session)
        errors = refused.errors
    else:
        return await sign_in(request, session, user, "/profile?saved=welcome")
    return render(
        request,
        "accounts/register.html",
        {"values": values, "errors": errors},
        block="form",
        status_code=400 if "invite_code" in errors else 422,
    )


@router.get("/password/{key}")
async def password_page(request: Request, session: SessionDep, key: str) -> Response:
    user, link = await accounts.password_link_user(session, key)
    return render(
        request,
        "accounts/password.html",
        {"key": key, "person": user, "purpose": link.purpose, "errors": {}},
    )


@router.post("/password/{key}")
async def set_password(
    request: Request,
    session: SessionDep,
    key: str,
    password: FormField = "",
    confirm_password: FormField = "",
) -> Response:
    try:
        user = await accounts.use_password_link(
            session, key=key, password=password, confirm=confirm_password
        )
    except FormErrors as refused:
        await undo(session)
        person, link = await accounts.password_link_user(session, key)
        return render(
            request,
            "accounts/password.html",
            {"key": key, "person": person, "purpose": link.purpose, "errors": refused.errors},
            block="form",
            status_code=422,
        )
    return await sign_in(request, session, user, "/profile?saved=password")


# -- profile -------------------------------------------------------------------------------

SAVED = {
    "details": N_("Your details are saved."),
    "password": N_("Your password is saved."),
    "token_revoked": N_("The token no longer works."),
    "welcome": N_("Welcome! Your account is ready."),
}


async def profile_context(session: SessionDep, user: accounts.User) -> dict[str, object]:
    return {
        "tokens": await accounts.list_tokens(session, user=user),
        "session_count": await accounts.active_session_count(session, user=user),
        "errors": {},
        "new_token": None,
    }


@router.get("/profile")
async def profile(
    request: Request, session: SessionDep, user: CurrentUser, saved: str = ""
) -> Response:
    context = await profile_context(session, user)
    context["saved"] = _(SAVED[saved]) if saved in SAVED else None
    return render(request, "accounts/profile.html", context)


@router.post("/profile")
async def update_profile(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    name: FormField = "",
    language: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    try:
        await accounts.update_profile(session, user=user, name=name, language=language or None)
    except FormErrors as refused:
        await undo(session, user)
        context = await profile_context(session, user)
        context.update(errors=refused.errors, saved=None)
        return render(request, "accounts/profile.html", context, status_code=422)
    response = redirect(request, "/profile?saved=details")
    if language:
        set_language_cookie(request, response, language)
    return response


@router.post("/profile/password")
async def change_password(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    current_password: FormField = "",
    new_password: FormField = "",
    confirm_password: FormField = "",
) -> Response:
    try:
        await accounts.change_password(
            session, user=user, current=current_password, new=new_password, confirm=confirm_password
        )
    except FormErrors as refused:
        await undo(session, user)
        context = await profile_context(session, user)
        context.update(errors=refused.errors, saved=None)
        return render(request, "accounts/profile.html", context, status_code=422)
    # A new password signs out every other browser; this one gets a fresh session.
    await accounts.end_all_sessions(session, user=user)
    return await sign_in(request, session, user, "/profile?saved=password")


@router.post("/profile/tokens")
async def create_token(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    token_name: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    new_token = await accounts.create_token(session, user=user, name=token_name)
    context = await profile_context(session, user)
    context.update(new_token=new_token, saved=None)
    return render(request, "accounts/profile.html", context, status_code=201)


@router.post("/profile/tokens/{token_id}/revoke")
async def revoke_token(
    request: Request, session: SessionDep, user: CurrentUser, token_id: int
) -> Response:
    await accounts.revoke_token(session, user=user, token_id=token_id)
    return redirect(request, "/profile?saved=token_revoked")


@router.post("/profile/sessions/end-all")
async def end_all_sessions(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    await accounts.end_all_sessions(session, user=user)
    response = redirect(request, "/login?ended=1")
    response.delete_cookie(SESSION_COOKIE)
    return response


# -- administration ---------------------------------------------------------------------------

PAGE_SIZE = 50


@router.get("/admin/users")
async def admin_users(
    request: Request,
    session: SessionDep,
    admin: AdminUser,
    q: Annotated[str, Query(max_length=100)] = "",
    role: Annotated[str, Query(max_length=20)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    role = role if role in {r.value for r in Role} else ""
    users, total = await accounts.list_users(
        session, search=q, role=role, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    return render(
        request,
        "accounts/admin_users.html",
        {
            "users": users,
            "total": total,
            "q": q,
            "role": role,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "roles": list(Role),
            "reset_link": None,
        },
        block="results",
    )


@router.post("/admin/users/{username}/active")
async def admin_set_active(
    request: Request,
    session: SessionDep,
    admin: AdminUser,
    username: str,
    active: Annotated[bool, Form()],
) -> Response:
    user = await accounts.get_user(session, username)
    await accounts.set_active(session, user=user, active=active, actor=admin)
    return redirect(request, f"/admin/users?q={user.username}")


@router.post("/admin/users/{username}/reset-link")
async def admin_reset_link(
    request: Request, session: SessionDep, admin: AdminUser, username: str
) -> Response:
    user = await accounts.get_user(session, username)
    key = await accounts.create_password_link(session, user=user, purpose="reset", actor=admin)
    link = f"{request.app.state.settings.base_url}/password/{key}"
    users, total = await accounts.list_users(session, search=user.username, limit=PAGE_SIZE)
    return render(
        request,
        "accounts/admin_users.html",
        {
            "users": users,
            "total": total,
            "q": user.username,
            "role": "",
            "page": 1,
            "pages": 1,
            "roles": list(Role),
            "reset_link": (user, link),
        },
    )
