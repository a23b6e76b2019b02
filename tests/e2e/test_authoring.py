"""A trainer fixes a module from a phone: uploads a file with a mistake, sees the preview
and the problem by line, jumps to the line, fixes it, publishes, then restores the
earlier revision from the history."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, screenshot
from tests.e2e.test_courses import PASSWORD, sign_in
from tests.support import FIXTURE_CONTENT, LiveServer

pytestmark = pytest.mark.browser
MODULE = "/courses/service-records/02-a-good-entry"


def test_a_trainer_uploads_fixes_publishes_and_restores_on_a_phone(
    live_server: LiveServer,
    new_page,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    live_server.lms(
        "users",
        "create",
        "editor-zh",
        "--role",
        "trainer",
        "--name",
        "王老师",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    original = (FIXTURE_CONTENT / "courses/service-records/02-a-good-entry.md").read_text(
        encoding="utf-8"
    )
    fixed = original.replace("一条好的记录让", "一条清楚的记录让", 1)
    upload = tmp_path / "02-a-good-entry.md"
    upload.write_text(fixed.replace("minutes: 15\n", "minutes: 15\nauthor: 王老师\n"), "utf-8")

    page = new_page(viewport=PHONE, locale="zh-CN")
    sign_in(page, live_server, "editor-zh", chinese=True)
    page.goto(live_server.url + MODULE)
    page.locator(f"a[href='{MODULE}/edit?lang=zh']").click()
    text = page.locator("#f-text")
    expect(text).to_have_value(original)

    page.locator("#f-file").set_input_files(str(upload))
    page.locator(".upload button[type=submit]").click()
    problems = page.locator(".line-problems li")
    expect(problems).to_have_count(1)
    expect(problems.first).to_contain_text("author")
    expect(problems.first.locator("button[data-line='4']")).to_be_visible()
    expect(page.locator("#preview .prose")).to_contain_text("一条清楚的记录")  # still rendered
    screenshot(page, "editor-upload-problem-zh-phone")

    problems.first.locator("button").click()  # the caret goes to line 4
    expect(text).to_be_focused()
    selected = page.evaluate(
        "() => { const t = document.getElementById('f-text');"
        " return t.value.slice(t.selectionStart, t.selectionEnd); }"
    )
    assert selected == "author: 王老师"
    text.fill(fixed)  # the preview follows (htmx, debounced)
    expect(page.locator(".line-problems")).to_have_count(0)
    expect(page.locator("#preview-state")).to_have_class("ok small")
    screenshot(page, "editor-fixed-zh-phone")

    page.locator("#editor-form button.primary").click()
    expect(page).to_have_url(live_server.url + MODULE + "/edit?lang=zh&published=2")
    expect(page.locator(".alert-ok")).to_be_visible()
    page.goto(live_server.url + MODULE)
    expect(page.locator(".prose")).to_contain_text("一条清楚的记录")

    page.goto(live_server.url + MODULE + "/history")
    expect(page.locator(".history > li")).to_have_count(2)
    screenshot(page, "editor-history-zh-phone")
    page.locator(".history > li").nth(1).locator("button[type=submit]").click()
    expect(page).to_have_url(live_server.url + MODULE + "/edit?published=3")
    page.goto(live_server.url + MODULE)
    expect(page.locator(".prose")).to_contain_text("一条好的记录让")
    # The refused upload was a 422 on purpose; the browser logs any 4xx.
    assert [e for e in page.console_errors if "422" not in e] == []
