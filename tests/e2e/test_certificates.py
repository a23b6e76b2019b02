"""A coordinator prints the demo cohort's certificates: the job's progress bar polls
(htmx) to completion and the file downloads; the public verification page on a phone
says valid for a certificate and revoked for the revoked one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.certificates.live import demo_server
from tests.e2e.conftest import DESKTOP, PHONE, screenshot
from tests.support import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    with demo_server(tmp_path_factory.mktemp("demo-e2e")) as found:
        yield found


def test_a_coordinator_prints_the_cohort_and_watches_it_finish(
    demo: tuple[LiveServer, dict[str, str]],
    new_page,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    server, passwords = demo
    page = new_page(viewport=DESKTOP, locale="zh-CN")
    page.goto(server.url + "/login")
    page.get_by_label("用户名").fill("demo-coordinator")
    page.get_by_label("密码").fill(passwords["demo-coordinator"])
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(server.url + "/")

    page.goto(server.url + "/cohorts/DEMO-2026/certificates")
    expect(page.locator("table .serial").first).to_be_visible()
    screenshot(page, "certificates-cohort-desktop")
    page.locator("button[name=everything]").click()
    expect(page).to_have_url(server.url + "/print-jobs/1")
    download_link = page.locator("a[href='/print-jobs/1/file.pdf']")
    expect(download_link).to_be_visible(timeout=60_000)  # htmx polled the job to its end
    expect(page.locator("progress")).to_have_attribute(
        "value", page.locator("progress").get_attribute("max") or ""
    )
    screenshot(page, "certificates-print-job-desktop")
    with page.expect_download() as waiting:
        download_link.click()
    saved = tmp_path / "cohort.pdf"
    waiting.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert page.console_errors == []


def test_a_phone_shows_valid_then_revoked(
    demo: tuple[LiveServer, dict[str, str]],
    new_page,  # type: ignore[no-untyped-def]
) -> None:
    server, _passwords = demo
    serial = server.lms("certificates", "issue", "demo-stage-l5", "--pathway",
                        "community-volunteer", "--level", "L5")  # fmt: skip
    page = new_page(viewport=PHONE, locale="zh-CN")
    page.goto(f"{server.url}/verify/{serial}")
    expect(page.locator(".verdict-valid")).to_contain_text("有效")
    expect(page.locator(".holder")).to_have_text("刘佳宁")
    screenshot(page, "verify-valid-phone")
    server.lms("certificates", "revoke", serial, "--reason", "证书信息有误，已撤销")
    page.reload()
    expect(page.locator(".verdict-revoked")).to_contain_text("证书信息有误，已撤销")
    screenshot(page, "verify-revoked-phone")
    assert httpx.get(f"{server.url}/api/v1/certificates/{serial}").json()["status"] == "revoked"
    assert page.console_errors == []
