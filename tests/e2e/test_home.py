"""The home page in a real browser: both languages, phone and desktop, no CSP errors."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, screenshot
from tests.support import LiveServer

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("locale", "lang", "heading"),
    [
        ("zh-CN", "zh-CN", "学习、实践、认证"),
        ("en-US", "en", "Learn, practise and get certified"),
    ],
)
@pytest.mark.parametrize(("size", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_home_page(
    live_server: LiveServer,
    new_page,
    locale: str,
    lang: str,
    heading: str,  # type: ignore[no-untyped-def]
    size: str,
    viewport: dict[str, int],
) -> None:
    page = new_page(viewport=viewport, locale=locale)
    response = page.goto(live_server.url + "/")
    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("h1")).to_contain_text(heading)
    expect(page.locator(".step")).to_have_count(6)
    # htmx loaded and read its configuration under the strict CSP
    assert page.evaluate("window.htmx && htmx.config.allowEval") is False
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    # nothing overflows sideways on a phone, and the header fits on one line, unclipped
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    brand = page.locator(".brand span")
    assert brand.evaluate("e => e.scrollWidth <= e.clientWidth")
    header = page.locator(".header-row").bounding_box()
    assert header is not None
    assert header["height"] < 64
    screenshot(page, f"home-{lang}-{size}")
    assert page.console_errors == []


def test_switching_language_in_the_browser(live_server: LiveServer, new_page) -> None:  # type: ignore[no-untyped-def]
    page = new_page(viewport=PHONE, locale="zh-CN")
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(live_server.url + "/")  # remembered across pages
    expect(page.locator("h1")).to_contain_text("Learn, practise")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("h1")).to_contain_text("学习")
    assert page.console_errors == []


def test_htmx_404_lands_in_the_message_area(live_server: LiveServer, new_page) -> None:  # type: ignore[no-untyped-def]
    page = new_page(viewport=DESKTOP, locale="en-US")
    page.goto(live_server.url + "/")
    page.evaluate("htmx.ajax('GET', '/no/such/page', {target: 'main', swap: 'innerHTML'})")
    expect(page.locator("#messages .alert")).to_contain_text("There is nothing at this address")
    expect(page.locator("main h1")).to_contain_text("Learn, practise")  # the page stayed
    screenshot(page, "htmx-404-en-desktop")


def test_error_page_in_chinese(live_server: LiveServer, new_page) -> None:  # type: ignore[no-untyped-def]
    page = new_page(viewport=PHONE, locale="zh-CN")
    response = page.goto(live_server.url + "/no/such/page")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("页面不存在")
    screenshot(page, "error-404-zh-phone")


def test_api_docs_render_from_vendored_assets(live_server: LiveServer, new_page) -> None:  # type: ignore[no-untyped-def]
    page = new_page(viewport=DESKTOP, locale="en-US")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(live_server.url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Volunteer Academy API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert all(url.startswith(live_server.url) for url in requests), requests
    screenshot(page, "api-docs-desktop")
    assert page.console_errors == []  # Swagger UI runs under the same strict CSP


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        ("server", "Something went wrong on our side. Nothing was saved"),
        ("network", "No connection. Check your network and try again"),
    ],
)
def test_htmx_failures_are_told_not_swapped(  # type: ignore[no-untyped-def]
    live_server: LiveServer, new_page, failure: str, message: str
) -> None:
    """A 5xx keeps the page as it was and says so; so does a dropped connection."""
    page = new_page(viewport=PHONE, locale="en-US")
    page.goto(live_server.url + "/")
    if failure == "server":
        page.route("**/flaky", lambda route: route.fulfill(status=502, body="<h1>Bad gateway</h1>"))
    else:
        page.route("**/flaky", lambda route: route.abort("internetdisconnected"))
    page.console_errors.clear()
    # htmx.ajax's promise rejects when the network fails; the page must cope regardless
    page.evaluate("() => { htmx.ajax('GET', '/flaky', {target: 'main'}).catch(() => {}); }")
    expect(page.locator("#messages .alert")).to_contain_text(message)
    expect(page.locator("main h1")).to_contain_text("Learn, practise")
    expect(page.get_by_text("Bad gateway")).to_have_count(0)
    screenshot(page, f"htmx-{failure}-error-en-phone")
