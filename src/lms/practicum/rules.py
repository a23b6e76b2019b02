"""What an hour entry must be, without the database: its fields read from a form or a
JSON body, each broken rule a message next to its field.

China's rules for volunteer service records ask that a record be true, accurate,
complete and timely. Here that means: a real date, not in the future and not older than
the configured limit; actual service time in quarter hours, from the start and end
times when they are known; a known site and category; a description of what was done.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from lms.config import Settings
from lms.errors import FormErrors
from lms.i18n import N_
from lms.i18n import gettext as _
from lms.models.practicum import DESCRIPTION_MAX, REASON_MAX, Activity, HourStatus

QUARTER = 15  # minutes
DAY = 24 * 60
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
FIELDS = ("date", "start", "end", "hours", "site", "activity", "description")

ACTIVITY_TITLES = {
    Activity.direct_service: N_("Direct service"),
    Activity.group_activity: N_("Group activity"),
    Activity.supervision: N_("Supervision"),
    Activity.training: N_("Training"),
    Activity.community_work: N_("Community work"),
    Activity.other: N_("Other"),
}
STATUS_TITLES = {
    HourStatus.draft: N_("Draft"),
    HourStatus.submitted: N_("Submitted"),
    HourStatus.needs_info: N_("Needs information"),
    HourStatus.approved: N_("Approved"),
    HourStatus.rejected: N_("Rejected"),
}
FIELD_LABELS = {
    "date": N_("Date"),
    "start": N_("From"),
    "end": N_("To"),
    "hours": N_("Hours"),
    "site": N_("Site"),
    "activity": N_("Activity"),
    "description": N_("Description"),
}
EVENT_LABELS = {
    "hours.create": N_("Logged"),
    "hours.update": N_("Changed"),
    "hours.submit": N_("Submitted"),
    "hours.delete": N_("Deleted"),
    "hours.approved": N_("Approved"),
    "hours.rejected": N_("Rejected"),
    "hours.needs_info": N_("Asked for information"),
    "hours.evidence.add": N_("Evidence added"),
    "hours.correction.request": N_("Correction asked for"),
    "hours.correction.accept": N_("Correction accepted"),
    "hours.correction.decline": N_("Correction declined"),
}
EDITABLE = (HourStatus.draft, HourStatus.submitted, HourStatus.needs_info)
COUNTED = (HourStatus.draft, HourStatus.submitted, HourStatus.needs_info, HourStatus.approved)


def activity_title(code: str) -> str:
    return _(ACTIVITY_TITLES[Activity(code)]) if code in ACTIVITY_TITLES else code


def field_label(name: str) -> str:
    return _(FIELD_LABELS[name]) if name in FIELD_LABELS else name


def event_label(action: str) -> str:
    return _(EVENT_LABELS[action]) if action in EVENT_LABELS else action


def status_title(code: str) -> str:
    return _(STATUS_TITLES[HourStatus(code)]) if code in STATUS_TITLES else code


@dataclass(frozen=True)
class Rules:
    zone: ZoneInfo
    backfill_days: int = 14
    max_age_days: int = 365

    @classmethod
    def of(cls, settings: Settings) -> Rules:
        return cls(
            zone=settings.zone,
            backfill_days=settings.hours_backfill_days,
            max_age_days=settings.hours_max_age_days,
        )

    def now(self) -> datetime:
        return datetime.now(self.zone)


@dataclass(frozen=True)
class Fields:
    """An entry's fields, checked. ``start`` and ``end`` are both set or both None."""

    service_date: date
    start: time | None
    end: time | None
    minutes: int
    site_id: int
    activity: str
    description: str

    def as_form(self) -> dict[str, Any]:
        """The JSON shape of the API (and of a correction's ``changes``)."""
        return {
            "date": self.service_date.isoformat(),
            "start": self.start.strftime("%H:%M") if self.start else None,
            "end": self.end.strftime("%H:%M") if self.end else None,
            "hours": hours(self.minutes),
            "site": self.site_id,
            "activity": self.activity,
            "description": self.description,
        }


def hours(minutes: int) -> float:
    return minutes / 60


def is_backfilled(service_date: date, logged_at: datetime, rules: Rules) -> bool:
    """Logged more than ``backfill_days`` after the service (in the local calendar)."""
    return (logged_at.astimezone(rules.zone).date() - service_date).days > rules.backfill_days


def _text(value: Any) -> str | None:
    """A form's or JSON's string, stripped; None when missing or empty; not a string: ''."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return "\x00"  # a list or an object: no field accepts it, each says so its own way
    text = str(value).strip()
    return text or None


def _date(value: Any, rules: Rules, problems: dict[str, str]) -> date | None:
    text = _text(value)
    if text is None:
        problems["date"] = _("Enter the date of the service.")
        return None
    if not DATE.fullmatch(text):
        problems["date"] = _("Write the date as YYYY-MM-DD, e.g. 2026-11-20.")
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        problems["date"] = _("%(date)s is not a date on the calendar.") % {"date": text}
        return None
    today = rules.now().date()
    if day > today:
        problems["date"] = _("The date is in the future. Log service after it has happened.")
    elif (today - day).days > rules.max_age_days:
        problems["date"] = _(
            "The date is more than %(days)d days ago: service that old cannot be logged here. "
            "Ask your coordinator."
        ) % {"days": rules.max_age_days}
    return day


def _clock(name: str, value: Any, problems: dict[str, str]) -> time | None:
    text = _text(value)
    if text is None:
        return None
    match = CLOCK.fullmatch(text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        problems[name] = _("Write the time as HH:MM on the 24-hour clock, e.g. 14:30.")
        return None
    return time(int(match[1]), int(match[2]))


def _hours(value: Any, problems: dict[str, str]) -> int | None:
    text = _text(value)
    if text is None:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        problems["hours"] = _("Enter the hours as a number, e.g. 2.5.")
        return None
    if number <= 0:
        problems["hours"] = _("Hours must be more than zero.")
        return None
    if number > 24:
        problems["hours"] = _("One entry cannot be more than 24 hours.")
        return None
    minutes = number * 60
    if minutes % QUARTER:
        problems["hours"] = _("Hours are counted in quarter hours: 0.25, 0.5, 0.75, 1, 1.25 …")
        return None
    return int(minutes)


def _minutes_between(start: time, end: time) -> int:
    """Service time from the clock, to the nearest quarter hour (14:05–17:00 is 3 h)."""
    span = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return round(span / QUARTER) * QUARTER


def check_fields(raw: Mapping[str, Any], *, rules: Rules, site_ids: set[int]) -> Fields:
    """The fields of an entry, or FormErrors naming every field that breaks a rule.

    ``raw`` has the keys of ``FIELDS`` (missing ones count as empty); ``site_ids`` are
    the sites an entry may name."""
    problems: dict[str, str] = {}
    day = _date(raw.get("date"), rules, problems)
    start = _clock("start", raw.get("start"), problems)
    end = _clock("end", raw.get("end"), problems)
    minutes = _hours(raw.get("hours"), problems)
    has_times = _text(raw.get("start")) is not None or _text(raw.get("end")) is not None
    if has_times and "start" not in problems and "end" not in problems:
        if start is None:
            problems["start"] = _("Enter the start time too, or leave both times empty.")
        elif end is None:
            problems["end"] = _("Enter the end time too, or leave both times empty.")
        elif end <= start:
            problems["end"] = _(
                "The end time must be after the start time (service past midnight is two "
                "entries, one on each day)."
            )
        elif _text(raw.get("hours")) is not None:
            problems["hours"] = _("Give the start and end times or the hours, not both.")
        else:
            minutes = _minutes_between(start, end)
            if minutes == 0:
                problems["end"] = _("That is less than a quarter hour of service.")
            elif day is not None and "date" not in problems:
                now = rules.now()
                if day == now.date() and end > now.time().replace(tzinfo=None):
                    problems["end"] = _("The end time has not come yet today.")
    elif not has_times and minutes is None and "hours" not in problems:
        problems["hours"] = _(
            "Enter the start and end times, or the hours when you do not know them."
        )

    site_id = _site(raw.get("site"), site_ids, problems)
    activity = _text(raw.get("activity"))
    if activity is None:
        problems["activity"] = _("Choose the kind of activity.")
    elif activity not in Activity.__members__:
        problems["activity"] = _("Unknown activity %(code)s. Use one of: %(codes)s.") % {
            "code": activity[:40],
            "codes": ", ".join(Activity.__members__),
        }
    description = raw.get("description")
    text = description.strip() if isinstance(description, str) else None
    if not text:
        problems["description"] = _("Describe what you did, in a sentence or two.")
    elif len(text) > DESCRIPTION_MAX:
        problems["description"] = _("Keep the description to %(max)d characters (now %(n)d).") % {
            "max": DESCRIPTION_MAX,
            "n": len(text),
        }
    if problems:
        raise FormErrors(problems)
    assert day is not None and minutes is not None and site_id is not None
    assert activity is not None and text is not None
    return Fields(day, start, end, minutes, site_id, activity, text)


def _site(value: Any, site_ids: set[int], problems: dict[str, str]) -> int | None:
    text = _text(value)
    if text is None:
        problems["site"] = _("Choose the placement site.")
        return None
    if not text.isascii() or not text.isdigit() or int(text) not in site_ids:
        problems["site"] = _("There is no placement site %(site)s.") % {"site": text[:40]}
        return None
    return int(text)


def merged(current: Fields, changes: Mapping[str, Any]) -> dict[str, Any]:
    """An entry's fields with ``changes`` over them, ready for ``check_fields``. Hours
    replace the times, and times replace the hours."""
    values: dict[str, Any] = current.as_form()
    if current.start is not None:
        values["hours"] = None
    if "hours" in changes:
        values["start"] = values["end"] = None
    if "start" in changes or "end" in changes:
        values["hours"] = None
    values.update({key: changes[key] for key in FIELDS if key in changes})
    return values


def check_reason(value: Any, *, required: bool, field: str = "reason") -> str | None:
    text = value.strip() if isinstance(value, str) else None
    if not text:
        if required:
            raise FormErrors({field: _("Give a reason: the volunteer will read it.")})
        return None
    if len(text) > REASON_MAX:
        raise FormErrors(
            {
                field: _("Keep it to %(max)d characters (now %(n)d).")
                % {"max": REASON_MAX, "n": len(text)}
            }
        )
    return text


def overlaps(a: Fields, b: Fields) -> bool:
    if a.service_date != b.service_date or None in (a.start, a.end, b.start, b.end):
        return False
    assert a.start and a.end and b.start and b.end
    return a.start < b.end and b.start < a.end


def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())
