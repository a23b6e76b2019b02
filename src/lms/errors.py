"""Domain errors. Services raise these; one handler turns them into a page, a fragment or
JSON. Messages are already translated (the request's language is a context variable)."""

from __future__ import annotations


class LMSError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(LMSError):
    status_code = 404


class Forbidden(LMSError):
    status_code = 403


class Conflict(LMSError):
    status_code = 409


class Invalid(LMSError):
    status_code = 422


class FormErrors(Invalid):
    """Field → message, for every field that breaks a rule. Routes with a form show each
    message next to its field; anywhere else it is a 422 like any ``Invalid``."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()), field=next(iter(errors), None))
        self.errors = errors
