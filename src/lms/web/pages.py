"""The site's own pages: home, language switch, health, readiness, API docs."""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse
from sqlalchemy import text
from starlette.responses import JSONResponse, Response

from lms import i18n
from lms.i18n import gettext as _
from lms.migrate import head_revision
from lms.paths import resource
from lms.web.auth import optional_user
from lms.web.csrf import verify_csrf
from lms.web.errors import error_response
from lms.web.middleware import LANGUAGE_COOKIE
from lms.web.templating import render

router = APIRouter(
    include_in_schema=False, dependencies=[Depends(verify_csrf), Depends(optional_user)]
)
# Health checks are part of the documented API: load balancers and monitors call them.
operations = APIRouter(tags=["operations"])

LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
READY_TIMEOUT_S = 3.0


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if not target or len(target) > 2000:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(c) < 32 for c in target):
        return "/"
    return target


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
async def home(request: Request) -> Response:
    return render(request, "home.html")


@router.post("/language")
async def switch_language(
    request: Request,
    lang: Annotated[str, Form(max_length=8)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    language = i18n.coerce_language(lang)
    if language is None:
        return error_response(request, 422, _("Unknown language."))
    return set_language_cookie(
        request, RedirectResponse(safe_next(next), status_code=303), language
    )


def set_language_cookie(request: Request, response: Response, language: str) -> Response:
    """Remember the reader's language (the switch, the profile, signing in)."""
    if i18n.coerce_language(language):
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=LANGUAGE_COOKIE_AGE,
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.base_url.startswith("https://"),
        )
    return response


@operations.get("/healthz", response_class=PlainTextResponse, summary="Liveness")
@operations.head("/healthz", include_in_schema=False)
async def healthz() -> str:
    """Liveness: touches nothing. Also the ceiling page benchmarks compare against."""
    return "ok"


@operations.head("/readyz", include_in_schema=False)
@operations.get(
    "/readyz",
    summary="Readiness",
    responses={503: {"description": "The database is unreachable or its schema is not current"}},
)
async def readyz(request: Request) -> JSONResponse:
    """Readiness: the database answers and its schema is the one this code expects."""
    engine = request.app.state.database.engine
    try:
        async with asyncio.timeout(READY_TIMEOUT_S), engine.connect() as connection:
            revision = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception as exc:
        return JSONResponse(
            {"status": "unavailable", "database": type(exc).__name__}, status_code=503
        )
    expected = head_revision()
    if revision != expected:
        return JSONResponse(
            {"status": "unavailable", "schema": revision, "expected": expected}, status_code=503
        )
    return JSONResponse({"status": "ready", "schema": revision})


@router.api_route("/favicon.ico", methods=["GET", "HEAD"])
async def favicon() -> FileResponse:
    """Browsers ask for it whatever the page says; the SVG icon serves them."""
    return FileResponse(
        resource("static") / "img" / "icon.svg",
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/docs", response_class=HTMLResponse)
async def api_docs(request: Request) -> Response:
    """Swagger UI from vendored files, started by a static script (no inline code)."""
    return render(request, "docs.html", {"openapi_url": request.app.openapi_url})
