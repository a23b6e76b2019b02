"""A volunteer takes a module's quiz on a phone, in Chinese: a question left out is
marked, the answers stay, the result shows the score and the review."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.test_courses import PASSWORD, sign_in
from tests.support import LiveServer

pytestmark = pytest.mark.browser


def test_a_volunteer_takes_a_quiz_on_a_phone(
    live_server: LiveServer,
    new_page,  # type: ignore[no-untyped-def]
) -> None:
    live_server.lms(
        "cohorts", "create", "E2E-QUIZ", "--name", "测验班", "--pathway", "records-practice"
    )
    live_server.lms(
        "users",
        "create",
        "quiz-zh",
        "--role",
        "volunteer",
        "--name",
        "阿依古丽",
        "--cohort",
        "E2E-QUIZ",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    page = new_page(viewport=PHONE, locale="zh-CN")
    sign_in(page, live_server, "quiz-zh", chinese=True)
    page.goto(live_server.url + "/courses/service-records/03-privacy")
    page.get_by_role("link", name="去做测验").click()
    expect(page.locator("h1")).to_have_text("测验：记录中的隐私")
    expect(page.locator(".quiz-start")).to_contain_text("共 6 题")
    page.get_by_role("button", name="开始测验").click()  # htmx swaps the form in
    form = page.locator("form.quiz-form")
    expect(form.locator("fieldset")).to_have_count(6)
    form.get_by_label("不可以").check()
    form.get_by_label("家庭住址").check()
    form.get_by_label("病史").check()
    form.locator("input[name=q4]").fill("２.５")  # full-width digits count too
    form.get_by_role("button", name="提交答案").click()
    expect(page.locator(".quiz-form > .error")).to_have_text("有 3 道题需要你再看一下。")
    expect(page.locator("#q3 .field-error")).to_have_text("请回答这道题。")
    expect(page.get_by_label("不可以")).to_be_checked()  # kept
    screenshot(page, "quiz-errors-zh-phone")

    page.get_by_label("你的答案", exact=True).fill("督导")
    page.locator("#q5").get_by_label("对").check()
    page.locator("select[name='q6.l1']").select_option(label="不写进记录")
    page.locator("select[name='q6.l2']").select_option(label="写进记录")
    page.get_by_role("button", name="提交答案").click()
    result = page.locator(".quiz-result")
    expect(result).to_contain_text("通过了！及格分是 60。")
    expect(result.locator(".big")).to_have_text("100")
    expect(result).to_be_focused()
    expect(page.locator(".quiz-review > li.right")).to_have_count(6)
    expect(page.locator(".quiz-review")).to_contain_text("对，先当面告诉督导。")
    screenshot(page, "quiz-result-zh-phone")
    page.goto(live_server.url + "/courses/service-records/03-privacy")
    expect(page.locator("#module-status")).to_contain_text("通过测验")
    # The refused form was a 422 on purpose (htmx swaps it in); the browser logs any 4xx.
    assert [e for e in page.console_errors if "422" not in e] == []
