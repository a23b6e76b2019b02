"""Issuing, finding and revoking certificates.

Who issues and revokes: an admin, or a coordinator of a cohort the volunteer is in that
follows the certificate's pathway. Who may download a certificate's PDF: its holder, and
those who may issue it. Anyone may verify one by its serial.

A level is issued once: issuing again returns the valid certificate there is (the
``valid_key`` column is unique, so two coordinators clicking at once get the same one).
After a revocation, issuing again makes a new certificate with a new serial. A level
that requires another needs that level's certificate first.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.audit import service as audit
from lms.certificates import fonts, serials
from lms.certificates import template as templates
from lms.certificates.document import (
    Bilingual,
    CertificateData,
    CourseLine,
    Revocation,
    Template,
)
from lms.errors import Conflict, Forbidden, FormErrors, Invalid, NotFound
from lms.i18n import current_language
from lms.i18n import gettext as _
from lms.models.accounts import Role, User
from lms.models.base import as_utc, utcnow
from lms.models.certificates import Certificate
from lms.models.cohorts import Cohort, CohortMember
from lms.models.courses import Pathway as PathwayRow
from lms.pathways import eligibility
from lms.pathways import service as pathways
from lms.pathways.eligibility import LevelStatus, Plan, Record, Standing

DEFAULT_TEMPLATE = "default"
REASON_MAX = 500


def valid_key(volunteer_id: int, pathway: str, level: str) -> str:
    return f"{volunteer_id}:{pathway}:{level}"


def status(certificate: Certificate) -> str:
    return "revoked" if certificate.revoked_at is not None else "valid"


def issuable(standing: Standing, level: LevelStatus) -> bool:
    """Eligible, not yet certified, and the level it builds on certified (the checklist
    counts an eligible prerequisite as reached; a certificate needs it certified)."""
    if not level.eligible or level.certified:
        return False
    before = [standing.level(r.key) for r in level.of("prerequisite")]
    return all(b is not None and b.certified for b in before)


# ---------------------------------------------------------------- what issuing reads


@dataclass
class Context:
    """A pathway as issuing needs it: in both languages, with its template."""

    row: PathwayRow
    plans: dict[str, Plan]  # by language
    template: Template

    @property
    def slug(self) -> str:
        return self.row.slug


async def context(
    session: AsyncSession, *, pathway: str, content_dir: Path, template: str = DEFAULT_TEMPLATE
) -> Context:
    row = (await pathways.pathway_rows(session, [pathway])).get(pathway)
    if row is None:
        raise NotFound(_("There is no pathway %(slug)s.") % {"slug": pathway[:64]})
    plans = {
        language: await eligibility.plan(session, definition=row.definition, language=language)
        for language in ("zh", "en")
    }
    return Context(row=row, plans=plans, template=templates.load(content_dir, template))


def snapshot(found: Context, *, level: str, record: Record) -> dict[str, Any]:
    """What the certificate prints, in both languages, frozen when it is issued."""
    plan = found.plans["en"]
    chosen = plan.level(level)
    assert chosen is not None
    courses = []
    for slug in chosen.courses:
        info = plan.courses.get(slug)
        if info is None:
            continue
        bests = [
            taken.best if (taken := record.quizzes.get(m.id)) and taken.best is not None else 0.0
            for m in info.quizzes
        ]
        courses.append(
            {
                "slug": slug,
                "title": {"zh": found.plans["zh"].courses[slug].title, "en": info.title},
                "score": round(sum(bests) / len(bests), 1) if bests else None,
            }
        )
    tpl = found.template
    return {
        "pathway_title": {"zh": found.plans["zh"].title, "en": plan.title},
        "level_title": {
            "zh": found.plans["zh"].level_titles[level],
            "en": plan.level_titles[level],
        },
        "courses": courses,
        "hours": round(record.approved_minutes / 60, 2),
        "issuer": {
            "code": tpl.issuer_code,
            "organisation": {"zh": tpl.organisation.zh, "en": tpl.organisation.en},
            "signatory": tpl.signatory,
            "signatory_title": {"zh": tpl.signatory_title.zh, "en": tpl.signatory_title.en},
        },
    }


# ---------------------------------------------------------------- who may


async def may_issue(session: AsyncSession, *, viewer: User, volunteer: User, pathway: str) -> None:
    """404 when ``viewer`` may not see the volunteer; 403 when they may see but not
    certify them on ``pathway``."""
    found = await pathways.relation(session, viewer=viewer, username=volunteer.username)
    if found.admin:
        return
    if not any(c.pathway == pathway for c in found.referring):
        raise Forbidden(
            _("Only a coordinator of the volunteer's cohort on this pathway can do this.")
        )


async def may_manage(session: AsyncSession, *, viewer: User, certificate: Certificate) -> None:
    """Downloading it for someone else, and revoking it: an admin, or a coordinator of
    the cohort it was issued in. A coordinator who adds the holder to a cohort of their
    own later gains nothing over it. Anyone else who may see the holder's record gets
    403; the rest 404, with the same words whatever they tried, so a serial never
    reveals whose it is."""
    if viewer.role == Role.admin:
        return
    if certificate.cohort_id is not None:
        role = await session.scalar(
            select(col(CohortMember.role)).where(
                col(CohortMember.cohort_id) == certificate.cohort_id,
                col(CohortMember.user_id) == viewer.id,
            )
        )
        if role == "coordinator":
            return
    holder = await session.get(User, certificate.volunteer_id)
    assert holder is not None
    try:
        await pathways.relation(session, viewer=viewer, username=holder.username)
    except NotFound:
        raise NotFound(_("There is no certificate with this serial.")) from None
    raise Forbidden(_("Only a coordinator of the cohort that issued it can do this."))


async def may_download(session: AsyncSession, *, viewer: User, certificate: Certificate) -> None:
    if viewer.id == certificate.volunteer_id:
        return
    try:
        await may_manage(session, viewer=viewer, certificate=certificate)
    except Forbidden:
        raise NotFound(_("There is no certificate with this serial.")) from None


# ---------------------------------------------------------------- issuing


@dataclass
class Issued:
    certificate: Certificate
    created: bool


async def _valid(session: AsyncSession, key: str) -> Certificate | None:
    found = await session.scalars(select(Certificate).where(col(Certificate.valid_key) == key))
    return found.first()


def refusal(found: Context, *, volunteer: User, level: str, record: Record, held: set[str]) -> str:
    """Why ``volunteer`` cannot have ``level`` now; "" when they can."""
    plan = found.plans.get(current_language.get(), found.plans["en"])
    chosen = plan.level(level)
    if chosen is None:
        return _("The pathway %(pathway)s has no level %(level)s.") % {
            "pathway": found.slug,
            "level": level[:20],
        }
    before = chosen.requires_level
    if before is not None and before not in held:
        return _(
            "%(name)s needs the %(before)s certificate before %(level)s: issue %(before)s first."
        ) % {"name": volunteer.name, "before": before, "level": level}
    standing = eligibility.standing(plan, volunteer.id or 0, record, held)
    status = standing.level(level)
    assert status is not None
    if not status.eligible:
        return _("%(name)s is not eligible for %(level)s yet: %(missing)s.") % {
            "name": volunteer.name,
            "level": level,
            "missing": _("; ").join(status.summary()),
        }
    return ""


async def issue_with(
    session: AsyncSession,
    found: Context,
    *,
    actor: User | None,
    volunteer: User,
    level: str,
    record: Record,
    held: set[str],
    cohort_id: int | None = None,
    now: datetime | None = None,
    time_zone: str = "Asia/Shanghai",
) -> Issued:
    """Issues with what the caller already read (a cohort issues many at once)."""
    key = valid_key(volunteer.id or 0, found.slug, level)
    existing = await _valid(session, key)
    if existing is not None:
        return Issued(existing, created=False)
    reason = refusal(found, volunteer=volunteer, level=level, record=record, held=held)
    if reason:
        raise Invalid(reason, field="level")
    fonts.check_name(volunteer.name)
    now = now or utcnow()
    year = now.astimezone(ZoneInfo(time_zone)).year
    for _attempt in range(3):
        certificate = Certificate(
            serial=str(serials.new(issuer=found.template.issuer_code, year=year, level_code=level)),
            volunteer_id=volunteer.id or 0,
            pathway=found.slug,
            level=level,
            template=found.template.name,
            holder=volunteer.name,
            snapshot=snapshot(found, level=level, record=record),
            cohort_id=cohort_id,
            issued_at=now,
            issued_by_id=actor.id if actor else None,
            valid_key=key,
        )
        try:
            async with session.begin_nested():
                session.add(certificate)
                await session.flush()
        except IntegrityError:
            existing = await _valid(session, key)
            if existing is not None:  # someone issued it at the same moment
                return Issued(existing, created=False)
            continue  # the serial was taken (1 in 2^50): draw again
        await audit.record(
            session,
            actor=actor,
            action="certificate.issue",
            object_type="certificate",
            object_id=certificate.serial,
            after={
                "holder": volunteer.username,
                "pathway": found.slug,
                "level": level,
                "hours": certificate.snapshot["hours"],
            },
        )
        return Issued(certificate, created=True)
    raise Conflict(_("No free serial was found; please try again."))


async def issue(
    session: AsyncSession,
    *,
    actor: User | None,
    volunteer: User,
    pathway: str,
    level: str,
    content_dir: Path,
    template: str = DEFAULT_TEMPLATE,
    cohort_id: int | None = None,
    time_zone: str = "Asia/Shanghai",
) -> Issued:
    existing = await _valid(session, valid_key(volunteer.id or 0, pathway, level))
    if existing is not None:
        return Issued(existing, created=False)
    found = await context(session, pathway=pathway, content_dir=content_dir, template=template)
    uid = volunteer.id or 0
    record = (await eligibility.records(session, plan=found.plans["en"], users=[uid])).get(
        uid, Record()
    )
    held = (await pathways.certified(session, pathway=pathway, users=[uid])).get(uid, set())
    if cohort_id is None:  # from a shell: the volunteer's newest cohort on this pathway
        cohort_id = await session.scalar(
            select(col(Cohort.id))
            .join(CohortMember, col(CohortMember.cohort_id) == Cohort.id)
            .where(
                col(CohortMember.user_id) == uid,
                col(CohortMember.role) == "volunteer",
                col(Cohort.pathway) == pathway,
            )
            .order_by(col(CohortMember.joined_at).desc(), col(Cohort.id).desc())
            .limit(1)
        )
    return await issue_with(
        session,
        found,
        actor=actor,
        volunteer=volunteer,
        level=level,
        record=record,
        held=held,
        cohort_id=cohort_id,
        time_zone=time_zone,
    )


@dataclass
class CohortIssue:
    issued: list[Certificate]
    refused: list[tuple[User, str]]  # eligible on the checklist, refused here (a font)


async def issue_eligible(
    session: AsyncSession,
    *,
    actor: User,
    cohort: Cohort,
    level: str,
    content_dir: Path,
    time_zone: str = "Asia/Shanghai",
) -> CohortIssue:
    """Every volunteer of ``cohort`` eligible for ``level`` and without its certificate
    gets one. A name no font can print is reported and skipped; the others are issued."""
    if not cohort.pathway:
        raise Invalid(_("This cohort follows no pathway."), field="level")
    found = await context(session, pathway=cohort.pathway, content_dir=content_dir)
    if found.plans["en"].level(level) is None:
        raise Invalid(
            _("The pathway %(pathway)s has no level %(level)s.")
            % {"pathway": found.slug, "level": level[:20]},
            field="level",
        )
    members = (
        select(col(CohortMember.user_id))
        .where(col(CohortMember.cohort_id) == cohort.id, col(CohortMember.role) == "volunteer")
        .scalar_subquery()
    )
    people = list(
        await session.scalars(
            select(User).where(col(User.id).in_(members)).order_by(col(User.username))
        )
    )
    records = await eligibility.records(session, plan=found.plans["en"], users=members)
    held = await pathways.certified(session, pathway=found.slug, users=members)
    result = CohortIssue(issued=[], refused=[])
    for person in people:
        uid = person.id or 0
        mine = held.get(uid, set())
        record = records.get(uid, Record())
        if level in mine or refusal(found, volunteer=person, level=level, record=record, held=mine):
            continue
        try:
            issued = await issue_with(
                session,
                found,
                actor=actor,
                volunteer=person,
                level=level,
                record=record,
                held=mine,
                cohort_id=cohort.id,
                time_zone=time_zone,
            )
        except Invalid as refused:
            result.refused.append((person, refused.message))
            continue
        if issued.created:
            result.issued.append(issued.certificate)
    return result


# ---------------------------------------------------------------- finding and revoking


async def find(session: AsyncSession, serial: str) -> Certificate:
    """The certificate with this serial; 404 with what was wrong otherwise."""
    try:
        parsed = serials.parse(serial)
    except serials.BadSerial as bad:
        if bad.reason == "check":
            raise NotFound(
                _(
                    "This serial's check character does not match: "
                    "a character was probably mistyped."
                )
            ) from None
        raise NotFound(_("There is no certificate with this serial.")) from None
    found = await session.scalars(select(Certificate).where(col(Certificate.serial) == str(parsed)))
    certificate = found.first()
    if certificate is None:
        raise NotFound(_("There is no certificate with this serial."))
    return certificate


async def revoke(
    session: AsyncSession, *, actor: User | None, certificate: Certificate, reason: str
) -> Certificate:
    """Marks it revoked, with the reason; never deletes. The audit log keeps who and when."""
    reason = " ".join(reason.split())
    if any(unicodedata.category(c) == "Cc" for c in reason):
        raise FormErrors({"reason": _("The reason contains control characters.")})
    if not reason:
        raise FormErrors({"reason": _("Say why the certificate is revoked.")})
    if len(reason) > REASON_MAX:
        raise FormErrors(
            {"reason": _("Keep the reason under %(max)d characters.") % {"max": REASON_MAX}}
        )
    if certificate.revoked_at is not None:
        raise Conflict(_("This certificate was already revoked."))
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    certificate.revoked_by_id = actor.id if actor else None
    certificate.valid_key = None
    session.add(certificate)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="certificate.revoke",
        object_type="certificate",
        object_id=certificate.serial,
        before={"status": "valid"},
        after={"status": "revoked"},
        reason=reason,
    )
    return certificate


async def of_volunteer(session: AsyncSession, *, volunteer_id: int) -> Sequence[Certificate]:
    rows = await session.scalars(
        select(Certificate)
        .where(col(Certificate.volunteer_id) == volunteer_id)
        .order_by(col(Certificate.issued_at).desc(), col(Certificate.id).desc())
    )
    return list(rows)


async def of_cohort(session: AsyncSession, *, cohort: Cohort) -> Sequence[tuple[Certificate, User]]:
    """The certificates of the cohort's volunteers on its pathway, newest first."""
    rows = await session.execute(
        select(Certificate, User)
        .join(User, col(User.id) == Certificate.volunteer_id)
        .join(CohortMember, col(CohortMember.user_id) == Certificate.volunteer_id)
        .where(
            col(CohortMember.cohort_id) == cohort.id,
            col(CohortMember.role) == "volunteer",
            col(Certificate.pathway) == (cohort.pathway or ""),
        )
        .order_by(col(Certificate.issued_at).desc(), col(Certificate.id).desc())
    )
    return [(c, u) for c, u in rows.all()]


# ---------------------------------------------------------------- what is printed and shown


def local_date(moment: datetime, time_zone: str) -> date:
    return as_utc(moment).astimezone(ZoneInfo(time_zone)).date()


def _pair(value: dict[str, str]) -> Bilingual:
    return Bilingual(zh=value.get("zh") or value.get("en", ""), en=value.get("en") or value["zh"])


def document(
    certificate: Certificate, *, template: Template, base_url: str, time_zone: str
) -> CertificateData:
    """The certificate as its snapshot says, with the template's images (its texts are the
    snapshot's: a renamed organisation does not change certificates already issued)."""
    snap = certificate.snapshot
    issuer = snap["issuer"]
    printed = Template(
        name=template.name,
        issuer_code=issuer["code"],
        organisation=_pair(issuer["organisation"]),
        signatory=issuer["signatory"],
        signatory_title=_pair(issuer["signatory_title"]),
        logo=template.logo,
        signature=template.signature,
    )
    revoked = None
    if certificate.revoked_at is not None:
        revoked = Revocation(
            on=local_date(certificate.revoked_at, time_zone),
            reason=certificate.revoked_reason or "",
        )
    return CertificateData(
        serial=certificate.serial,
        holder=certificate.holder,
        pathway=_pair(snap["pathway_title"]),
        level_code=certificate.level,
        level=_pair(snap["level_title"]),
        courses=tuple(
            CourseLine(title=_pair(c["title"]), best_score=c["score"]) for c in snap["courses"]
        ),
        hours=float(snap["hours"]),
        issued_on=local_date(certificate.issued_at, time_zone),
        verify_url=verify_url(base_url, certificate.serial),
        template=printed,
        revoked=revoked,
    )


def verify_url(base_url: str, serial: str) -> str:
    return f"{base_url.rstrip('/')}/verify/{serial}"


def public_json(certificate: Certificate, *, language: str) -> dict[str, Any]:
    """What anyone holding the serial may read (the API's shape)."""
    snap = certificate.snapshot
    return {
        "serial": certificate.serial,
        "status": status(certificate),
        "holder": certificate.holder,
        "pathway": certificate.pathway,
        "pathway_title": eligibility.text_in(snap["pathway_title"], language),
        "level": certificate.level,
        "level_title": eligibility.text_in(snap["level_title"], language),
        "issued_at": as_utc(certificate.issued_at).isoformat(),
        "issuer": eligibility.text_in(snap["issuer"]["organisation"], language),
        "revoked_at": as_utc(certificate.revoked_at).isoformat()
        if certificate.revoked_at
        else None,
        "revoked_reason": certificate.revoked_reason,
    }
