"""Getting in, as a volunteer and a coordinator do it, in a real browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, screenshot
from tests.support import LiveServer

pytestmark = pytest.mark.browser
PASSWORD = "river-lantern-57-yak"


def test_register_sign_in_switch_language_sign_out(live_server: LiveServer, new_page) -> None:  # type: ignore[no-untyped-def]
    invite = live_server.lms("cohorts", "create", "E2E-REG", "--name", "玉树社区服务队")
    page = new_page(viewport=PHONE, locale="zh-CN")
    page.goto(live_server.url + "/register")
    screenshot(page, "register-zh-phone")
    page.get_by_label("邀请码").fill(invite.lower())
    page.get_by_label("姓名").fill("卓玛")
    page.get_by_label("用户名").fill("zhuoma")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("再次输入密码").fill(PASSWORD)
    page.get_by_role("button", name="创建账号").click()
    expect(page).to_have_url(live_server.url + "/profile?saved=welcome")
    expect(page.locator(".alert-ok")).to_contain_text("欢迎")
    screenshot(page, "profile-zh-phone")

    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="退出登录", exact=True).click()
    expect(page.get_by_role("link", name="登录")).to_be_visible()

    page.goto(live_server.url + "/login")
    page.get_by_label("用户名").fill("zhuoma")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#login-form .alert-error")).to_contain_text("用户名或密码不正确")
    screenshot(page, "login-error-zh-phone")
    page.console_errors.clear()  # the browser logs the refused sign-in's 400 itself
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(live_server.url + "/")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(live_server.url + "/profile")
    expect(page.locator("h1")).to_have_text("Profile")
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.goto(live_server.url + "/profile")
    expect(page).to_have_url(live_server.url + "/login?next=%2Fprofile")
    assert page.console_errors == []


@pytest.mark.parametrize(("size", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_coordinator_imports_a_roster(
    live_server: LiveServer,
    new_page,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    size: str,
    viewport: dict[str, int],
) -> None:
    code = f"E2E-{size.upper()}"
    live_server.lms("cohorts", "create", code, "--name", "青海师范大学 2026 春季")
    live_server.lms(
        "users",
        "create",
        f"coord-{size}",
        "--role",
        "coordinator",
        "--name",
        "王老师",
        "--cohort",
        code,
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    page = new_page(viewport=viewport, locale="en-US")
    page.goto(live_server.url + f"/login?next=/cohorts/{code}")
    screenshot(page, f"login-en-{size}")
    page.get_by_label("Username").fill(f"coord-{size}")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("青海师范大学 2026 春季")

    roster = tmp_path / "roster.csv"
    roster.write_bytes(
        (
            "\ufeffusername,name,role,email,phone,student_id\n"
            f"aygul-{size},ئايگۈل مەمەت,volunteer,,,2024001\n"
            f"dolma-{size},བཀྲ་ཤིས་སྒྲོལ་མ,volunteer,,,2024002\n"
            f"chen-{size},陈晓燕,volunteer,,13800000000,2024003\n"
        ).encode()
    )
    page.set_input_files("#f-file", str(roster))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#roster")).to_contain_text("3 people are ready to import")
    screenshot(page, f"roster-preview-en-{size}")
    page.get_by_role("button", name="Import these people").click()
    expect(page.locator(".alert-ok")).to_contain_text("3 people were added")
    expect(page.locator("table").first).to_contain_text("ئايگۈل مەمەت")
    screenshot(page, f"cohort-en-{size}")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download set-password links (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert f"dolma-{size},བཀྲ་ཤིས་སྒྲོལ་མ," in text
    page.goto(live_server.url + "/profile")
    screenshot(page, f"profile-en-{size}")
    page.goto(live_server.url + "/cohorts")
    screenshot(page, f"cohorts-en-{size}")
    page.goto(live_server.url + "/register")
    screenshot(page, f"register-en-{size}")
    assert page.console_errors == []
