"""Hours added up: per site, per kind of activity and per week for a volunteer, per
volunteer for a cohort. Pure: it takes entries already read."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lms.models.practicum import HourEntry, HourStatus
from lms.practicum.rules import week_of

PENDING = (HourStatus.submitted, HourStatus.needs_info)


@dataclass
class Tally:
    """Minutes approved and pending (submitted or asked about); drafts and rejected
    entries are not claims and count in neither."""

    approved: int = 0
    pending: int = 0
    rejected: int = 0
    entries: int = 0

    def add(self, entry: HourEntry) -> None:
        self.entries += 1
        if entry.status == HourStatus.approved:
            self.approved += entry.minutes
        elif entry.status in PENDING:
            self.pending += entry.minutes
        elif entry.status == HourStatus.rejected:
            self.rejected += entry.minutes

    @property
    def total(self) -> int:
        return self.approved + self.pending

    @property
    def approved_hours(self) -> float:
        return self.approved / 60

    @property
    def pending_hours(self) -> float:
        return self.pending / 60

    @property
    def total_hours(self) -> float:
        return self.total / 60

    @property
    def rejected_hours(self) -> float:
        return self.rejected / 60


@dataclass
class Summary:
    overall: Tally = field(default_factory=Tally)
    by_site: dict[str, Tally] = field(default_factory=dict)
    by_activity: dict[str, Tally] = field(default_factory=dict)
    by_week: dict[date, Tally] = field(default_factory=dict)


def _into(groups: dict[Any, Tally], key: Hashable, entry: HourEntry) -> None:
    groups.setdefault(key, Tally()).add(entry)


def summarise(entries: Iterable[tuple[HourEntry, str]]) -> Summary:
    """(entry, site name) pairs; weeks newest first, sites and activities by hours."""
    summary = Summary()
    for entry, site in entries:
        if entry.status == HourStatus.draft:
            continue
        summary.overall.add(entry)
        _into(summary.by_site, site, entry)
        _into(summary.by_activity, entry.activity, entry)
        _into(summary.by_week, week_of(entry.service_date), entry)

    def by_hours(item: tuple[object, Tally]) -> int:
        return -item[1].total

    summary.by_site = dict(sorted(summary.by_site.items(), key=by_hours))
    summary.by_activity = dict(sorted(summary.by_activity.items(), key=by_hours))
    summary.by_week = dict(sorted(summary.by_week.items(), reverse=True))
    return summary


def per_volunteer(entries: Iterable[tuple[HourEntry, int]]) -> dict[int, Tally]:
    """(entry, volunteer id) pairs → each volunteer's tally."""
    tallies: dict[int, Tally] = {}
    for entry, volunteer_id in entries:
        if entry.status != HourStatus.draft:
            _into(tallies, volunteer_id, entry)
    return tallies
