"""ASGI middleware, written against the raw protocol (no BaseHTTPMiddleware: it costs a
task per request and breaks context variables)."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request, cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lms import i18n
from lms.config import Settings

log = logging.getLogger("lms.request")

LANGUAGE_COOKIE = "lms_lang"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def printable(text: str, limit: int = 300) -> str:
    """A request path as one safe log line: control characters escaped, length capped."""
    escaped = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text[:limit])
    return escaped + ("…" if len(text) > limit else "")


class RequestLogMiddleware:
    """One log line per request: method, path, status, milliseconds, client."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            client = scope.get("client")
            log.info(
                "%s %s %d %.1fms %s",
                scope["method"],
                printable(scope["path"]),
                status,
                elapsed,
                client[0] if client else "-",
            )


class LanguageMiddleware:
    """Chooses the request's language: the remembered cookie, else Accept-Language.

    HTML answers say which language they are in and that they vary by it; HTML also
    varies by the cookie, so a shared cache must not hand one user's page to another.
    """

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.default = settings.default_language

    def choose(self, headers: list[tuple[bytes, bytes]]) -> i18n.Language:
        cookies: dict[str, str] = {}
        accept = ""
        for name, value in headers:
            if name == b"cookie":
                cookies.update(cookie_parser(value.decode("latin-1")))
            elif name == b"accept-language":
                accept = value.decode("latin-1")
        chosen = i18n.coerce_language(cookies.get(LANGUAGE_COOKIE))
        return chosen or i18n.negotiate(accept, self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        language = self.choose(scope["headers"])
        token = i18n.current_language.set(language)
        scope.setdefault("state", {})["language"] = language

        async def describe_html(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Language", i18n.HTML_LANG[language])
                    headers.add_vary_header("Accept-Language")
                    headers.add_vary_header("Cookie")
                    headers.setdefault("Cache-Control", "private, no-cache")
            await send(message)

        try:
            await self.app(scope, receive, describe_html)
        finally:
            i18n.current_language.reset(token)


ErrorRenderer = Callable[[Request, int], Awaitable[Any]]


class RequestLimitMiddleware:
    """An over-long query string is a 414 and an over-large body a 413, answered before
    any route (or the CSRF check) reads them."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        query_limit: int,
        body_limit: int,
        render_error: ErrorRenderer,
        upload_limits: Sequence[tuple[re.Pattern[str], int]] = (),
    ) -> None:
        self.app = app
        self.query_limit = query_limit
        self.body_limit = body_limit
        self.render_error = render_error
        self.upload_limits = upload_limits

    def limit_for(self, path: str) -> int:
        """Routes that take files have their own limit (the evidence of an hour entry)."""
        for pattern, limit in self.upload_limits:
            if pattern.fullmatch(path):
                return limit
        return self.body_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("query_string", b"")) > self.query_limit:
            await self._refuse(scope, receive, send, 414)
            return
        body_limit = self.limit_for(scope.get("path", ""))
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > body_limit):
            await self._refuse(scope, receive, send, 413)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > body_limit:  # a chunked body that does not say its size
                    raise BodyTooLarge()
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, 413)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int) -> None:
        response = await self.render_error(Request(scope, receive), status)
        await response(scope, receive, send)


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a body passes the limit. An HTTPException, so that
    FastAPI's body parsing passes it on (it turns other errors into a 400)."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


class ServerErrorMiddleware:
    """The last net: an unexpected exception becomes a generic 500 page in the user's
    language (with the security headers), and the traceback goes to the log only.

    Starlette's own ServerErrorMiddleware sits outside every user middleware, so its
    answer would miss the language and the headers; this one sits inside them.
    """

    def __init__(self, app: ASGIApp, *, render_error: ErrorRenderer) -> None:
        self.app = app
        self.render_error = render_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def track(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, track)
        except Exception:
            logging.getLogger("lms.error").exception(
                "unhandled error on %s %s", scope["method"], scope["path"]
            )
            if started:
                raise
            response = await self.render_error(Request(scope, receive), 500)
            await response(scope, receive, send)
