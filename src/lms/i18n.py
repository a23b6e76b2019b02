"""Languages: the request's language in a context variable, gettext from Babel catalogues.

The Jinja environment is shared by every request, so translations are never installed
on it per request; its gettext callables read ``current_language`` instead. Services
and the CLI use the same functions.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import datetime
from functools import cache
from gettext import GNUTranslations, NullTranslations
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from lms.config import LANGUAGES, Language
from lms.models.base import as_utc
from lms.paths import LOCALE_DIR

log = logging.getLogger(__name__)

current_language: ContextVar[Language] = ContextVar("current_language", default="zh")
BABEL_LOCALES: dict[Language, str] = {"zh": "zh_Hans_CN", "en": "en"}
HTML_LANG: dict[Language, str] = {"zh": "zh-CN", "en": "en"}  # lang="" and Content-Language
MAX_ACCEPT_LANGUAGE = 512
LANGUAGE_RANGE = re.compile(r"[a-z]{1,8}(-[a-z0-9]{1,8})*|\*")  # RFC 4647, ASCII only


@cache
def translations(language: Language) -> NullTranslations:
    """The catalogue of ``language``: the compiled .mo, or the .po compiled in memory."""
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    mo, po = folder / "messages.mo", folder / "messages.po"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return GNUTranslations(handle)
    if po.exists():
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=BABEL_LOCALES[language])
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return GNUTranslations(buffer)
    return NullTranslations()


def gettext(message: str) -> str:
    return translations(current_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language.get()).ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    return message


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags in the order the browser prefers them; junk is skipped, not fatal."""
    if not header or len(header) > MAX_ACCEPT_LANGUAGE:
        return []
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        tag = tag.strip().lower().replace("_", "-")
        if not LANGUAGE_RANGE.fullmatch(tag):
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = -1.0
        if 0 < quality <= 1:
            ranked.append((-quality, position, tag))
    return [tag for _q, _p, tag in sorted(ranked)]


def negotiate(header: str | None, default: Language) -> Language:
    """``zh``, ``zh-CN``, ``zh-Hans``… give Chinese; ``en-*`` English. A browser that asks
    only for languages we lack (``de``, ``ug``) reads English, the second language of our
    users; ``default`` serves a missing header, ``*`` and junk."""
    tags = parse_accept_language(header)
    for tag in tags:
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
        if primary == "*":
            return default
    return "en" if tags else default


def html_lang() -> str:
    return HTML_LANG[current_language.get()]


def coerce_language(value: str | None) -> Language | None:
    return value if value in LANGUAGES else None


def format_when(value: datetime, zone: ZoneInfo, *, style: str = "medium") -> str:
    """A moment in the configured time zone, in the current language's conventions."""
    locale = BABEL_LOCALES[current_language.get()]
    return str(format_datetime(as_utc(value), format=style, tzinfo=zone, locale=locale))


def format_day(value: datetime, zone: ZoneInfo, *, style: str = "long") -> str:
    locale = BABEL_LOCALES[current_language.get()]
    return str(format_date(as_utc(value).astimezone(zone), format=style, locale=locale))


def format_number(value: float) -> str:
    """1,234.5 or 2 (no trailing .0), in the current language's conventions."""
    return str(
        format_decimal(value, format="#,##0.#", locale=BABEL_LOCALES[current_language.get()])
    )


def field_problem(error: Mapping[str, Any]) -> str:
    """A pydantic validation error of a file's field (front matter, pathway YAML) in the
    reader's language; pydantic's own English for the rare kinds not listed."""
    kind, ctx = error.get("type", ""), dict(error.get("ctx") or {})
    if kind == "extra_forbidden":
        return gettext("unknown field (a typo?)")
    if kind == "missing":
        return gettext("this field is required")
    if kind in ("string_too_short", "too_short") and ctx.get("min_length") == 1:
        return gettext("must not be empty")
    if kind == "string_too_short":
        return gettext("must have at least %(count)s characters") % {"count": ctx["min_length"]}
    if kind == "string_too_long":
        return gettext("must have at most %(count)s characters") % {"count": ctx["max_length"]}
    if kind == "too_short":
        return gettext("needs at least %(count)s items") % {"count": ctx["min_length"]}
    if kind == "too_long":
        return gettext("has more than %(count)s items") % {"count": ctx["max_length"]}
    limits = {
        "greater_than_equal": ("ge", gettext("must be %(limit)s or more")),
        "greater_than": ("gt", gettext("must be more than %(limit)s")),
        "less_than_equal": ("le", gettext("must be %(limit)s or less")),
        "less_than": ("lt", gettext("must be less than %(limit)s")),
    }
    if kind in limits:
        key, message = limits[kind]
        return message % {"limit": format_number(ctx[key])}
    simple = {
        "int_parsing": gettext("must be a whole number"),
        "int_from_float": gettext("must be a whole number"),
        "int_type": gettext("must be a whole number"),
        "float_parsing": gettext("must be a number"),
        "float_type": gettext("must be a number"),
        "string_type": gettext("must be text"),
        "bool_parsing": gettext("must be true or false"),
        "bool_type": gettext("must be true or false"),
        "dict_type": gettext("must be key: value lines"),
        "list_type": gettext("must be a list, e.g. [zh, en]"),
    }
    if kind in simple:
        return simple[kind]
    if kind == "literal_error":
        return gettext("must be one of %(choices)s") % {"choices": ctx.get("expected", "")}
    if kind == "string_pattern_mismatch":
        return gettext("has characters or a form not allowed here (%(pattern)s)") % {
            "pattern": ctx.get("pattern", "")
        }
    return str(error.get("msg", ""))
