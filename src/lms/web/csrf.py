"""CSRF: every state-changing form and htmx request carries a token.

The browser holds a random value in the ``lms_csrf`` cookie; the token in forms (hidden
field ``csrf_token``) and in htmx requests (header ``X-CSRF-Token``, set once on
``<body hx-headers>``) is an HMAC of it under the secret key. Another site can make the
browser send the cookie but cannot read it or compute the HMAC. ``/api/v1`` takes bearer
tokens only and needs none.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from starlette.exceptions import HTTPException

from lms.errors import Forbidden
from lms.i18n import gettext as _

COOKIE = "lms_csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _sign(secret_key: str, value: str) -> str:
    return hmac.new(secret_key.encode(), b"csrf:" + value.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token for this browser's forms, creating its cookie value when needed (the
    render helper sets the cookie on the response)."""
    value = request.cookies.get(COOKIE) or getattr(request.state, "new_csrf_cookie", None)
    if not value or len(value) > 100:
        value = secrets.token_urlsafe(32)
        request.state.new_csrf_cookie = value
    return _sign(request.app.state.secret_key, value)


async def verify_csrf(request: Request) -> None:
    """A dependency of every page router: unsafe methods need a valid token."""
    if request.method in SAFE_METHODS:
        return
    cookie = request.cookies.get(COOKIE)
    submitted = request.headers.get(HEADER)
    if submitted is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            try:
                form = await request.form()
            except HTTPException as exc:
                if exc.status_code == 413:  # too large: say so, not "bad token"
                    raise
                form = None
            except Exception:
                form = None
            value = form.get(FIELD) if form is not None else None
            submitted = value if isinstance(value, str) else None
    if (
        not cookie
        or not submitted
        or not hmac.compare_digest(submitted, _sign(request.app.state.secret_key, cookie))
    ):
        raise Forbidden(
            _(
                "This form has expired or did not come from this site. "
                "Reload the page and try again; nothing was changed."
            )
        )
