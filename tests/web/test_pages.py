"""The web shell: languages, error pages, security headers, htmx fragments, docs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup

from lms.app import create_app
from lms.config import Settings
from lms.web.middleware import LANGUAGE_COOKIE
from tests.support import form_token

HTMX = {"HX-Request": "true"}


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


@pytest.mark.parametrize(
    ("accept", "lang", "heading"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN", "学习、实践、认证"),
        ("zh-Hans", "zh-CN", "学习、实践、认证"),
        ("en-US,en;q=0.9", "en", "Learn, practise and get certified"),
        ("fr-FR, en;q=0.5, zh;q=0.4", "en", "Learn, practise and get certified"),
        ("de-DE,de;q=0.9", "en", "Learn, practise and get certified"),
        ("en;q=0.2, zh;q=0.8", "zh-CN", "学习、实践、认证"),
    ],
)
async def test_home_follows_accept_language(
    web_client: httpx.AsyncClient, accept: str, lang: str, heading: str
) -> None:
    response = await web_client.get("/", headers={"Accept-Language": accept})
    assert response.status_code == 200
    page = soup(response)
    assert page.html is not None and page.html["lang"] == lang
    assert page.h1 is not None and heading in page.h1.text
    assert response.headers["Content-Language"] == lang
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize(
    "accept",
    ["", ";;;,,,", "q=0.5", "zh;q=abc", "en;q=5", "*", "x" * 600, "zh\u00e9;q=1", "-,--;q=0"],
)
async def test_malformed_accept_language_falls_back_to_the_default(
    web_client: httpx.AsyncClient, accept: str
) -> None:
    response = await web_client.get("/", headers={"Accept-Language": accept.encode("utf-8")})
    assert response.status_code == 200
    assert soup(response).html["lang"] == "zh-CN"  # type: ignore[index]


async def test_switching_language_is_remembered(web_client: httpx.AsyncClient) -> None:
    response = await web_client.post(
        "/language",
        data={"csrf_token": await form_token(web_client), "lang": "en", "next": "/?a=1"},
        headers={"Accept-Language": "zh-CN"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/?a=1"
    cookie = response.headers["Set-Cookie"]
    assert f"{LANGUAGE_COOKIE}=en" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = await web_client.get("/", headers={"Accept-Language": "zh-CN"})
    assert soup(page).html["lang"] == "en"  # type: ignore[index]
    back = await web_client.post(
        "/language", data={"csrf_token": await form_token(web_client), "lang": "zh", "next": "/"}
    )
    assert back.status_code == 303
    page = await web_client.get("/", headers={"Accept-Language": "en"})
    assert soup(page).html["lang"] == "zh-CN"  # type: ignore[index]


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "",
        "relative/path",
    ],
)
async def test_language_switch_never_redirects_off_site(
    web_client: httpx.AsyncClient, target: str
) -> None:
    response = await web_client.post(
        "/language", data={"csrf_token": await form_token(web_client), "lang": "en", "next": target}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


async def test_unknown_language_is_refused_and_nothing_is_set(
    web_client: httpx.AsyncClient,
) -> None:
    response = await web_client.post(
        "/language",
        data={"csrf_token": await form_token(web_client), "lang": "fr", "next": "/"},
        headers={"Accept-Language": "zh-CN"},
    )
    assert response.status_code == 422
    assert "不支持该语言" in response.text
    assert "set-cookie" not in response.headers


async def test_bad_cookie_is_ignored(web_client: httpx.AsyncClient) -> None:
    web_client.cookies.set(LANGUAGE_COOKIE, "klingon")
    response = await web_client.get("/", headers={"Accept-Language": "en"})
    assert soup(response).html["lang"] == "en"  # type: ignore[index]


@pytest.mark.parametrize(
    ("accept", "title", "message"),
    [
        ("zh-CN", "页面不存在", "找不到该页面"),
        ("en", "Page not found", "There is nothing at this address"),
    ],
)
async def test_unknown_url_is_a_404_page_in_the_users_language(
    web_client: httpx.AsyncClient, accept: str, title: str, message: str
) -> None:
    response = await web_client.get("/no/such/page", headers={"Accept-Language": accept})
    assert response.status_code == 404
    page = soup(response)
    assert page.h1 is not None and page.h1.text == title
    assert message in page.select_one(".alert").text  # type: ignore[union-attr]
    assert page.select_one("header.site-header") is not None  # the full layout


async def test_htmx_request_for_a_missing_page_gets_the_message_fragment(
    web_client: httpx.AsyncClient,
) -> None:
    response = await web_client.get("/no/such/page", headers={**HTMX, "Accept-Language": "en"})
    assert response.status_code == 404
    assert "<html" not in response.text and "<header" not in response.text
    fragment = soup(response).select_one("div.alert[role=alert]")
    assert fragment is not None and "There is nothing at this address" in fragment.text
    assert "HX-Request" in response.headers["Vary"]
    # wherever the request came from, a generic message goes to the message area
    assert response.headers["HX-Retarget"] == "#messages"
    assert response.headers["HX-Reswap"] == "innerHTML"


async def test_boosted_requests_get_the_whole_page(web_client: httpx.AsyncClient) -> None:
    response = await web_client.get("/nope", headers={**HTMX, "HX-Boosted": "true"})
    assert response.status_code == 404 and "<html" in response.text


async def test_api_404_is_json(web_client: httpx.AsyncClient) -> None:
    response = await web_client.get("/api/v1/nothing", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.json() == {
        "detail": "There is nothing at this address. It may have moved, "
        "or the link may be mistyped."
    }


async def test_wrong_method_is_405_in_the_users_language(web_client: httpx.AsyncClient) -> None:
    response = await web_client.delete("/", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 405
    assert soup(response).h1.text == "请求方式不受支持"  # type: ignore[union-attr]
    assert "该网址不支持这种请求方式" in response.text


@pytest.mark.parametrize("path", ["/", "/healthz", "/readyz", "/favicon.ico"])
async def test_head_is_answered_like_get(web_client: httpx.AsyncClient, path: str) -> None:
    get, head = await web_client.get(path), await web_client.head(path)
    assert head.status_code == get.status_code
    assert head.content == b""


async def test_language_cookie_survives_other_broken_cookies(web_client: httpx.AsyncClient) -> None:
    for cookie in ('x={"a":1}; lms_lang=en', 'a="b; lms_lang=en', "lms_lang=en; junk"):
        response = await web_client.get("/", headers={"Cookie": cookie, "Accept-Language": "zh-CN"})
        assert soup(response).html["lang"] == "en", cookie  # type: ignore[index]


async def test_caching_headers(web_client: httpx.AsyncClient) -> None:
    page = await web_client.get("/")
    vary = {v.strip() for v in page.headers["Vary"].split(",")}
    assert {"Accept-Language", "Cookie", "HX-Request"} <= vary
    assert page.headers["Cache-Control"] == "private, no-cache"
    health = await web_client.get("/healthz")
    assert "Content-Language" not in health.headers
    link = soup(page).find("link", rel="stylesheet")["href"]  # type: ignore[index]
    assert "?v=" in link
    css = await web_client.get(link)
    assert css.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    plain = await web_client.get("/static/css/app.css")
    assert "immutable" not in plain.headers.get("Cache-Control", "")


async def test_error_pages_answering_a_post_do_not_send_the_switch_back_there(
    web_client: httpx.AsyncClient,
) -> None:
    response = await web_client.post(
        "/language", data={"csrf_token": await form_token(web_client), "lang": "xx", "next": "/"}
    )
    assert response.status_code == 422
    assert soup(response).select_one(".lang-switch input[name=next]") is None


@pytest.mark.parametrize("accept", ["zh-CN", "en"])
async def test_over_long_query_string_is_414(web_client: httpx.AsyncClient, accept: str) -> None:
    response = await web_client.get("/?q=" + "长" * 2000, headers={"Accept-Language": accept})
    assert response.status_code == 414
    expected = "网址太长了" if accept == "zh-CN" else "The address is too long"
    assert expected in response.text


async def test_a_long_but_allowed_query_string_is_served(web_client: httpx.AsyncClient) -> None:
    response = await web_client.get("/?q=" + "a" * 1000)
    assert response.status_code == 200


SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/missing"),
        ("GET", "/healthz"),
        ("GET", "/static/css/app.css"),
        ("GET", "/docs"),
        ("GET", "/openapi.json"),
        ("POST", "/language"),
        ("GET", "/?" + "x" * 5000),
    ],
)
async def test_security_headers_on_every_response(
    web_client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await web_client.request(method, path)
    for name, value in SECURITY.items():
        assert response.headers[name] == value
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["default-src"] == "'self'"


@pytest.mark.parametrize("path", ["/", "/missing", "/docs"])
async def test_pages_have_no_inline_script_or_style(
    web_client: httpx.AsyncClient, path: str
) -> None:
    page = soup(await web_client.get(path))
    for script in page.find_all("script"):
        assert script.get("src", "").startswith("/static/"), script
        assert not script.text.strip()
    assert not page.find_all("style")
    for element in page.find_all(True):
        assert "style" not in element.attrs, element
        assert not [a for a in element.attrs if a.startswith(("on", "hx-on", "data-hx-on"))], (
            element
        )
    for link in page.find_all("link", href=True):
        assert link["href"].startswith("/static/"), link  # no CDN, no remote font


async def test_htmx_is_configured_for_a_strict_csp(web_client: httpx.AsyncClient) -> None:
    import json

    page = soup(await web_client.get("/"))
    meta = page.find("meta", attrs={"name": "htmx-config"})
    assert meta is not None
    config = json.loads(meta["content"])
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False
    rules = {rule["code"]: rule for rule in config["responseHandling"]}
    assert rules["^(403|404|413|414|415|429)$"]["target"] == "#messages"
    assert rules["^4..$"]["swap"] is True
    assert rules["^5..$"]["swap"] is False
    assert page.select_one("#messages") is not None
    htmx = page.find("script", src=lambda s: "htmx" in s)
    assert htmx is not None


async def test_static_files_are_vendored_and_served(web_client: httpx.AsyncClient) -> None:
    page = soup(await web_client.get("/"))
    for tag, attr in (("script", "src"), ("link", "href")):
        for element in page.find_all(tag):
            if element.get(attr):
                response = await web_client.get(element[attr])
                assert response.status_code == 200, element[attr]
    vendored = Path(__file__).resolve().parents[2] / "static" / "vendor"
    assert (vendored / "htmx" / "LICENSE").exists()


async def test_docs_are_ours_and_redoc_is_off(web_client: httpx.AsyncClient) -> None:
    docs = await web_client.get("/docs")
    assert docs.status_code == 200
    scripts = [s["src"] for s in soup(docs).find_all("script")]
    assert any("swagger-ui-bundle.js" in s for s in scripts)
    assert (await web_client.get("/redoc")).status_code == 404
    spec = (await web_client.get("/openapi.json")).json()
    assert spec["info"]["version"]


async def test_healthz_touches_nothing(web_client: httpx.AsyncClient) -> None:
    response = await web_client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok"


async def test_readyz_without_a_schema_is_503(web_client: httpx.AsyncClient) -> None:
    response = await web_client.get("/readyz")  # web_settings' database was never migrated
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


async def test_readyz_with_an_unreachable_database_is_503(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path / "var",  # type: ignore[call-arg]
        database_url="postgresql+psycopg://nobody:x@127.0.0.1:1/none",
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/readyz")
    await app.state.database.dispose()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "OperationalError"}


async def test_readyz_on_a_migrated_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


async def test_unexpected_error_is_a_generic_500_in_both_languages(web_settings: Settings) -> None:
    app = create_app(web_settings)

    @app.get("/explode")
    async def explode() -> None:
        raise RuntimeError("secret internals")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        zh = await client.get("/explode", headers={"Accept-Language": "zh-CN"})
        en = await client.get("/explode", headers={"Accept-Language": "en"})
        fragment = await client.get("/explode", headers={**HTMX, "Accept-Language": "en"})
    for response in (zh, en, fragment):
        assert response.status_code == 500
        assert "secret internals" not in response.text and "Traceback" not in response.text
        assert response.headers["X-Frame-Options"] == "DENY"
    assert "系统出了问题" in zh.text
    assert "Something went wrong on our side" in en.text
    assert "<html" not in fragment.text


async def test_refusals_are_403_pages_in_both_languages(web_settings: Settings) -> None:
    from fastapi import HTTPException

    from lms.errors import Forbidden, Invalid
    from lms.i18n import gettext

    app = create_app(web_settings)

    @app.get("/locked")
    async def locked() -> None:
        raise HTTPException(status_code=403)

    @app.get("/rule")
    async def rule() -> None:
        raise Forbidden(gettext("Your account may not do this."))

    @app.post("/api/v1/thing")
    async def api_rule() -> None:
        raise Invalid("hours must be positive", field="hours")

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        zh = await client.get("/locked", headers={"Accept-Language": "zh-CN"})
        en = await client.get("/rule", headers={"Accept-Language": "en"})
        fragment = await client.get("/rule", headers={**HTMX, "Accept-Language": "zh-CN"})
        api = await client.post("/api/v1/thing")
    assert zh.status_code == en.status_code == fragment.status_code == 403
    assert soup(zh).h1.text == "无权操作"  # type: ignore[union-attr]
    assert "你的账号没有权限执行此操作" in zh.text
    assert soup(en).h1.text == "Not allowed"  # type: ignore[union-attr]
    assert "Your account may not do this." in en.text
    assert "<html" not in fragment.text
    assert "你的账号没有权限执行此操作" in fragment.text
    assert api.status_code == 422
    assert api.json() == {"detail": [{"loc": ["body", "hours"], "msg": "hours must be positive"}]}


async def test_trusted_proxy_sets_the_client_address(
    web_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    untrusting = create_app(web_settings)
    trusting = create_app(web_settings.model_copy(update={"trusted_proxies": "127.0.0.1"}))
    caplog.set_level(logging.INFO, logger="lms.request")
    for app in (untrusting, trusting):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await client.get("/healthz", headers=forwarded)
    lines = [r.getMessage() for r in caplog.records if r.name == "lms.request"]
    assert lines[0].endswith(" 127.0.0.1") and lines[1].endswith(" 203.0.113.9")
    assert all("GET /healthz 200 " in line and "ms" in line for line in lines)


async def test_request_log_cannot_be_forged_through_the_path(
    web_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="lms.request")
    await web_client.get("/abc%0A2026-01-01 INFO lms.request: FAKE%1b[31m")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "lms.request"]
    assert "\n" not in line
    assert "\x1b" not in line
    assert "/abc\\x0a2026-01-01 INFO lms.request: FAKE\\x1b[31m 404" in line


async def test_over_large_bodies_are_413_before_anything_reads_them(
    web_settings: Settings,
) -> None:
    app = create_app(web_settings.model_copy(update={"max_body_bytes": 64 * 1024}))
    transport = httpx.ASGITransport(app=app)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        declared = await client.post("/language", content=b"x" * (65 * 1024), headers=form)

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
            for _ in range(20):
                yield b"y" * 8192

        streamed = await client.post("/language", content=chunks(), headers=form)
        small = await client.post("/language", data={"lang": "en"})
    await app.state.database.dispose()
    assert declared.status_code == 413
    assert streamed.status_code == 413
    assert small.status_code == 403  # reaches the CSRF check as usual
