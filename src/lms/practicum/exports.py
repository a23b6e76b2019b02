"""A cohort's hours for coordinators and funders: every entry (drafts are private and
left out) with its status and decider, and a summary per volunteer. CSV in UTF-8 with a
BOM, so Excel shows Chinese; XLSX with both tables as sheets."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col
from starlette.responses import Response

from lms.cohorts.roster import spreadsheet_safe
from lms.i18n import gettext as _
from lms.models.accounts import User
from lms.models.base import as_utc
from lms.models.cohorts import Cohort, CohortMember
from lms.models.practicum import HourCorrection, HourEntry, HourEvidence, HourStatus, Site
from lms.practicum.rules import activity_title, status_title
from lms.practicum.summary import Tally, per_volunteer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Table:
    title: str
    header: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class CohortHours:
    entries: Table
    summary: Table


async def cohort_hours(session: AsyncSession, *, cohort: Cohort, zone: ZoneInfo) -> CohortHours:
    member = aliased(CohortMember)
    decider = aliased(User)
    evidence = (
        select(func.count())
        .where(col(HourEvidence.entry_id) == col(HourEntry.id))
        .correlate(HourEntry)
        .scalar_subquery()
    )
    corrections = (
        select(func.count())
        .where(col(HourCorrection.entry_id) == col(HourEntry.id))
        .correlate(HourEntry)
        .scalar_subquery()
    )
    query = (
        select(HourEntry, User, Site, decider, evidence, corrections)
        .join(User, col(User.id) == col(HourEntry.volunteer_id))
        .join(member, col(member.user_id) == col(User.id))
        .join(Site, col(Site.id) == col(HourEntry.site_id))
        .outerjoin(decider, col(decider.id) == col(HourEntry.decided_by_id))
        .where(
            col(member.cohort_id) == cohort.id,
            col(member.role) == "volunteer",
            col(HourEntry.status) != HourStatus.draft,
        )
        .order_by(col(User.username), col(HourEntry.service_date), col(HourEntry.start_time))
    )
    found = (await session.execute(query)).all()
    entries = Table(
        _("Entries"),
        [
            _("Entry"),
            _("Username"),
            _("Name"),
            _("Student ID"),
            _("Date"),
            _("Start"),
            _("End"),
            _("Hours"),
            _("Site"),
            _("Activity"),
            _("Description"),
            _("Status"),
            _("Submitted at"),
            _("Decided by"),
            _("Decided at"),
            _("Question or reason"),
            _("Evidence files"),
            _("Corrections"),
        ],
        [
            [
                entry.id,
                volunteer.username,
                volunteer.name,
                volunteer.student_id or "",
                entry.service_date.isoformat(),
                entry.start_time.strftime("%H:%M") if entry.start_time else "",
                entry.end_time.strftime("%H:%M") if entry.end_time else "",
                entry.minutes / 60,
                site.name,
                activity_title(entry.activity),
                entry.description,
                status_title(entry.status),
                _local(entry.submitted_at, zone),
                who.name if who else "",
                _local(entry.decided_at, zone),
                entry.question or "",
                int(files),
                int(changes),
            ]
            for entry, volunteer, site, who, files, changes in found
        ],
    )
    volunteers = (
        await session.scalars(
            select(User)
            .join(CohortMember, col(CohortMember.user_id) == col(User.id))
            .where(col(CohortMember.cohort_id) == cohort.id, col(CohortMember.role) == "volunteer")
            .order_by(col(User.username))
        )
    ).all()
    tallies = per_volunteer((entry, volunteer.id or 0) for entry, volunteer, *_rest in found)
    summary = Table(
        _("Per volunteer"),
        [
            _("Username"),
            _("Name"),
            _("Student ID"),
            _("Approved hours"),
            _("Pending hours"),
            _("Rejected hours"),
            _("Entries"),
        ],
        [
            [
                person.username,
                person.name,
                person.student_id or "",
                tally.approved_hours,
                tally.pending_hours,
                tally.rejected_hours,
                tally.entries,
            ]
            for person in volunteers
            for tally in [tallies.get(person.id or 0, Tally())]
        ],
    )
    return CohortHours(entries, summary)


def _local(value: Any, zone: ZoneInfo) -> str:
    return as_utc(value).astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""


def _cell(value: Any) -> Any:
    return spreadsheet_safe(value) if isinstance(value, str) else value


def csv_text(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow([f"{cell:g}" if isinstance(cell, float) else _cell(cell) for cell in row])
    return "\ufeff" + buffer.getvalue()


def xlsx_bytes(tables: list[Table]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(title=table.title[:31])
        sheet.append(table.header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_cell(cell) for cell in row])
        sheet.freeze_panes = "A2"
        for index, name in enumerate(table.header, start=1):
            longest = max([len(str(name))] + [len(str(r[index - 1])) for r in table.rows[:200]])
            sheet.column_dimensions[get_column_letter(index)].width = min(60, max(8, longest + 2))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def response(data: CohortHours, *, cohort_code: str, kind: str, part: str) -> Response:
    headers = {"Cache-Control": "no-store"}
    if kind == "xlsx":
        headers["Content-Disposition"] = f'attachment; filename="{cohort_code}-hours.xlsx"'
        return Response(xlsx_bytes([data.entries, data.summary]), media_type=XLSX, headers=headers)
    table = data.summary if part == "summary" else data.entries
    suffix = "-summary" if part == "summary" else ""
    headers["Content-Disposition"] = f'attachment; filename="{cohort_code}-hours{suffix}.csv"'
    return Response(csv_text(table), media_type="text/csv; charset=utf-8", headers=headers)
