"""How entries, corrections and evidence look in JSON, and how a file is sent."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import FileResponse

from lms.models.accounts import User
from lms.models.base import as_utc
from lms.models.practicum import HourCorrection, HourEntry, HourEvidence, Site
from lms.practicum import service as hours
from lms.practicum.rules import Rules, activity_title, is_backfilled, status_title


def moment(value: datetime | None, zone: ZoneInfo) -> str | None:
    return as_utc(value).astimezone(zone).isoformat() if value else None


def evidence_item(evidence: HourEvidence) -> dict[str, Any]:
    return {
        "id": evidence.id,
        "filename": evidence.filename,
        "content_type": evidence.content_type,
        "size": evidence.size,
        "url": f"/api/v1/hours/{evidence.entry_id}/evidence/{evidence.id}",
    }


def correction_json(
    correction: HourCorrection, people: dict[int, User], zone: ZoneInfo
) -> dict[str, Any]:
    decider = people.get(correction.decided_by_id or 0)
    return {
        "number": correction.number,
        "status": correction.status,
        "reason": correction.reason,
        "changes": correction.changes,
        "previous": correction.previous,
        "requested_at": moment(correction.requested_at, zone),
        "decided_by": decider.username if decider else None,
        "decided_at": moment(correction.decided_at, zone),
        "decision_reason": correction.decision_reason,
    }


async def entry_json(
    session: AsyncSession,
    entry: HourEntry,
    *,
    rules: Rules,
    row: hours.Row | None = None,
    people: dict[int, User] | None = None,
    brief: bool = False,
) -> dict[str, Any]:
    """An entry as the API gives it. ``brief`` (lists): the evidence count only."""
    volunteer = row.volunteer if row else await session.get(User, entry.volunteer_id)
    site = row.site if row else await session.get(Site, entry.site_id)
    if people is None:
        people = await hours.names(session, {entry.decided_by_id})
    decider = people.get(entry.decided_by_id or 0)
    body: dict[str, Any] = {
        "id": entry.id,
        "volunteer": volunteer.username if volunteer else None,
        "volunteer_name": volunteer.name if volunteer else None,
        "date": entry.service_date.isoformat(),
        "start": entry.start_time.strftime("%H:%M") if entry.start_time else None,
        "end": entry.end_time.strftime("%H:%M") if entry.end_time else None,
        "hours": entry.minutes / 60,
        "site": entry.site_id,
        "site_name": site.name if site else None,
        "activity": entry.activity,
        "activity_title": activity_title(entry.activity),
        "description": entry.description,
        "status": entry.status,
        "status_title": status_title(entry.status),
        "question": entry.question,
        "version": entry.version,
        "backfilled": is_backfilled(entry.service_date, hours.logged_at(entry), rules),
        "created_at": moment(entry.created_at, rules.zone),
        "submitted_at": moment(entry.submitted_at, rules.zone),
        "decided_by": decider.username if decider else None,
        "decided_at": moment(entry.decided_at, rules.zone),
    }
    if brief:
        body["evidence_count"] = row.evidence if row else None
        return body
    evidence = await hours.evidence_of(session, entry.id or 0)
    corrections = await hours.corrections_of(session, entry.id or 0)
    deciders = await hours.names(session, {c.decided_by_id for c in corrections})
    body["evidence"] = [evidence_item(item) for item in evidence]
    body["corrections"] = [correction_json(c, deciders, rules.zone) for c in corrections]
    return body


def evidence_response(evidence: HourEvidence, path: Path) -> FileResponse:
    """Always a download (never shown inline), its type as detected, no sniffing."""
    plain = evidence.filename.encode("ascii", "replace").decode()
    plain = "".join("_" if ch in '?"\\' else ch for ch in plain)
    disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(evidence.filename)}"
    return FileResponse(
        path,
        media_type=evidence.content_type,
        headers={
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
