"""A coordinator adds a placement site; a volunteer logs an afternoon of service on a
phone with a photo; the cohort's trainer approves the week in one step; the volunteer
sees the approved hours and the entry's history."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, screenshot
from tests.e2e.test_courses import PASSWORD, sign_in
from tests.support import LiveServer

pytestmark = pytest.mark.browser


def person(live_server: LiveServer, username: str, role: str, name: str, cohort: str) -> None:
    live_server.lms(
        "users", "create", username, "--role", role, "--name", name, "--cohort", cohort,
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip


def test_an_afternoon_logged_on_a_phone_and_approved_in_one_step(
    live_server: LiveServer,
    new_page,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    live_server.lms("cohorts", "create", "E2E-HOURS", "--name", "实践时数")
    person(live_server, "hours-vol", "volunteer", "努尔艾力", "E2E-HOURS")
    person(live_server, "hours-trainer", "trainer", "王老师", "E2E-HOURS")
    person(live_server, "hours-coord", "coordinator", "李主任", "E2E-HOURS")
    photo = tmp_path / "签到表.jpg"
    Image.new("RGB", (120, 90), (30, 120, 200)).save(photo, format="JPEG")

    coordinator = new_page(viewport=DESKTOP, locale="zh-CN")
    sign_in(coordinator, live_server, "hours-coord", chinese=True)
    coordinator.goto(live_server.url + "/sites")
    coordinator.get_by_label("服务点名称").fill("团结村儿童之家")
    coordinator.get_by_role("button", name="添加服务点").click()
    expect(coordinator.locator("table")).to_contain_text("团结村儿童之家")

    volunteer = new_page(viewport=PHONE, locale="zh-CN")
    sign_in(volunteer, live_server, "hours-vol", chinese=True)
    started = time.monotonic()
    volunteer.get_by_role("link", name="时数", exact=True).click()
    volunteer.get_by_role("link", name="登记服务").click()
    yesterday = (datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(days=1)).date()
    volunteer.locator("#f-date").fill(yesterday.isoformat())
    volunteer.locator("#f-start").fill("14:00")
    volunteer.locator("#f-end").fill("17:30")
    volunteer.locator("#f-site").select_option(label="团结村儿童之家")
    volunteer.locator("#f-description").fill("陪孩子们写作业，组织了绘本共读。")
    volunteer.locator("#f-evidence").set_input_files(str(photo))
    screenshot(volunteer, "hours-log-zh-phone")
    volunteer.get_by_role("button", name="提交审核").click()
    expect(volunteer.locator(".alert-ok")).to_be_visible()
    assert time.monotonic() - started < 60  # the whole form, with a photo, in well under a minute
    expect(volunteer.locator("h1")).to_contain_text("14:00–17:30")
    expect(volunteer.locator(".facts")).to_contain_text("3.5 小时")
    expect(volunteer.locator("#evidence")).to_contain_text("签到表.jpg")
    screenshot(volunteer, "hours-entry-zh-phone")

    trainer = new_page(viewport=DESKTOP, locale="zh-CN")
    sign_in(trainer, live_server, "hours-trainer", chinese=True)
    trainer.get_by_role("link", name="审核", exact=True).click()
    expect(trainer.locator(".review-list")).to_contain_text("努尔艾力")
    screenshot(trainer, "hours-review-zh-desktop")
    trainer.get_by_role("button", name="通过勾选的记录").click()
    expect(trainer.locator(".alert-ok")).to_contain_text("1")
    expect(trainer.locator(".review-list")).to_have_count(0)

    volunteer.goto(live_server.url + "/hours")
    expect(volunteer.locator(".hour-totals dd").first).to_contain_text("3.5")
    screenshot(volunteer, "hours-log-list-zh-phone")
    volunteer.locator(".entry-list a").first.click()
    expect(volunteer.locator(".event-list")).to_contain_text("hours-trainer")
