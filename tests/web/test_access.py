"""Who may reach what: every route × every role, anonymous included.

Outcomes: ``ok`` (served, or a form answer such as 303/201/422), ``login`` (a page
redirects to the login page), ``401`` (the API's Bearer challenge), ``403``, ``404``.
A route added to the app without a row here fails ``test_every_route_is_in_the_table``.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.routing import Mount

from lms.accounts import service as accounts
from lms.models.accounts import Role, User
from tests.factories import load_fixture_content, make_cohort, make_user
from tests.support import form_token, sign_in_as

ROLES = ("anonymous", "volunteer", "trainer", "coordinator", "outsider", "admin")
PUBLIC = dict.fromkeys(ROLES, "ok")
SIGNED_IN = {**dict.fromkeys(ROLES, "ok"), "anonymous": "login"}
STAFF = {**SIGNED_IN, "volunteer": "403"}
MANAGERS = {**STAFF, "trainer": "403"}
COHORT_VIEW = {**STAFF, "outsider": "404"}
COHORT_MANAGE = {**MANAGERS, "outsider": "404"}
ADMIN = {**dict.fromkeys(ROLES, "403"), "anonymous": "login", "admin": "ok"}
CONTENT_EDITORS = {**STAFF, "coordinator": "403", "outsider": "403"}
API = {**dict.fromkeys(ROLES, "ok"), "anonymous": "401"}
# A quiz is for the learners enrolled in its course: the cohort's volunteer here.
ENROLLED = {**dict.fromkeys(ROLES, "404"), "anonymous": "login", "volunteer": "ok"}
API_ENROLLED = {**ENROLLED, "anonymous": "401"}
API_AUTHORS = {**dict.fromkeys(ROLES, "403"), "anonymous": "401", "trainer": "ok", "admin": "ok"}
MODULE_API = "/api/v1/courses/service-records/modules/02-a-good-entry"
# An hour entry nobody may see (there is none): 404 for everyone signed in.
NO_ENTRY = {**dict.fromkeys(ROLES, "404"), "anonymous": "login"}
API_NO_ENTRY = {**NO_ENTRY, "anonymous": "401"}
API_MANAGERS = {**API, "volunteer": "403", "trainer": "403"}
API_STAFF = {**API, "volunteer": "403"}
RECORD = {**COHORT_VIEW, "volunteer": "404"}  # /volunteers/vol: nobody has a record of their own
EVALUATE = {**RECORD, "volunteer": "403", "coordinator": "403", "admin": "403", "trainer": "404"}
REFER = {**RECORD, "volunteer": "403", "trainer": "403"}
API_RECORD = {**API_STAFF, "outsider": "404"}
SERIAL = "VLMS-DEMO-2026-5-0000000000-M"  # well formed, issued to nobody
STAFF_MISSING = {**NO_ENTRY, "volunteer": "403"}
UNKNOWN = dict.fromkeys(ROLES, "404")  # public, and there is no such certificate
ENTRY, ENTRY_API = "/hours/999999", "/api/v1/hours/999999"
EDIT = "/courses/service-records/02-a-good-entry"
NO_ATTEMPT = {**ENROLLED, "volunteer": "404"}  # an attempt id that is nobody's
QUIZ = "/courses/service-records/03-privacy/quiz"
RESULTS = "/cohorts/ACC-1/quizzes/service-records/03-privacy"

# (method, route path, concrete path, form data, expected per role)
TABLE: list[tuple[str, str, str, dict[str, str], dict[str, str]]] = [
    ("GET", "/", "/", {}, PUBLIC),
    ("HEAD", "/", "/", {}, PUBLIC),
    ("POST", "/language", "/language", {"lang": "en"}, PUBLIC),
    ("GET", "/healthz", "/healthz", {}, PUBLIC),
    ("HEAD", "/healthz", "/healthz", {}, PUBLIC),
    ("GET", "/readyz", "/readyz", {}, PUBLIC),
    ("HEAD", "/readyz", "/readyz", {}, PUBLIC),
    ("GET", "/favicon.ico", "/favicon.ico", {}, PUBLIC),
    ("HEAD", "/favicon.ico", "/favicon.ico", {}, PUBLIC),
    ("GET", "/docs", "/docs", {}, PUBLIC),
    ("GET", "/openapi.json", "/openapi.json", {}, PUBLIC),
    ("HEAD", "/openapi.json", "/openapi.json", {}, PUBLIC),
    ("GET", "/login", "/login", {}, PUBLIC),
    ("POST", "/login", "/login", {"username": "nobody", "password": "x"}, PUBLIC),
    ("POST", "/logout", "/logout", {}, PUBLIC),
    ("GET", "/register", "/register", {}, PUBLIC),
    ("POST", "/register", "/register", {"invite_code": "NOPE"}, PUBLIC),
    ("GET", "/password/{key}", "/password/LINK", {}, PUBLIC),
    ("POST", "/password/{key}", "/password/LINK", {"password": "x"}, PUBLIC),
    ("GET", "/profile", "/profile", {}, SIGNED_IN),
    ("POST", "/profile", "/profile", {"name": "新名字"}, SIGNED_IN),
    ("POST", "/profile/password", "/profile/password", {"current_password": "x"}, SIGNED_IN),
    ("POST", "/profile/tokens", "/profile/tokens", {"token_name": "t"}, SIGNED_IN),
    ("POST", "/profile/tokens/{token_id}/revoke", "/profile/tokens/TOKEN/revoke", {}, SIGNED_IN),
    ("POST", "/profile/sessions/end-all", "/profile/sessions/end-all", {}, SIGNED_IN),
    ("GET", "/admin/users", "/admin/users", {}, ADMIN),
    (
        "POST",
        "/admin/users/{username}/active",
        "/admin/users/vol/active",
        {"active": "true"},
        ADMIN,
    ),
    ("POST", "/admin/users/{username}/reset-link", "/admin/users/vol/reset-link", {}, ADMIN),
    ("GET", "/cohorts", "/cohorts", {}, STAFF),
    ("POST", "/cohorts", "/cohorts", {"code": "NEW-1", "name": "新"}, MANAGERS),
    ("GET", "/cohorts/{code}", "/cohorts/ACC-1", {}, COHORT_VIEW),
    ("POST", "/cohorts/{code}/invite", "/cohorts/ACC-1/invite", {"action": "close"}, COHORT_MANAGE),
    (
        "POST",
        "/cohorts/{code}/members",
        "/cohorts/ACC-1/members",
        {"username": "added", "name": "新人", "role": "volunteer"},
        COHORT_MANAGE,
    ),
    (
        "POST",
        "/cohorts/{code}/members/existing",
        "/cohorts/ACC-1/members/existing",
        {"existing_username": "out", "member_role": "coordinator"},
        COHORT_MANAGE,
    ),
    ("POST", "/cohorts/{code}/roster", "/cohorts/ACC-1/roster", {}, COHORT_MANAGE),
    (
        "POST",
        "/cohorts/{code}/roster/import",
        "/cohorts/ACC-1/roster/import",
        {"roster_text": "username,name,role,email,phone,student_id\nrr,甲,volunteer,,,\n"},
        COHORT_MANAGE,
    ),
    ("POST", "/cohorts/{code}/links.csv", "/cohorts/ACC-1/links.csv", {}, COHORT_MANAGE),
    ("GET", "/courses", "/courses", {}, SIGNED_IN),
    ("GET", "/courses/{slug}", "/courses/service-records", {}, SIGNED_IN),
    ("POST", "/courses/{slug}/enrolment", "/courses/service-records/enrolment", {}, SIGNED_IN),
    (
        "GET",
        "/courses/{slug}/files/{path:path}",
        "/courses/service-records/files/images/entry.png",
        {},
        SIGNED_IN,
    ),
    ("GET", "/courses/{slug}/{stem}", "/courses/service-records/01-why-records", {}, SIGNED_IN),
    (
        "POST",
        "/courses/{slug}/{stem}/read",
        "/courses/service-records/01-why-records/read",
        {},
        SIGNED_IN,
    ),
    ("GET", "/courses/{slug}/{stem}/quiz", QUIZ, {}, ENROLLED),
    ("POST", "/courses/{slug}/{stem}/quiz", QUIZ, {}, ENROLLED),
    ("POST", "/courses/{slug}/{stem}/quiz/answers", QUIZ + "/answers", {}, NO_ATTEMPT),
    ("GET", "/cohorts/{code}/quizzes", "/cohorts/ACC-1/quizzes", {}, COHORT_VIEW),
    ("GET", "/cohorts/{code}/quizzes/{slug}/{stem}", RESULTS, {}, COHORT_VIEW),
    (
        "GET",
        "/cohorts/{code}/quizzes/{slug}/{stem}/results.csv",
        RESULTS + "/results.csv",
        {},
        COHORT_VIEW,
    ),
    (
        "GET",
        "/cohorts/{code}/quizzes/{slug}/{stem}/results.xlsx",
        RESULTS + "/results.xlsx",
        {},
        COHORT_VIEW,
    ),
    ("GET", "/content/problems", "/content/problems", {}, CONTENT_EDITORS),
    ("GET", "/courses/{slug}/new", "/courses/service-records/new", {}, CONTENT_EDITORS),
    ("GET", "/courses/{slug}/{stem}/edit", EDIT + "/edit", {}, CONTENT_EDITORS),
    (
        "POST",
        "/courses/{slug}/editor/preview",
        "/courses/service-records/editor/preview",
        {"stem": "02-a-good-entry", "lang": "zh", "text": "---\ntitle: T\nminutes: 1\n---\nx\n"},
        CONTENT_EDITORS,
    ),
    (
        "POST",
        "/courses/{slug}/editor/upload",
        "/courses/service-records/editor/upload",
        {"stem": "02-a-good-entry", "lang": "zh"},
        CONTENT_EDITORS,  # 422: no file (checked after who is asking)
    ),
    (
        "POST",
        "/courses/{slug}/editor/publish",
        "/courses/service-records/editor/publish",
        {"stem": "02-a-good-entry", "lang": "zh", "text": "no front matter", "base": "1"},
        CONTENT_EDITORS,  # 422: the text has a problem, nothing is published
    ),
    ("GET", "/courses/{slug}/{stem}/history", EDIT + "/history", {}, CONTENT_EDITORS),
    ("GET", "/courses/{slug}/{stem}/history/{number}", EDIT + "/history/1", {}, CONTENT_EDITORS),
    (
        "POST",
        "/courses/{slug}/{stem}/history/{number}/restore",
        EDIT + "/history/1/restore",
        {"base": "1"},
        CONTENT_EDITORS,
    ),
    ("GET", "/api/v1/me", "/api/v1/me", {}, API),
    ("GET", "/api/v1/courses", "/api/v1/courses", {}, API),
    (
        "POST",
        "/api/v1/courses/{course}/enrolment",
        "/api/v1/courses/service-records/enrolment",
        {},
        API,
    ),
    ("GET", "/api/v1/me/progress", "/api/v1/me/progress", {}, API),
    (
        "GET",
        "/api/v1/courses/{course}/modules/{module}/quiz",
        "/api/v1" + QUIZ.replace("03-privacy", "modules/03-privacy"),
        {},
        API_ENROLLED,
    ),
    (
        "POST",
        "/api/v1/courses/{course}/modules/{module}/quiz/attempts",
        "/api/v1" + QUIZ.replace("03-privacy", "modules/03-privacy") + "/attempts",
        {},
        API,  # 422: the body is missing (checked after who is asking)
    ),
    ("GET", "/api/v1/me/attempts", "/api/v1/me/attempts", {}, API),
    # 415 for the trainer and the admin: no Markdown sent (checked after who is asking)
    ("PUT", "/api/v1/courses/{course}/modules/{module}", MODULE_API, {}, API_AUTHORS),
    (
        "GET",
        "/api/v1/courses/{course}/modules/{module}/revisions",
        MODULE_API + "/revisions",
        {},
        API_AUTHORS,
    ),
    (
        "POST",
        "/api/v1/courses/{course}/modules/{module}/revisions/{number}/restore",
        MODULE_API + "/revisions/1/restore",
        {},
        API_AUTHORS,
    ),
    # Practicum hours. Who sees and decides which entry: tests/practicum.
    ("GET", "/hours", "/hours", {}, SIGNED_IN),
    ("GET", "/hours/new", "/hours/new", {}, SIGNED_IN),
    ("POST", "/hours/new", "/hours/new", {}, SIGNED_IN),  # 422: nothing filled in
    ("GET", "/hours/review", "/hours/review", {}, STAFF),
    ("POST", "/hours/review", "/hours/review", {}, STAFF),
    ("GET", "/sites", "/sites", {}, STAFF),
    ("POST", "/sites", "/sites", {}, MANAGERS),  # 422: no name
    ("GET", "/hours/{entry_id}", ENTRY, {}, NO_ENTRY),
    ("GET", "/hours/{entry_id}/edit", ENTRY + "/edit", {}, NO_ENTRY),
    ("POST", "/hours/{entry_id}/edit", ENTRY + "/edit", {"version": "1"}, NO_ENTRY),
    ("POST", "/hours/{entry_id}/submit", ENTRY + "/submit", {}, NO_ENTRY),
    ("POST", "/hours/{entry_id}/delete", ENTRY + "/delete", {}, NO_ENTRY),
    ("POST", "/hours/{entry_id}/evidence", ENTRY + "/evidence", {}, NO_ENTRY),
    ("GET", "/hours/evidence/{evidence_id}", "/hours/evidence/999999", {}, NO_ENTRY),
    (
        "POST",
        "/hours/{entry_id}/decide",
        ENTRY + "/decide",
        {"decision": "approve", "version": "1"},
        NO_ENTRY,
    ),
    ("POST", "/hours/{entry_id}/corrections", ENTRY + "/corrections", {}, NO_ENTRY),
    (
        "POST",
        "/hours/{entry_id}/corrections/{number}",
        ENTRY + "/corrections/1",
        {"decision": "accept"},
        NO_ENTRY,
    ),
    ("GET", "/cohorts/{code}/hours.{kind}", "/cohorts/ACC-1/hours.csv", {}, COHORT_MANAGE),
    ("GET", "/pathway", "/pathway", {}, SIGNED_IN),
    ("GET", "/volunteers/{username}", "/volunteers/vol", {}, RECORD),
    # trainers: 404, the records-practice pathway's L5 asks for no evaluation
    ("GET", "/volunteers/{username}/evaluate", "/volunteers/vol/evaluate?level=L5", {}, EVALUATE),
    (
        "POST",
        "/volunteers/{username}/evaluate",
        "/volunteers/vol/evaluate",
        {"level": "L5"},
        EVALUATE,
    ),
    ("POST", "/volunteers/{username}/referrals", "/volunteers/vol/referrals", {}, REFER),  # 422
    ("POST", "/referrals/{referral_id}", "/referrals/999999", {}, {**NO_ENTRY, "volunteer": "403"}),
    ("GET", "/cohorts/{code}/pathway", "/cohorts/ACC-1/pathway", {}, COHORT_VIEW),
    ("GET", "/cohorts/{code}/pathway.{kind}", "/cohorts/ACC-1/pathway.xlsx", {}, COHORT_VIEW),
    ("GET", "/api/v1/me/pathway", "/api/v1/me/pathway", {}, API_ENROLLED),
    ("GET", "/api/v1/me/evaluations", "/api/v1/me/evaluations", {}, API),
    (
        "GET",
        "/api/v1/volunteers/{username}/pathway",
        "/api/v1/volunteers/vol/pathway",
        {},
        API_RECORD,
    ),
    (
        "GET",
        "/api/v1/volunteers/{username}/evaluations",
        "/api/v1/volunteers/vol/evaluations",
        {},
        API_RECORD,
    ),
    (
        "POST",
        "/api/v1/volunteers/{username}/evaluations",
        "/api/v1/volunteers/vol/evaluations",
        {},
        API,
    ),  # 422
    (
        "GET",
        "/api/v1/volunteers/{username}/referrals",
        "/api/v1/volunteers/vol/referrals",
        {},
        API_RECORD,
    ),
    (
        "POST",
        "/api/v1/volunteers/{username}/referrals",
        "/api/v1/volunteers/vol/referrals",
        {},
        API_STAFF,
    ),
    ("PATCH", "/api/v1/referrals/{referral_id}", "/api/v1/referrals/999999", {}, API_STAFF),
    ("GET", "/api/v1/cohorts/{code}/pathway", "/api/v1/cohorts/ACC-1/pathway", {}, API_RECORD),
    # certificates: the fixture volunteer is eligible for nothing, so issuing is a 422
    (
        "POST",
        "/volunteers/{username}/certificates",
        "/volunteers/vol/certificates",
        {"pathway": "records-practice", "level": "L5"},
        REFER,
    ),
    ("POST", "/volunteers/{username}/service-record", "/volunteers/vol/service-record", {}, REFER),
    ("POST", "/certificates/{serial}/revoke", f"/certificates/{SERIAL}/revoke", {}, STAFF_MISSING),
    ("GET", "/certificates/{serial}.pdf", f"/certificates/{SERIAL}.pdf", {}, NO_ENTRY),
    ("GET", "/service-records/{number}.pdf", "/service-records/VLMS-SR-X.pdf", {}, NO_ENTRY),
    ("GET", "/cohorts/{code}/certificates", "/cohorts/ACC-1/certificates", {}, COHORT_MANAGE),
    (
        "POST",
        "/cohorts/{code}/certificates/issue",
        "/cohorts/ACC-1/certificates/issue",
        {"level": "L5"},
        COHORT_MANAGE,
    ),
    (
        "POST",
        "/cohorts/{code}/certificates/print",
        "/cohorts/ACC-1/certificates/print",
        {"everything": "1"},
        COHORT_MANAGE,
    ),  # 422: nothing to print
    ("GET", "/print-jobs/{job_id}", "/print-jobs/999999", {}, STAFF_MISSING),
    ("GET", "/print-jobs/{job_id}/file.pdf", "/print-jobs/999999/file.pdf", {}, STAFF_MISSING),
    ("GET", "/verify", "/verify", {}, PUBLIC),
    ("GET", "/verify/{serial}", f"/verify/{SERIAL}", {}, UNKNOWN),
    ("GET", "/api/v1/certificates/{serial}", f"/api/v1/certificates/{SERIAL}", {}, UNKNOWN),
    ("GET", "/api/v1/sites", "/api/v1/sites", {}, API),
    ("POST", "/api/v1/sites", "/api/v1/sites", {}, API_MANAGERS),  # 422: no body
    ("POST", "/api/v1/hours", "/api/v1/hours", {}, API),  # 422: no body
    ("GET", "/api/v1/hours", "/api/v1/hours", {}, API),
    ("GET", "/api/v1/hours/{entry_id}", ENTRY_API, {}, API_NO_ENTRY),
    ("PATCH", "/api/v1/hours/{entry_id}", ENTRY_API, {}, API),  # 422: no body
    ("DELETE", "/api/v1/hours/{entry_id}", ENTRY_API, {}, API_NO_ENTRY),
    ("POST", "/api/v1/hours/{entry_id}/submit", ENTRY_API + "/submit", {}, API_NO_ENTRY),
    # 422 for these two: the table's POSTs send a form, and the optional body is JSON
    ("POST", "/api/v1/hours/{entry_id}/approve", ENTRY_API + "/approve", {}, API),
    ("POST", "/api/v1/hours/{entry_id}/reject", ENTRY_API + "/reject", {}, API),  # 422
    ("POST", "/api/v1/hours/{entry_id}/needs-info", ENTRY_API + "/needs-info", {}, API),
    ("POST", "/api/v1/hours/{entry_id}/evidence", ENTRY_API + "/evidence", {}, API),  # 422
    (
        "GET",
        "/api/v1/hours/{entry_id}/evidence/{evidence_id}",
        ENTRY_API + "/evidence/1",
        {},
        API_NO_ENTRY,
    ),
    ("POST", "/api/v1/hours/{entry_id}/corrections", ENTRY_API + "/corrections", {}, API),
    (
        "POST",
        "/api/v1/hours/{entry_id}/corrections/{number}/accept",
        ENTRY_API + "/corrections/1/accept",
        {},
        API,
    ),
    (
        "POST",
        "/api/v1/hours/{entry_id}/corrections/{number}/decline",
        ENTRY_API + "/corrections/1/decline",
        {},
        API,  # 422: no reason
    ),
]


@pytest.fixture
async def world(db_session: AsyncSession) -> dict[str, User]:
    """One of each role, around the cohort ACC-1 (the outsider coordinates another),
    with the fixture course to read."""
    await load_fixture_content(db_session)
    cohort = await make_cohort(db_session, code="ACC-1", pathway="records-practice")
    return {
        "volunteer": await make_user(db_session, username="vol", password=None, cohort=cohort),
        "trainer": await make_user(
            db_session, username="trn", role=Role.trainer, password=None, cohort=cohort
        ),
        "coordinator": await make_user(
            db_session, username="crd", role=Role.coordinator, password=None, cohort=cohort
        ),
        "outsider": await make_user(
            db_session, username="out", role=Role.coordinator, password=None
        ),
        "admin": await make_user(db_session, username="adm", role=Role.admin, password=None),
    }


def test_every_route_is_in_the_table(app: FastAPI) -> None:
    covered = {(method, path) for method, path, *_ in TABLE}
    routes = set()
    # FastAPI keeps included routers as such; this walks them the way it does itself.
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            continue  # /static: files anyone may fetch
        for method in route.methods or ():
            routes.add((method, route.path))
    assert len(routes) > 30  # the walk found the routers' routes, not only the app's own
    assert sorted(routes - covered) == []
    assert sorted(covered - routes) == []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "route", "path", "data", "expected"), TABLE, ids=[f"{m} {r}" for m, r, *_ in TABLE]
)
async def test_access(
    app: FastAPI,
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    world: dict[str, User],
    role: str,
    method: str,
    route: str,
    path: str,
    data: dict[str, str],
    expected: dict[str, str],
) -> None:
    people = world
    headers = {}
    if role != "anonymous":
        user = people[role]
        if path.startswith("/api/"):
            headers["Authorization"] = "Bearer " + await accounts.create_token(
                db_session, user=user, name="access"
            )
        else:
            await sign_in_as(client, app, db_session, user)
        if "TOKEN" in path:
            await accounts.create_token(db_session, user=user, name="mine")
            (token,) = [
                t for t in await accounts.list_tokens(db_session, user=user) if t.name == "mine"
            ]
            path = path.replace("TOKEN", str(token.id))
    path = path.replace("TOKEN", "999999")
    if "LINK" in path:
        key = await accounts.create_password_link(
            db_session, user=people["volunteer"], purpose="set", actor=None
        )
        path = path.replace("LINK", key)
    files = None
    if method == "POST":
        data = {**data, "csrf_token": await form_token(client, "/")}
        if route.endswith("/roster"):
            files = {"file": ("r.csv", b"username,name,role,email,phone,student_id\n", "text/csv")}
    response = await client.request(method, path, data=data or None, files=files, headers=headers)
    assert outcome(response) == expected[role], response.text[:300]


def outcome(response: httpx.Response) -> str:
    if response.status_code in (401, 403, 404):
        return str(response.status_code)
    location = response.headers.get("Location", "")
    if response.status_code == 303 and (
        location == "/login" or location.startswith("/login?next=")
    ):
        return "login"
    assert response.status_code < 500
    return "ok"


# The API takes Bearer tokens only, never the cookie: it needs no CSRF token.
FORMS = [row for row in TABLE if row[0] == "POST" and not row[1].startswith("/api/")]

TABLES = (
    "user_account",
    "user_session",
    "api_token",
    "password_link",
    "login_attempt",
    "cohort",
    "cohort_member",
    "audit_event",
    "enrolment",
    "module_progress",
    "hour_entry",
    "practicum_site",
    "pathway_evaluation",
    "referral",
    "certificate",
    "service_record",
    "print_job",
)


async def row_counts(session: AsyncSession) -> dict[str, int]:
    from sqlalchemy import text

    return {
        table: int((await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
        for table in TABLES
    }


@pytest.mark.parametrize(
    ("method", "route", "path", "data", "expected"),
    FORMS,
    ids=[route for _m, route, *_ in FORMS],
)
@pytest.mark.parametrize("token", ["missing", "wrong"])
async def test_every_form_refuses_a_post_without_its_csrf_token(
    app: FastAPI,
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    world: dict[str, User],
    token: str,
    method: str,
    route: str,
    path: str,
    data: dict[str, str],
    expected: dict[str, str],
) -> None:
    """As the admin, who may reach every form: 403, and not one row changed."""
    admin = world["admin"]
    await sign_in_as(client, app, db_session, admin)
    await accounts.create_token(db_session, user=admin, name="mine")
    (mine,) = await accounts.list_tokens(db_session, user=admin)
    key = await accounts.create_password_link(db_session, user=admin, purpose="set", actor=None)
    path = path.replace("TOKEN", str(mine.id)).replace("LINK", key)
    await form_token(client, "/")  # the browser has its CSRF cookie
    before = await row_counts(db_session)
    payload = dict(data)
    if token == "wrong":
        payload["csrf_token"] = "0" * 64
    response = await client.post(path, data=payload or {"x": "1"})
    assert response.status_code == 403, response.text[:200]
    assert await row_counts(db_session) == before
