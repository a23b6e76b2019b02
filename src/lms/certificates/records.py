"""志愿服务记录证明: a volunteer's approved service, numbered and printed in Chinese.

Each print is a numbered row holding what it counted (by site and category), so the
same number always prints the same record, and the office that issued it can look the
number up. Only approved hours count. Who may print one: an admin, or a coordinator of
one of the volunteer's cohorts.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.audit import service as audit
from lms.certificates import fonts, serials
from lms.certificates import template as templates
from lms.certificates.document import Bilingual, ServiceLine, ServiceRecordData, Template
from lms.errors import Invalid, NotFound
from lms.i18n import gettext as _
from lms.i18n import translations
from lms.models.accounts import User
from lms.models.base import utcnow
from lms.models.certificates import ServiceRecord
from lms.models.practicum import HourEntry, HourStatus, Site
from lms.practicum.rules import ACTIVITY_TITLES

NUMBER_RANDOM = 8


def category_zh(code: str) -> str:
    titles: dict[str, str] = {str(k): v for k, v in ACTIVITY_TITLES.items()}
    return translations("zh").gettext(titles[code]) if code in titles else code


def new_number(issuer: str, year: int) -> str:
    tail = "".join(secrets.choice(serials.RANDOM_ALPHABET) for _ in range(NUMBER_RANDOM))
    return f"{serials.PREFIX}-SR-{issuer}-{year}-{tail}"


async def lines_of(session: AsyncSession, *, volunteer_id: int) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(
            col(Site.name),
            col(HourEntry.activity),
            func.count(),
            func.sum(col(HourEntry.minutes)),
            func.min(col(HourEntry.service_date)),
            func.max(col(HourEntry.service_date)),
        )
        .join(Site, col(Site.id) == HourEntry.site_id)
        .where(
            col(HourEntry.volunteer_id) == volunteer_id,
            col(HourEntry.status) == HourStatus.approved,
        )
        .group_by(col(Site.name), col(HourEntry.activity))
        .order_by(col(Site.name), col(HourEntry.activity))
    )
    return [
        {
            "site": site,
            "category": activity,
            "sessions": int(count),
            "minutes": int(minutes or 0),
            "first": str(first),
            "last": str(last),
        }
        for site, activity, count, minutes, first, last in rows.all()
    ]


async def create(
    session: AsyncSession,
    *,
    actor: User | None,
    volunteer: User,
    content_dir: Path,
    time_zone: str,
    template: str = "default",
    now: datetime | None = None,
) -> ServiceRecord:
    lines = await lines_of(session, volunteer_id=volunteer.id or 0)
    if not lines:
        raise Invalid(
            _("%(name)s has no approved service to record yet.") % {"name": volunteer.name}
        )
    fonts.check_name(volunteer.name)
    tpl = templates.load(content_dir, template)
    now = now or utcnow()
    minutes = sum(line["minutes"] for line in lines)
    record = ServiceRecord(
        number=new_number(tpl.issuer_code, now.astimezone(ZoneInfo(time_zone)).year),
        volunteer_id=volunteer.id or 0,
        minutes=minutes,
        issued_at=now,
        issued_by_id=actor.id if actor else None,
        snapshot={
            "holder": volunteer.name,
            "username": volunteer.username,
            "student_id": volunteer.student_id,
            "template": tpl.name,
            "lines": lines,
            "issuer": {
                "organisation": {"zh": tpl.organisation.zh, "en": tpl.organisation.en},
                "signatory": tpl.signatory,
                "signatory_title": {"zh": tpl.signatory_title.zh, "en": tpl.signatory_title.en},
            },
        },
    )
    session.add(record)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="service_record.issue",
        object_type="service_record",
        object_id=record.number,
        after={"volunteer": volunteer.username, "minutes": minutes},
    )
    return record


async def find(session: AsyncSession, number: str) -> ServiceRecord:
    found = await session.scalars(
        select(ServiceRecord).where(col(ServiceRecord.number) == number.strip().upper()[:40])
    )
    record = found.first()
    if record is None:
        raise NotFound(_("There is no service record with this number."))
    return record


def document(record: ServiceRecord, *, content_dir: Path, time_zone: str) -> ServiceRecordData:
    snap = record.snapshot
    issuer = snap["issuer"]
    tpl = templates.for_reprint(content_dir, snap["template"])
    printed = Template(
        name=tpl.name,
        issuer_code=tpl.issuer_code,
        organisation=Bilingual(**issuer["organisation"]),
        signatory=issuer["signatory"],
        signatory_title=Bilingual(**issuer["signatory_title"]),
        logo=tpl.logo,
        signature=tpl.signature,
    )
    lines = tuple(
        ServiceLine(
            site=line["site"],
            category=category_zh(line["category"]),
            sessions=line["sessions"],
            hours=round(line["minutes"] / 60, 2),
            first=date.fromisoformat(line["first"]),
            last=date.fromisoformat(line["last"]),
        )
        for line in snap["lines"]
    )
    issued = record.issued_at
    if issued.tzinfo is None:
        issued = issued.replace(tzinfo=ZoneInfo("UTC"))
    return ServiceRecordData(
        number=record.number,
        holder=snap["holder"],
        volunteer_number=snap["username"],
        student_id=snap.get("student_id"),
        lines=lines,
        total_hours=round(record.minutes / 60, 2),
        issued_on=issued.astimezone(ZoneInfo(time_zone)).date(),
        template=printed,
    )
