"""Every error answer: a page for browsers, a fragment for htmx, JSON for the API.

Never a stack trace; the message is in the request's language.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from lms.errors import FormErrors, LMSError
from lms.i18n import N_, gettext
from lms.web.templating import is_htmx_fragment_request, render

TITLES = {
    400: N_("Bad request"),
    401: N_("Please sign in"),
    403: N_("Not allowed"),
    404: N_("Page not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    413: N_("Too large"),
    414: N_("Address too long"),
    415: N_("Unsupported file type"),
    422: N_("Please check your input"),
    429: N_("Too many requests"),
    500: N_("Something went wrong"),
    503: N_("Temporarily unavailable"),
}

MESSAGES = {
    400: N_("The request could not be understood."),
    401: N_("You need to sign in to see this."),
    403: N_("Your account may not do this."),
    404: N_("There is nothing at this address. It may have moved, or the link may be mistyped."),
    405: N_("This address does not accept that kind of request."),
    409: N_("This conflicts with a change made in the meantime. Reload and try again."),
    413: N_("What you sent is larger than allowed."),
    414: N_("The address is too long. Go back and try a shorter search."),
    415: N_("This kind of file is not accepted."),
    422: N_("Some fields need fixing."),
    429: N_("Too many attempts. Please wait a few minutes and try again."),
    500: N_("Something went wrong on our side. Nothing was saved; please try again."),
    503: N_("The service is not ready. Please try again in a moment."),
}


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(
    request: Request,
    status_code: int,
    message: str | None = None,
    *,
    headers: dict[str, str] | None = None,
) -> Response:
    fallback = 400 if status_code < 500 else 500
    text = message or gettext(MESSAGES.get(status_code, MESSAGES[fallback]))
    if is_api(request):
        return JSONResponse({"detail": text}, status_code=status_code, headers=headers)
    title = gettext(TITLES.get(status_code, TITLES[fallback]))
    if is_htmx_fragment_request(request):
        # A generic message belongs in the page's message area, whatever element asked;
        # routes with messages next to fields render their own fragments instead.
        headers = {**(headers or {}), "HX-Retarget": "#messages", "HX-Reswap": "innerHTML"}
    return render(
        request,
        "errors/error.html",
        {"status_code": status_code, "title": title, "message": text},
        block="message",
        status_code=status_code,
        headers=headers,
    )


def login_required(request: Request) -> Response:
    """The API says 401 with a Bearer challenge; a page sends the browser to sign in and
    brings it back afterwards."""
    if is_api(request):
        return JSONResponse(
            {"detail": gettext(N_("Send a valid API token: Authorization: Bearer <token>."))},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    login = "/login?" + urlencode({"next": target}) if target != "/" else "/login"
    if is_htmx_fragment_request(request):
        return Response(status_code=401, headers={"HX-Redirect": login})
    return RedirectResponse(login, status_code=303)


def _reason_phrase(status_code: int) -> str | None:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return None


async def render_error(request: Request, status_code: int) -> Response:
    return error_response(request, status_code)


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    # Our own routes raise HTTPException with a message meant for the user; Starlette and
    # FastAPI raise it with the English reason phrase ("Not Found"), which we replace.
    detail: str | None = exc.detail if isinstance(exc.detail, str) else None
    if detail and detail == _reason_phrase(exc.status_code):
        detail = None
    headers = dict(exc.headers) if exc.headers else None
    return error_response(request, exc.status_code, detail, headers=headers)


async def lms_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LMSError)
    from lms.accounts.service import Throttled
    from lms.web.auth import LoginRequired

    if isinstance(exc, LoginRequired):
        return login_required(request)
    if isinstance(exc, Throttled):
        return error_response(
            request, 429, exc.message, headers={"Retry-After": str(exc.retry_after)}
        )
    if is_api(request) and isinstance(exc, FormErrors):
        body: Any = {
            "detail": [
                {"loc": ["body", field], "msg": message} for field, message in exc.errors.items()
            ]
        }
        return JSONResponse(body, status_code=exc.status_code)
    if is_api(request) and exc.field:
        body = {"detail": [{"loc": ["body", exc.field], "msg": exc.message}]}
        return JSONResponse(body, status_code=exc.status_code)
    return error_response(request, exc.status_code, exc.message)


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if is_api(request):
        return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
    return error_response(request, 422)


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, http_exception)
    app.add_exception_handler(LMSError, lms_error)
    app.add_exception_handler(RequestValidationError, validation_error)
