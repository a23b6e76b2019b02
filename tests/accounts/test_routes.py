"""Signing in and out, registering, password links, profile, tokens, admin, API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from lms.accounts import service as accounts
from lms.app import create_app
from lms.config import Settings
from lms.db import Database
from lms.models.accounts import ApiToken, LoginAttempt, Role, UserSession
from lms.models.base import as_utc, utcnow
from lms.web.auth import SESSION_COOKIE
from tests.factories import PASSWORD, make_cohort, make_user
from tests.support import form_token, sign_in_as

HX = {"HX-Request": "true"}


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def field_error(response: httpx.Response, name: str) -> str:
    error = soup(response).select_one(f"#e-{name}")
    assert error is not None, f"no error next to {name}: {response.text[:300]}"
    return error.text


async def test_login_and_logout(client: httpx.AsyncClient, db_session: AsyncSession) -> None:
    await make_user(db_session, username="liming")
    token = await form_token(client, "/login")
    response = await client.post(
        "/login",
        data={"csrf_token": token, "username": "LiMing", "password": PASSWORD, "next": "/profile"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/profile"
    cookie = response.headers["Set-Cookie"]
    assert SESSION_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert (await client.get("/profile")).status_code == 200
    logout = await client.post("/logout", data={"csrf_token": await form_token(client, "/profile")})
    assert logout.status_code == 303
    assert (await client.get("/profile")).status_code == 303  # back to the login page


async def test_htmx_login_redirects_the_whole_page(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    await make_user(db_session, username="hxuser")
    token = await form_token(client, "/login")
    response = await client.post(
        "/login",
        headers=HX,
        data={"csrf_token": token, "username": "hxuser", "password": PASSWORD, "next": "/profile"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/profile"


@pytest.mark.parametrize(
    ("username", "password"), [("liming", "wrong-password"), ("ghost", PASSWORD)]
)
async def test_wrong_login_is_one_message_and_no_session(
    client: httpx.AsyncClient, db_session: AsyncSession, username: str, password: str
) -> None:
    await make_user(db_session, username="liming")
    token = await form_token(client, "/login")
    response = await client.post(
        "/login",
        headers={"Accept-Language": "zh-CN"},
        data={"csrf_token": token, "username": username, "password": password},
    )
    assert response.status_code == 400
    assert "用户名或密码不正确" in response.text
    assert SESSION_COOKIE not in response.headers.get("Set-Cookie", "")


async def test_login_without_csrf_is_403_and_records_nothing(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    await make_user(db_session, username="liming")
    response = await client.post("/login", data={"username": "liming", "password": PASSWORD})
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.headers.get("Set-Cookie", "")
    attempts = await db_session.scalar(select(func.count()).select_from(LoginAttempt))
    assert attempts == 0


async def test_eleventh_attempt_is_429(client: httpx.AsyncClient, db_session: AsyncSession) -> None:
    await make_user(db_session, username="target")
    token = await form_token(client, "/login")
    data = {"csrf_token": token, "username": "target", "password": "wrong"}
    statuses = [(await client.post("/login", data=data)).status_code for _ in range(10)]
    assert statuses == [400] * 10
    blocked = await client.post("/login", data={**data, "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0


async def test_open_redirect_after_login_is_refused(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    await make_user(db_session, username="liming")
    token = await form_token(client, "/login")
    response = await client.post(
        "/login",
        data={
            "csrf_token": token,
            "username": "liming",
            "password": PASSWORD,
            "next": "//evil.example",
        },
    )
    assert response.headers["Location"] == "/"


async def test_protected_page_sends_anonymous_to_login(client: httpx.AsyncClient) -> None:
    response = await client.get("/profile?tab=1")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=%2Fprofile%3Ftab%3D1"
    htmx = await client.get("/profile", headers=HX)
    assert htmx.status_code == 401
    assert htmx.headers["HX-Redirect"].startswith("/login")


async def test_register_with_invite_code(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    cohort = await make_cohort(db_session)
    page = await client.get(f"/register?invite={cohort.invite_code}")
    assert cohort.invite_code in page.text
    token = await form_token(client, "/register")
    response = await client.post(
        "/register",
        data={
            "csrf_token": token,
            "invite_code": cohort.invite_code.lower(),
            "username": "aygul",
            "name": "ئايگۈل مەمەت",
            "password": PASSWORD,
            "confirm_password": PASSWORD,
        },
    )
    assert response.status_code == 303
    profile = await client.get("/profile")
    assert "ئايگۈل مەمەت" in profile.text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"invite_code": "WRONG123"}, "invite_code"),
        ({"username": "x"}, "username"),
        ({"password": "12345678", "confirm_password": "12345678"}, "password"),
        ({"confirm_password": "something-else-entirely"}, "confirm_password"),
        ({"name": ""}, "name"),
        ({"name": "名" * 101}, "name"),
        ({"username": "u" * 41}, "username"),
        ({"student_id": "9" * 41}, "student_id"),
    ],
)
async def test_bad_registration_changes_nothing(
    client: httpx.AsyncClient, db_session: AsyncSession, change: dict[str, str], field: str
) -> None:
    cohort = await make_cohort(db_session)
    data = {
        "invite_code": cohort.invite_code,
        "username": "hopeful",
        "name": "希望",
        "password": PASSWORD,
        "confirm_password": PASSWORD,
        **change,
    }
    data["csrf_token"] = await form_token(client, "/register")
    response = await client.post("/register", data=data)
    assert response.status_code in (400, 422)
    assert field_error(response, field)
    assert await accounts.find_user(db_session, "hopeful") is None
    await db_session.refresh(cohort)
    assert cohort.invite_uses == 0


async def test_password_link_page(client: httpx.AsyncClient, db_session: AsyncSession) -> None:
    user = await make_user(db_session, username="imported", password=None)
    key = await accounts.create_password_link(db_session, user=user, purpose="set", actor=None)
    page = await client.get(f"/password/{key}")
    assert page.status_code == 200
    token = await form_token(client, f"/password/{key}")
    weak = await client.post(
        f"/password/{key}", data={"csrf_token": token, "password": "abc", "confirm_password": "abc"}
    )
    assert weak.status_code == 422
    assert field_error(weak, "password")
    done = await client.post(
        f"/password/{key}",
        data={"csrf_token": token, "password": PASSWORD, "confirm_password": PASSWORD},
    )
    assert done.status_code == 303
    again = await client.get(f"/password/{key}", headers={"Accept-Language": "zh-CN"})
    assert again.status_code == 410
    assert "该链接已过期或已被使用" in again.text


async def test_profile_name_language_and_tokens(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    user = await make_user(db_session)
    await sign_in_as(client, app, db_session, user)
    token = await form_token(client, "/profile")
    saved = await client.post(
        "/profile", data={"csrf_token": token, "name": "  古丽  ", "language": "en"}
    )
    assert saved.status_code == 303
    assert user.name == "古丽"
    page = await client.get("/profile", headers={"Accept-Language": "zh-CN"})
    assert soup(page).html["lang"] == "en"  # type: ignore[index]
    bad = await client.post("/profile", data={"csrf_token": token, "name": "", "language": "en"})
    assert bad.status_code == 422
    assert field_error(bad, "name")
    created = await client.post(
        "/profile/tokens", data={"csrf_token": token, "token_name": "content CI"}
    )
    assert created.status_code == 201
    value = soup(created).select_one("#new-token").text  # type: ignore[union-attr]
    assert (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {value}"})).json()[
        "username"
    ] == user.username
    (listed,) = await accounts.list_tokens(db_session, user=user)
    revoked = await client.post(f"/profile/tokens/{listed.id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 303
    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {value}"})
    ).status_code == 401


async def test_change_password_and_sign_out_everywhere(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    user = await make_user(db_session)
    other_browser = await accounts.start_session(
        db_session, user=user, user_agent="x", address=None
    )
    await sign_in_as(client, app, db_session, user)
    token = await form_token(client, "/profile")
    wrong = await client.post(
        "/profile/password",
        data={
            "csrf_token": token,
            "current_password": "nope",
            "new_password": "new-pass-river-92",
            "confirm_password": "new-pass-river-92",
        },
    )
    assert wrong.status_code == 422
    assert field_error(wrong, "current_password")
    changed = await client.post(
        "/profile/password",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": "new-pass-river-92",
            "confirm_password": "new-pass-river-92",
        },
    )
    assert changed.status_code == 303
    assert await accounts.session_user(db_session, other_browser) is None  # signed out there
    assert (await client.get("/profile")).status_code == 200  # still signed in here
    ended = await client.post(
        "/profile/sessions/end-all", data={"csrf_token": await form_token(client, "/profile")}
    )
    assert ended.headers["Location"] == "/login?ended=1"
    assert (await client.get("/profile")).status_code == 303


async def test_api_takes_bearer_tokens_only(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    user = await make_user(db_session)
    await sign_in_as(client, app, db_session, user)  # a session cookie is not enough
    response = await client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    for header in ("Bearer lms_forged", "Basic dXNlcjpwdw==", "Bearer"):
        assert (
            await client.get("/api/v1/me", headers={"Authorization": header})
        ).status_code == 401
    await db_session.refresh(user)  # the refused requests rolled back, expiring it
    key = await accounts.create_token(db_session, user=user, name="t")
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert me.json() == {
        "id": user.id,
        "username": user.username,
        "name": user.name,
        "role": "volunteer",
        "language": None,
    }


async def test_admin_users(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    admin = await make_user(db_session, role=Role.admin, username="root")
    await make_user(db_session, username="tashi", name="བཀྲ་ཤིས")
    await sign_in_as(client, app, db_session, admin)
    page = await client.get("/admin/users?q=tash")
    assert "བཀྲ་ཤིས" in page.text
    fragment = await client.get("/admin/users?q=tash", headers=HX)
    assert "<html" not in fragment.text and "བཀྲ་ཤིས" in fragment.text
    token = await form_token(client, "/admin/users")
    off = await client.post(
        "/admin/users/tashi/active", data={"csrf_token": token, "active": "false"}
    )
    assert off.status_code == 303
    assert not (await accounts.get_user(db_session, "tashi")).is_active
    link = await client.post("/admin/users/tashi/reset-link", data={"csrf_token": token})
    assert "/password/" in link.text
    self_off = await client.post(
        "/admin/users/root/active", data={"csrf_token": token, "active": "false"}
    )
    assert self_off.status_code == 409
    assert (await accounts.get_user(db_session, "root")).is_active


async def test_expired_session_is_signed_out(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    user = await make_user(db_session)
    await sign_in_as(client, app, db_session, user)
    assert (await client.get("/profile")).status_code == 200
    past = utcnow() - timedelta(seconds=1)
    await db_session.execute(update(UserSession).values(expires_at=past))
    assert (await client.get("/profile")).status_code == 303


async def test_tampered_session_cookie_is_anonymous(client: httpx.AsyncClient) -> None:
    client.cookies.set(SESSION_COOKIE, "forged.value")
    assert (await client.get("/profile")).status_code == 303


async def test_cookies_are_secure_behind_https(
    db_session: AsyncSession, settings: Settings, engine: AsyncEngine
) -> None:
    await make_user(db_session, username="secure")
    https = settings.model_copy(update={"base_url": "https://lms.example.org"})
    app = create_app(https, database=Database(engine))

    @asynccontextmanager
    async def shared(*, write: bool) -> AsyncIterator[AsyncSession]:
        await db_session.commit()
        yield db_session

    app.state.session_factory = shared
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://lms.example.org") as c:
        login_page = await c.get("/login")
        token = await form_token(c, "/login")
        response = await c.post(
            "/login", data={"csrf_token": token, "username": "secure", "password": PASSWORD}
        )
    cookies = response.headers.get_list("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith(SESSION_COOKIE))
    assert "Secure" in session_cookie
    assert "HttpOnly" in session_cookie
    (csrf_cookie,) = login_page.headers.get_list("Set-Cookie")
    assert csrf_cookie.startswith("lms_csrf=")
    assert "Secure" in csrf_cookie


async def test_wrong_invite_codes_are_counted_per_person(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    """One student's typos block that student, not the classmates on the same address."""
    code = (await make_cohort(db_session)).invite_code  # the refusals roll back and expire it
    token = await form_token(client, "/register")

    async def attempt(username: str, code: str) -> int:
        response = await client.post(
            "/register",
            data={
                "csrf_token": token,
                "invite_code": code,
                "username": username,
                "name": "学生",
                "password": PASSWORD,
                "confirm_password": PASSWORD,
            },
        )
        return response.status_code

    assert [await attempt("typo", "WRONG123") for _ in range(10)] == [400] * 10
    assert await attempt("typo", code) == 429
    assert await attempt("classmate", code) == 303


async def test_admin_search_is_literal(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    admin = await make_user(db_session, role=Role.admin, username="root")
    await make_user(db_session, username="under_score")
    await make_user(db_session, username="plain")
    await sign_in_as(client, app, db_session, admin)
    page = await client.get("/admin/users?q=_")
    assert "under_score" in page.text
    assert "plain" not in page.text


async def test_api_401_says_what_to_send(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/me", headers={"Accept-Language": "en"})
    assert response.json() == {"detail": "Send a valid API token: Authorization: Bearer <token>."}


async def test_last_seen_is_written_after_the_response_now_and_then(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    """A read request writes "last seen" in a short transaction of its own, after the
    page, and only when the stored moment is old."""
    user = await make_user(db_session, username="seen")
    await sign_in_as(client, app, db_session, user)
    token = await accounts.create_token(db_session, user=user, name="app")
    long_ago = utcnow() - timedelta(hours=2)
    await db_session.execute(update(UserSession).values(last_seen_at=long_ago))
    await db_session.execute(update(ApiToken).values(last_used_at=None))
    assert (await client.get("/profile")).status_code == 200
    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 200
    browser = (await db_session.scalars(select(UserSession))).one()
    api_token = (await db_session.scalars(select(ApiToken))).one()
    await db_session.refresh(browser)
    await db_session.refresh(api_token)
    assert as_utc(browser.last_seen_at) > long_ago + timedelta(hours=1)
    assert api_token.last_used_at is not None
    recent = browser.last_seen_at
    assert (await client.get("/profile")).status_code == 200
    await db_session.refresh(browser)
    assert browser.last_seen_at == recent  # not written again so soon
