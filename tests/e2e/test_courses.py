"""A volunteer reads a course on a phone and a computer, in Chinese and in English."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, screenshot
from tests.support import LiveServer

pytestmark = pytest.mark.browser
PASSWORD = "river-lantern-57-yak"


def sign_in(page, live_server: LiveServer, username: str, *, chinese: bool) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/login")
    page.get_by_label("用户名" if chinese else "Username").fill(username)
    page.get_by_label("密码" if chinese else "Password").fill(PASSWORD)
    page.get_by_role("button", name="登录" if chinese else "Sign in").click()
    expect(page).to_have_url(live_server.url + "/")


def test_a_volunteer_reads_marks_and_resumes_on_a_phone(
    live_server: LiveServer,
    new_page,  # type: ignore[no-untyped-def]
) -> None:
    live_server.lms(
        "cohorts", "create", "E2E-READ", "--name", "记录实践", "--pathway", "records-practice"
    )
    live_server.lms(
        "users",
        "create",
        "reader-zh",
        "--role",
        "volunteer",
        "--name",
        "卓玛",
        "--cohort",
        "E2E-READ",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    page = new_page(viewport=PHONE, locale="zh-CN")
    sign_in(page, live_server, "reader-zh", chinese=True)
    page.get_by_role("link", name="课程", exact=True).click()
    expect(page.locator("#mine-title")).to_have_text("我的课程")
    screenshot(page, "courses-zh-phone")
    page.get_by_role("link", name="服务记录的写法").click()
    expect(page.locator("h1")).to_have_text("服务记录的写法")
    page.get_by_role("link", name="开始学习：为什么要做服务记录").click()
    expect(page.locator("h1")).to_have_text("为什么要做服务记录")
    expect(page.locator(".admonition-title")).to_have_text("当天写，写事实")
    screenshot(page, "module-zh-phone")

    page.get_by_role("button", name="标记为已读").click()  # htmx: the status is swapped
    expect(page.locator("#module-status")).to_contain_text("已完成 1 / 3 个单元")
    expect(page.get_by_role("button", name="标记为已读")).to_have_count(0)
    expect(page.locator("#module-status .ok")).to_be_focused()  # keyboard users hear it
    page.locator("a[rel=next]").click()
    expect(page.locator("h1")).to_have_text("一条好的记录")
    expect(page.locator(".prose img")).to_have_js_property("naturalWidth", 640)
    screenshot(page, "module-table-zh-phone")

    page.goto(live_server.url + "/courses/service-records")
    expect(page.locator("#course-status a.button")).to_have_text("继续学习：一条好的记录")
    expect(page.locator(".module-list li.done")).to_have_count(1)
    screenshot(page, "course-zh-phone")
    assert page.console_errors == []


@pytest.mark.parametrize(("size", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_an_english_reader_without_javascript_still_gets_through(
    live_server: LiveServer,
    browser,  # type: ignore[no-untyped-def]
    size: str,
    viewport: dict[str, int],
) -> None:
    username = f"reader-en-{size}"
    live_server.lms(
        "users",
        "create",
        username,
        "--role",
        "volunteer",
        "--name",
        "Ana",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    context = browser.new_context(viewport=viewport, locale="en-GB", java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, live_server, username, chinese=False)
        page.goto(live_server.url + "/courses/service-records")
        page.get_by_role("button", name="Enrol in this course").click()
        expect(page.locator("#course-status")).to_contain_text("0 of 3 modules complete")
        page.get_by_role("link", name="Start: Why we keep service records").click()
        page.get_by_role("button", name="Mark as read").click()
        expect(page).to_have_url(live_server.url + "/courses/service-records/02-a-good-entry")
        expect(page.locator("#module-status")).to_contain_text("1 of 3 modules complete")
        screenshot(page, f"module-en-{size}")
        page.goto(live_server.url + "/courses")
        expect(page.locator(".course-card").first).to_contain_text("33% complete")
        screenshot(page, f"courses-en-{size}")
    finally:
        context.close()
