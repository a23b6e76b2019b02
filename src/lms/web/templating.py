"""The shared Jinja environment and the one ``render`` helper.

``render`` returns the whole page, or for an htmx request the named block alone
(jinja2-fragments), so one template file serves both. Boosted requests and history
restores get the whole page: htmx swaps the body and needs the layout.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from typing import Any, ClassVar

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2_fragments import render_block
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from lms import __version__, i18n
from lms.config import Settings
from lms.i18n import N_
from lms.paths import resource
from lms.web.csrf import COOKIE, csrf_token


@cache
def static_version(path: str) -> str:
    """A content hash for cache-busting, read once per process."""
    digest = hashlib.sha256((resource("static") / path).read_bytes()).hexdigest()
    return digest[:10]


def static_url(path: str) -> str:
    return f"/static/{path}?v={static_version(path)}"


class RoleNames:
    """Role codes to names in the reader's language, looked up when rendered."""

    NAMES: ClassVar[dict[str, str]] = {
        "volunteer": N_("Volunteer"),
        "trainer": N_("Trainer"),
        "coordinator": N_("Coordinator"),
        "admin": N_("Administrator"),
    }

    def __getitem__(self, role: str) -> str:
        return i18n.gettext(self.NAMES[role]) if role in self.NAMES else role


LANGUAGES = (("zh", "中文"), ("en", "English"))  # each in its own script, for the switch


def build_environment(settings: Settings) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(resource("templates"))),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        enable_async=False,
        auto_reload=False,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True
    )
    env.globals.update(
        static=static_url,
        version=__version__,
        languages=LANGUAGES,
        language_names=dict(LANGUAGES),
        current_language=i18n.current_language.get,
        html_lang=i18n.html_lang,
        html_langs=i18n.HTML_LANG,
        role_names=RoleNames(),
    )

    def when(value: datetime, style: str = "medium") -> str:
        return i18n.format_when(value, settings.zone, style=style)

    def day(value: datetime, style: str = "long") -> str:
        return i18n.format_day(value, settings.zone, style=style)

    env.filters.update(
        when=when,
        day=day,
        number=i18n.format_number,
        language_name=lambda code: dict(LANGUAGES).get(code, code),
    )
    return env


def is_htmx_fragment_request(request: Request) -> bool:
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    env: Environment = request.app.state.templates
    values = {
        "request": request,
        "user": getattr(request.state, "viewer", None),
        "csrf_token": csrf_token(request),
        **(context or {}),
    }
    if block is not None and is_htmx_fragment_request(request):
        html = render_block(env, template, block, values)
    else:
        html = env.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    response.headers.append("Vary", "HX-Request")
    set_csrf_cookie(request, response)
    return response


def redirect(request: Request, url: str) -> Response:
    """After a successful form: 303 for a plain form; for htmx, ``HX-Redirect`` so the
    browser loads the next page itself instead of swapping it into the form."""
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=200, headers={"HX-Redirect": url})
    return Response(status_code=303, headers={"Location": url})


def set_csrf_cookie(request: Request, response: Response) -> None:
    if new := getattr(request.state, "new_csrf_cookie", None):
        response.set_cookie(
            COOKIE,
            new,
            httponly=True,
            samesite="lax",
            path="/",
            secure=request.app.state.settings.base_url.startswith("https://"),
        )
