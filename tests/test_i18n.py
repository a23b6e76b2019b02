from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from lms import i18n

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-GB,en;q=0.9", "en"),
        ("ug-CN, zh;q=0.5", "zh"),  # Uyghur UI is not offered: the next choice wins
        ("bo, en;q=0.3", "en"),
        ("de", "en"),  # a browser that wants neither of ours reads English
        ("ja-JP, ko;q=0.8", "en"),
        ("", "zh"),
        ("*", "zh"),
        ("-, --", "zh"),  # junk is no preference
        ("EN", "en"),
        ("zh_TW", "zh"),
        (None, "zh"),
    ],
)
def test_negotiate(header: str | None, expected: str) -> None:
    assert i18n.negotiate(header, "zh") == expected


@given(st.text(max_size=700))
def test_negotiate_never_fails_on_any_header(header: str) -> None:
    assert i18n.negotiate(header, "en") in ("zh", "en")


def test_dates_are_shown_in_the_configured_zone() -> None:
    moment = datetime(2026, 3, 5, 17, 30, tzinfo=UTC)  # 01:30 next day in Shanghai
    shanghai = ZoneInfo("Asia/Shanghai")
    token = i18n.current_language.set("zh")
    try:
        assert i18n.format_day(moment, shanghai) == "2026年3月6日"
        assert "01:30" in i18n.format_when(moment, shanghai)
    finally:
        i18n.current_language.reset(token)
    token = i18n.current_language.set("en")
    try:
        assert i18n.format_day(moment, shanghai) == "March 6, 2026"
    finally:
        i18n.current_language.reset(token)


def test_every_interface_string_has_a_chinese_translation() -> None:
    """Extracted the way `make messages` does; a new string without a translation fails."""
    method_map = [("src/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = {
        message[0] if isinstance(message, tuple) else message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=keywords
        )
    }
    with (ROOT / "src/lms/locale/zh/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = set()
    for m in catalog:
        forms = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.id and all(forms) and not m.fuzzy:
            translated.add(m.id[0] if isinstance(m.id, tuple) else m.id)
    assert found, "extraction found nothing: the check would be vacuous"
    assert sorted(found - translated) == []


def test_the_language_is_per_context_not_global() -> None:
    token = i18n.current_language.set("en")
    try:
        assert i18n.gettext("Page not found") == "Page not found"
    finally:
        i18n.current_language.reset(token)
    token = i18n.current_language.set("zh")
    try:
        assert i18n.gettext("Page not found") == "页面不存在"
    finally:
        i18n.current_language.reset(token)


def test_front_matter_problems_are_in_the_readers_language() -> None:
    from pathlib import Path

    from lms.courses.source import ModuleMeta, validated
    from lms.i18n import current_language

    token = current_language.set("zh")
    try:
        problems: list = []  # type: ignore[type-arg]
        validated(ModuleMeta, {"minutes": 0}, "title:\nminutes: 0", Path("01-a.md"), problems)
    finally:
        current_language.reset(token)
    messages = sorted(p.message for p in problems)
    assert messages == ["minutes: 不能小于 1", "title: 这一项必须填写"]
