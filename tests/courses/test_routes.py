"""Course pages as a volunteer uses them: catalogue, course, module, "mark as read" with
and without htmx, course files, bad URLs; the content-errors page; the API."""

from __future__ import annotations

import gzip

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lms.accounts import service as accounts
from lms.models.accounts import Role, User
from lms.models.courses import ContentProblem, Enrolment, ModuleProgress
from tests.factories import load_fixture_content, make_cohort, make_user
from tests.support import form_token, sign_in_as

pytestmark = pytest.mark.database
COURSE = "/courses/service-records"


@pytest.fixture
async def volunteer(app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession) -> User:
    await load_fixture_content(db_session)
    cohort = await make_cohort(db_session, pathway="records-practice")
    user = await make_user(db_session, username="reader", cohort=cohort)
    await sign_in_as(client, app, db_session, user)
    return user


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def test_the_catalogue_lists_my_courses_first(
    client: httpx.AsyncClient, volunteer: User
) -> None:
    page = soup(await client.get("/courses", headers={"Accept-Language": "zh-CN"}))
    mine = page.select_one("#mine-title")
    assert mine is not None and mine.text == "我的课程"
    card = page.select_one(".course-card")
    assert card is not None
    assert "服务记录的写法" in card.text
    assert "3 个单元" in card.text
    assert "已完成 0%" in card.text


async def test_a_module_page_is_stored_html_with_its_neighbours(
    client: httpx.AsyncClient, volunteer: User
) -> None:
    response = await client.get(f"{COURSE}/02-a-good-entry", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    page = soup(response)
    h1 = page.select_one("h1")
    assert h1 is not None and h1.text == "A good entry"
    prose = page.select_one(".prose")
    assert prose is not None
    assert prose.select_one("table td") is not None
    image = prose.select_one("img")
    assert image is not None and image["src"] == f"{COURSE}/files/images/entry.png"
    assert prose.select_one(".admonition.tip") is not None
    link = prose.select_one('a[href="/courses/service-records/03-privacy"]')
    assert link is not None  # a link to 03-privacy.md became the module's URL
    previous = page.select_one("a[rel=prev]")
    following = page.select_one("a[rel=next]")
    assert previous is not None and previous["href"] == f"{COURSE}/01-why-records"
    assert following is not None and following["href"] == f"{COURSE}/03-privacy"
    chinese = soup(await client.get(f"{COURSE}/02-a-good-entry", headers={"Accept-Language": "zh"}))
    heading = chinese.select_one("h1")
    assert heading is not None and heading.text == "一条好的记录"


async def test_mark_as_read_without_javascript_goes_on_to_the_next_module(
    client: httpx.AsyncClient, db_session: AsyncSession, volunteer: User
) -> None:
    token = await form_token(client, f"{COURSE}/01-why-records")
    response = await client.post(f"{COURSE}/01-why-records/read", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == f"{COURSE}/02-a-good-entry"
    last = await client.post(f"{COURSE}/03-privacy/read", data={"csrf_token": token})
    assert last.headers["Location"] == COURSE  # the last module: back to the course
    course = soup(await client.get(COURSE, headers={"Accept-Language": "en"}))
    status = course.select_one("#course-status")
    assert status is not None and "2 of 3 modules complete" in status.text
    done = [li.select_one(".module-title").text for li in course.select(".module-list li.done")]  # type: ignore[union-attr]
    assert done == ["Why we keep service records", "Privacy in records"]


async def test_mark_as_read_with_htmx_swaps_the_status(
    client: httpx.AsyncClient, db_session: AsyncSession, volunteer: User
) -> None:
    token = await form_token(client, f"{COURSE}/01-why-records")
    response = await client.post(
        f"{COURSE}/01-why-records/read",
        headers={"HX-Request": "true", "X-CSRF-Token": token, "Accept-Language": "en"},
    )
    assert response.status_code == 200
    fragment = soup(response)
    section = fragment.select_one("section#module-status")
    assert section is not None
    assert "Marked as read on" in section.text
    assert "1 of 3 modules complete" in section.text
    assert fragment.select_one("header") is None  # a fragment, not the page
    again = await client.post(
        f"{COURSE}/01-why-records/read", headers={"HX-Request": "true", "X-CSRF-Token": token}
    )
    assert again.status_code == 200
    count = await db_session.scalar(select(func.count()).select_from(ModuleProgress))
    assert count == 1  # twice is once


async def test_enrolling_from_the_course_page(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    await load_fixture_content(db_session)
    user = await make_user(db_session, username="walker")
    await sign_in_as(client, app, db_session, user)
    page = soup(await client.get(COURSE, headers={"Accept-Language": "en"}))
    button = page.select_one("#course-status button")
    assert button is not None and button.text == "Enrol in this course"
    token = await form_token(client, COURSE)
    response = await client.post(
        f"{COURSE}/enrolment",
        headers={"HX-Request": "true", "X-CSRF-Token": token, "Accept-Language": "en"},
    )
    status = soup(response).select_one("#course-status")
    assert status is not None
    assert "Start: Why we keep service records" in status.text
    plain = await client.post(f"{COURSE}/enrolment", data={"csrf_token": token})
    assert (plain.status_code, plain.headers["Location"]) == (303, COURSE)
    count = await db_session.scalar(select(func.count()).select_from(Enrolment))
    assert count == 1


async def test_opening_a_module_is_remembered_for_resuming(
    client: httpx.AsyncClient, volunteer: User
) -> None:
    await client.get(f"{COURSE}/03-privacy")
    page = soup(await client.get(COURSE, headers={"Accept-Language": "en"}))
    resume = page.select_one("#course-status a.button")
    assert resume is not None
    assert resume["href"] == f"{COURSE}/03-privacy"
    assert resume.text == "Continue: Privacy in records"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/courses/nursing", "There is no course nursing."),
        ("/courses/nursing/01-x", "There is no course nursing."),
        (f"{COURSE}/09-nothing", "The course service-records has no module 09-nothing."),
        (f"{COURSE}/files/images/missing.png", "This course has no file images/missing.png."),
        (f"{COURSE}/files/images%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd", "This course has no file"),
        (f"{COURSE}/files/..%2F..%2Fcourse.md", "This course has no file"),
        (f"{COURSE}/files/01-why-records.md", "This course has no file"),
        (f"{COURSE}/files/.hidden.png", "This course has no file"),
    ],
)
async def test_bad_urls_are_not_found_with_a_message(
    client: httpx.AsyncClient, volunteer: User, path: str, message: str
) -> None:
    response = await client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert message in response.text


async def test_a_course_file_is_served_to_signed_in_users(
    client: httpx.AsyncClient, volunteer: User
) -> None:
    response = await client.get(f"{COURSE}/files/images/entry.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert "private" in response.headers["cache-control"]


async def test_a_module_page_is_small_when_compressed(
    client: httpx.AsyncClient, volunteer: User
) -> None:
    """Well under 100 KB with its stylesheet and script (DESIGN.md's page budget)."""
    page = await client.get(f"{COURSE}/02-a-good-entry", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    total = len(gzip.compress(page.content))
    for asset in soup(page).select("link[rel=stylesheet], script[src]"):
        url = str(asset.get("href") or asset.get("src"))
        fetched = await client.get(url, headers={"Accept-Encoding": "gzip"})
        assert fetched.status_code == 200
        assert fetched.headers.get("content-encoding") == "gzip", url
        total += len(gzip.compress(fetched.content))
    total += len((await client.get(f"{COURSE}/files/images/entry.png")).content)
    assert total < 100 * 1024, total


async def test_the_content_errors_page_shows_what_the_sync_refused(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    trainer = await make_user(db_session, role=Role.trainer)
    await sign_in_as(client, app, db_session, trainer)
    empty = soup(await client.get("/content/problems", headers={"Accept-Language": "en"}))
    assert "No problems" in empty.text
    db_session.add(
        ContentProblem(
            path="courses/x/01-a.md", line=3, message="front matter: title: Field required"
        )
    )
    await db_session.flush()
    page = soup(await client.get("/content/problems", headers={"Accept-Language": "en"}))
    item = page.select_one(".problem-list li")
    assert item is not None
    assert "courses/x/01-a.md:3" in item.text
    assert "title: Field required" in item.text


async def test_the_api_lists_courses_enrols_and_reports_progress(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    await load_fixture_content(db_session)
    user = await make_user(db_session)
    token = await accounts.create_token(db_session, user=user, name="app")
    bearer = {"Authorization": f"Bearer {token}", "Accept-Language": "zh-CN"}
    listing = await client.get("/api/v1/courses", headers=bearer)
    assert listing.status_code == 200
    (course,) = listing.json()
    assert course["slug"] == "service-records"
    assert course["title"] == "服务记录的写法"
    assert [m["slug"] for m in course["modules"]] == [
        "01-why-records",
        "02-a-good-entry",
        "03-privacy",
    ]
    assert course["modules"][0]["title"] == "为什么要做服务记录"
    assert (await client.get("/api/v1/me/progress", headers=bearer)).json() == []
    first = await client.post("/api/v1/courses/service-records/enrolment", headers=bearer)
    again = await client.post("/api/v1/courses/service-records/enrolment", headers=bearer)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["enrolled_through"] == "self"
    assert first.json()["enrolled_at"].endswith(("+00:00", "Z"))
    unknown = await client.post("/api/v1/courses/nursing/enrolment", headers=bearer)
    assert unknown.status_code == 404
    assert "nursing" in unknown.json()["detail"]
    (progress,) = (await client.get("/api/v1/me/progress", headers=bearer)).json()
    assert {k: progress[k] for k in ("course", "modules_total", "modules_complete")} == {
        "course": "service-records",
        "modules_total": 3,
        "modules_complete": 0,
    }
    assert (progress["quizzes_passed"], progress["percent"]) == (0, 0)
    cookie_only = await client.get("/api/v1/courses")
    assert cookie_only.status_code == 401
