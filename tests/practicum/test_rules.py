"""The rules of an entry's fields at a fixed moment, without a database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from lms.errors import FormErrors
from lms.practicum.rules import Rules, check_fields, is_backfilled, merged

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 15, 10, tzinfo=ZONE)


@dataclass(frozen=True)
class At(Rules):
    def now(self) -> datetime:
        return NOW


RULES = At(zone=ZONE)


def fields(**changes: object) -> dict[str, object]:
    return {
        "date": "2026-11-19",
        "start": "14:00",
        "end": "17:00",
        "site": "1",
        "activity": "training",
        "description": "参加培训",
        **changes,
    }


def problems(**changes: object) -> dict[str, str]:
    with pytest.raises(FormErrors) as refused:
        check_fields(fields(**changes), rules=RULES, site_ids={1})
    return refused.value.errors


def test_an_end_later_today_has_not_come_yet() -> None:
    assert "not come yet" in problems(date="2026-11-20", end="15:30")["end"]
    done = check_fields(fields(date="2026-11-20", end="15:00"), rules=RULES, site_ids={1})
    assert done.minutes == 60


def test_the_age_limit_is_counted_in_local_days() -> None:
    assert check_fields(fields(date="2025-11-20"), rules=RULES, site_ids={1})
    assert "365 days" in problems(date="2025-11-19")["date"]
    assert "future" in problems(date="2026-11-21")["date"]


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        ("14:05", "17:00", 180),
        ("14:00", "14:08", 15),
        ("09:00", "09:52", 45),
        ("00:00", "23:59", 1440),
    ],
)
def test_times_count_to_the_nearest_quarter(start: str, end: str, minutes: int) -> None:
    day = "2026-11-18"
    assert (
        check_fields(fields(date=day, start=start, end=end), rules=RULES, site_ids={1}).minutes
        == minutes
    )


def test_backfilled_is_more_than_the_limit_after_the_service() -> None:
    logged = datetime(2026, 11, 20, 23, 30, tzinfo=ZONE)
    assert not is_backfilled(date(2026, 11, 6), logged, RULES)
    assert is_backfilled(date(2026, 11, 5), logged, RULES)


def test_merged_changes_swap_times_and_hours() -> None:
    current = check_fields(fields(), rules=RULES, site_ids={1})
    by_hours = merged(current, {"hours": "2"})
    assert (by_hours["start"], by_hours["end"], by_hours["hours"]) == (None, None, "2")
    by_times = merged(
        check_fields(fields(start=None, end=None, hours="2"), rules=RULES, site_ids={1}),
        {"start": "09:00", "end": "10:00"},
    )
    assert by_times["hours"] is None
    assert check_fields(by_times, rules=RULES, site_ids={1}).minutes == 60
