"""Practicum pages: a volunteer's log and form, an entry with its decisions, the
deciders' queue, placement sites, and a cohort's exports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Query, Request, UploadFile
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.responses import Response

from lms.audit import service as audit
from lms.cohorts import service as cohorts
from lms.errors import Conflict, FormErrors, LMSError, NotFound
from lms.i18n import format_number
from lms.i18n import gettext as _
from lms.models.accounts import Role, User
from lms.models.practicum import (
    DESCRIPTION_MAX,
    REASON_MAX,
    Activity,
    HourEntry,
    HourStatus,
    Site,
)
from lms.practicum import evidence as files
from lms.practicum import exports
from lms.practicum import service as hours
from lms.practicum.rules import (
    EDITABLE,
    FIELDS,
    Rules,
    activity_title,
    event_label,
    field_label,
    is_backfilled,
    status_title,
    week_of,
)
from lms.practicum.summary import summarise
from lms.practicum.views import evidence_response
from lms.web.auth import CurrentUser, ManagerUser, StaffUser, optional_user
from lms.web.csrf import verify_csrf
from lms.web.deps import FormField, SessionDep, SettingsDep, undo
from lms.web.templating import redirect, render

router = APIRouter(
    include_in_schema=False, dependencies=[Depends(verify_csrf), Depends(optional_user)]
)

LongField = Annotated[str, Form(max_length=DESCRIPTION_MAX + 200)]
Files = Annotated[list[UploadFile] | None, Form()]


def activity_options() -> list[tuple[str, str]]:
    return [(code, activity_title(code)) for code in Activity.__members__]


async def site_options(session: SessionDep) -> list[tuple[str, str]]:
    return [(str(site.id), site.name) for site, _supervisor in await hours.sites(session)]


def form_values(**values: Any) -> dict[str, str]:
    return {key: "" if value is None else str(value) for key, value in values.items()}


async def form_context(
    session: SessionDep, user: User, rules: Rules, *, entry: HourEntry | None = None, **extra: Any
) -> dict[str, Any]:
    if entry is not None:
        values = form_values(
            date=entry.service_date.isoformat(),
            start=entry.start_time.strftime("%H:%M") if entry.start_time else "",
            end=entry.end_time.strftime("%H:%M") if entry.end_time else "",
            hours=f"{entry.minutes / 60:g}" if entry.start_time is None else "",
            site=entry.site_id,
            activity=entry.activity,
            description=entry.description,
        )
    else:
        recent = await hours.own_entries(session, user=user, limit=1)
        values = form_values(
            date=rules.now().date().isoformat(),
            site=recent[0].entry.site_id if recent else "",
            activity=recent[0].entry.activity if recent else Activity.direct_service,
        )
    return {
        "entry": entry,
        "values": values,
        "errors": {},
        "sites": await site_options(session),
        "activities": activity_options(),
        "today": rules.now().date().isoformat(),
        "description_max": DESCRIPTION_MAX,
        **extra,
    }


def uploads(items: list[UploadFile] | None) -> list[StarletteUpload]:
    """The files a form really sent (a browser sends an empty part for "no file")."""
    return [item for item in items or [] if item.filename or item.size]


async def store_evidence(
    session: SessionDep,
    settings: SettingsDep,
    *,
    entry_id: int,
    user: User,
    items: list[StarletteUpload],
) -> None:
    limits = files.Limits(settings.evidence_max_bytes, settings.evidence_max_files)
    for item in items:
        data = await item.read(settings.evidence_max_bytes + 1)
        await files.add_evidence(
            session,
            entry_id=entry_id,
            user=user,
            data=data,
            filename=item.filename,
            limits=limits,
            media_dir=settings.media_dir,
        )


# ---------------------------------------------------------------- the volunteer's log


@router.get("/hours")
async def my_hours(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    logged: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    rows = await hours.own_entries(session, user=user)
    rules = Rules.of(settings)
    summary = summarise((row.entry, row.site.name) for row in rows)
    return render(
        request,
        "practicum/log.html",
        {
            "rows": rows,
            "summary": summary,
            "activity_groups": [
                (activity_title(code), tally) for code, tally in summary.by_activity.items()
            ],
            "week_groups": [
                (_("Week of %(date)s") % {"date": monday.isoformat()}, tally)
                for monday, tally in summary.by_week.items()
            ],
            "status_title": status_title,
            "activity_title": activity_title,
            "backfilled": lambda e: is_backfilled(e.service_date, hours.logged_at(e), rules),
            "logged": logged,
            "queue_size": await hours.queue_size(session, user=user)
            if user.role != Role.volunteer
            else 0,
        },
    )


@router.get("/hours/new")
async def new_entry(
    request: Request, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> Response:
    return render(
        request, "practicum/form.html", await form_context(session, user, Rules.of(settings))
    )


@router.post("/hours/new")
async def create_entry(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    date: FormField = "",
    start: FormField = "",
    end: FormField = "",
    hours_: Annotated[str, Form(alias="hours", max_length=20)] = "",
    site: FormField = "",
    activity: FormField = "",
    description: LongField = "",
    action: Annotated[str, Form(max_length=10)] = "submit",
    evidence: Files = None,
) -> Response:
    rules = Rules.of(settings)
    raw = dict(zip(FIELDS, (date, start, end, hours_, site, activity, description), strict=True))
    try:
        entry = await hours.log_hours(
            session, user=user, raw=raw, rules=rules, draft=action == "draft"
        )
        await store_evidence(
            session, settings, entry_id=entry.id or 0, user=user, items=uploads(evidence)
        )
    except LMSError as refused:
        await undo(session, user)
        errors = refused.errors if isinstance(refused, FormErrors) else {}
        if not errors:
            errors = {refused.field or "description": refused.message}
        return render(
            request,
            "practicum/form.html",
            await form_context(session, user, rules, values=form_values(**raw), errors=errors),
            status_code=refused.status_code,
        )
    return redirect(request, f"/hours/{entry.id}?saved=1")


# ---------------------------------------------------------------- sign-off queue


@router.get("/hours/review")
async def review(
    request: Request,
    session: SessionDep,
    user: StaffUser,
    settings: SettingsDep,
    approved: Annotated[int, Query(ge=0)] = 0,
    refused: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    rules = Rules.of(settings)
    rows = await hours.queue(session, user=user)
    weeks: dict[Any, list[hours.Row]] = {}
    for row in rows:
        weeks.setdefault(week_of(row.entry.service_date), []).append(row)
    return render(
        request,
        "practicum/review.html",
        {
            "weeks": dict(sorted(weeks.items())),  # the oldest week first, like the queue
            "total": len(rows),
            "activity_title": activity_title,
            "backfilled": lambda e: is_backfilled(e.service_date, hours.logged_at(e), rules),
            "approved": approved,
            "refused_count": refused,
            "problems": [],
        },
    )


@router.post("/hours/review")
async def approve_selected(
    request: Request,
    session: SessionDep,
    user: StaffUser,
    entry: Annotated[list[str] | None, Form(max_length=40)] = None,
) -> Response:
    """Approves the ticked entries, each "id:version" as the page showed it."""
    chosen: list[tuple[int, int]] = []
    for item in entry or []:
        entry_id, _sep, version = item.partition(":")
        if entry_id.isdigit() and version.isdigit():
            chosen.append((int(entry_id), int(version)))
    if not chosen:
        return redirect(request, "/hours/review?approved=0")
    outcome = await hours.approve_many(session, entries=chosen[:500], user=user)
    return redirect(
        request,
        f"/hours/review?approved={len(outcome.approved)}&refused={len(outcome.refused)}",
    )


# ---------------------------------------------------------------- placement sites


async def sites_context(session: SessionDep, **extra: Any) -> dict[str, Any]:
    return {"sites": await hours.sites(session), "errors": {}, "values": {}, **extra}


@router.get("/sites")
async def sites_page(request: Request, session: SessionDep, user: StaffUser) -> Response:
    return render(
        request,
        "practicum/sites.html",
        await sites_context(session, can_add=user.role in (Role.coordinator, Role.admin)),
    )


@router.post("/sites")
async def add_site(
    request: Request,
    session: SessionDep,
    user: ManagerUser,
    name: FormField = "",
    address: FormField = "",
    supervisor: FormField = "",
) -> Response:
    try:
        await hours.create_site(
            session, name=name, address=address, supervisor=supervisor, actor=user
        )
    except (FormErrors, Conflict) as refused:
        await undo(session, user)
        errors = (
            refused.errors
            if isinstance(refused, FormErrors)
            else {refused.field or "name": refused.message}
        )
        return render(
            request,
            "practicum/sites.html",
            await sites_context(
                session,
                can_add=True,
                errors=errors,
                values={"name": name, "address": address, "supervisor": supervisor},
            ),
            status_code=refused.status_code,
        )
    return redirect(request, "/sites")


# ---------------------------------------------------------------- one entry


async def entry_context(
    session: SessionDep, user: User, settings: SettingsDep, entry_id: int, **extra: Any
) -> dict[str, Any]:
    found = await hours.access(session, entry_id=entry_id, user=user)
    entry = found.entry
    rules = Rules.of(settings)
    corrections = await hours.corrections_of(session, entry_id)
    events = await audit.history(session, object_type="hour_entry", object_id=entry_id)
    people = await hours.names(
        session,
        {entry.volunteer_id, entry.decided_by_id, *(c.decided_by_id for c in corrections)},
    )
    site_names = hours.site_names(await hours.sites(session))
    site = await session.get(Site, entry.site_id)
    return {
        "entry": entry,
        "owner": found.owner,
        "can_decide": found.can_decide,
        "volunteer": people.get(entry.volunteer_id),
        "decider": people.get(entry.decided_by_id or 0),
        "people": people,
        "site": site,
        "site_names": site_names,
        "evidence": await hours.evidence_of(session, entry_id),
        "corrections": corrections,
        "pending_correction": next((c for c in corrections if c.status == "pending"), None),
        "events": events,
        "editable": entry.status in EDITABLE,
        "backfilled": is_backfilled(entry.service_date, hours.logged_at(entry), rules),
        "backfill_days": rules.backfill_days,
        "status_title": status_title,
        "activity_title": activity_title,
        "max_files": settings.evidence_max_files,
        "errors": {},
        "values": {},
        "notice": None,
        "problem": None,
        "reason_max": REASON_MAX,
        "activities": activity_options(),
        "sites": await site_options(session),
        "change_label": field_label,
        "event_label": event_label,
        "show_value": lambda key, value: show_value(key, value, site_names),
        **extra,
    }


def show_value(key: str, value: Any, site_names: dict[int, str]) -> str:
    """A field's value in a correction, as the reader knows it."""
    if value is None or value == "":
        return "—"
    if key == "activity":
        return activity_title(str(value))
    if key == "site":
        return site_names.get(int(value), str(value)) if str(value).isdigit() else str(value)
    if key == "hours" and isinstance(value, int | float):
        return _("%(hours)s h") % {"hours": format_number(value)}
    return str(value)


@router.get("/hours/{entry_id}")
async def entry_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    entry_id: int,
    saved: Annotated[int, Query(ge=0, le=1)] = 0,
) -> Response:
    notice = _("Saved.") if saved else None
    return render(
        request,
        "practicum/entry.html",
        await entry_context(session, user, settings, entry_id, notice=notice),
    )


async def refused_entry(
    request: Request,
    session: SessionDep,
    user: User,
    settings: SettingsDep,
    entry_id: int,
    refused: LMSError,
    **values: str,
) -> Response:
    """The entry page again with the refusal next to its field, or as the page's message."""
    await undo(session, user)
    errors = refused.errors if isinstance(refused, FormErrors) else {}
    message = None if errors else refused.message
    if message and refused.field:
        errors, message = {refused.field: refused.message}, None
    return render(
        request,
        "practicum/entry.html",
        await entry_context(
            session, user, settings, entry_id, errors=errors, values=values, problem=message
        ),
        status_code=refused.status_code,
    )


@router.get("/hours/{entry_id}/edit")
async def edit_entry(
    request: Request, session: SessionDep, user: CurrentUser, settings: SettingsDep, entry_id: int
) -> Response:
    found = await hours.access(session, entry_id=entry_id, user=user)
    if not found.owner or found.entry.status not in EDITABLE:
        return redirect(request, f"/hours/{entry_id}")
    return render(
        request,
        "practicum/form.html",
        await form_context(session, user, Rules.of(settings), entry=found.entry),
    )


@router.post("/hours/{entry_id}/edit")
async def save_entry(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    entry_id: int,
    version: Annotated[int, Form(ge=1)],
    date: FormField = "",
    start: FormField = "",
    end: FormField = "",
    hours_: Annotated[str, Form(alias="hours", max_length=20)] = "",
    site: FormField = "",
    activity: FormField = "",
    description: LongField = "",
    action: Annotated[str, Form(max_length=10)] = "save",
) -> Response:
    rules = Rules.of(settings)
    raw = dict(zip(FIELDS, (date, start, end, hours_, site, activity, description), strict=True))
    # The form shows every field: what is empty is meant empty (times or hours).
    try:
        entry = await hours.update_hours(
            session,
            entry_id=entry_id,
            user=user,
            changes={key: raw[key] for key in FIELDS},
            rules=rules,
            expected_version=version,
        )
        if action == "submit" and entry.status != HourStatus.submitted:
            await hours.submit_hours(session, entry_id=entry_id, user=user, rules=rules)
    except LMSError as refused:
        await undo(session, user)
        found = await hours.access(session, entry_id=entry_id, user=user)
        errors = refused.errors if isinstance(refused, FormErrors) else {}
        if not errors:
            errors = {refused.field or "description": refused.message}
        return render(
            request,
            "practicum/form.html",
            await form_context(
                session,
                user,
                rules,
                entry=found.entry,
                values=form_values(**raw),
                errors=errors,
            ),
            status_code=refused.status_code,
        )
    return redirect(request, f"/hours/{entry_id}?saved=1")


@router.post("/hours/{entry_id}/submit")
async def submit_entry(
    request: Request, session: SessionDep, user: CurrentUser, settings: SettingsDep, entry_id: int
) -> Response:
    try:
        await hours.submit_hours(session, entry_id=entry_id, user=user, rules=Rules.of(settings))
    except (FormErrors, Conflict) as refused:
        return await refused_entry(request, session, user, settings, entry_id, refused)
    return redirect(request, f"/hours/{entry_id}?saved=1")


@router.post("/hours/{entry_id}/delete")
async def delete_entry(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    background: BackgroundTasks,
    entry_id: int,
) -> Response:
    try:
        stored = await hours.delete_hours(session, entry_id=entry_id, user=user)
    except Conflict as refused:
        return await refused_entry(request, session, user, settings, entry_id, refused)
    background.add_task(files.remove_files, settings.media_dir, stored)
    return redirect(request, "/hours")


@router.post("/hours/{entry_id}/evidence")
async def add_evidence(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    entry_id: int,
    evidence: Files = None,
) -> Response:
    items = uploads(evidence)
    await hours.access(session, entry_id=entry_id, user=user)  # 404 before anything else
    try:
        if not items:
            raise FormErrors({"file": _("Choose a photo or a PDF to add.")})
        await store_evidence(session, settings, entry_id=entry_id, user=user, items=items)
    except LMSError as refused:
        return await refused_entry(request, session, user, settings, entry_id, refused)
    return redirect(request, f"/hours/{entry_id}?saved=1#evidence")


@router.get("/hours/evidence/{evidence_id}")
async def evidence_download(
    session: SessionDep, user: CurrentUser, settings: SettingsDep, evidence_id: int
) -> Response:
    evidence, path = await files.evidence_file(
        session, evidence_id=evidence_id, user=user, media_dir=settings.media_dir
    )
    return evidence_response(evidence, path)


@router.post("/hours/{entry_id}/decide")
async def decide_entry(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    entry_id: int,
    decision: Annotated[str, Form(pattern="^(approve|reject|needs-info)$")],
    version: Annotated[int, Form(ge=1)],
    reason: Annotated[str, Form(max_length=REASON_MAX + 200)] = "",
) -> Response:
    try:
        await hours.decide(
            session,
            entry_id=entry_id,
            user=user,
            decision=decision,
            reason=reason,
            expected_version=version,
        )
    except (FormErrors, Conflict) as refused:
        return await refused_entry(
            request, session, user, settings, entry_id, refused, reason=reason
        )
    return redirect(request, f"/hours/{entry_id}?saved=1")


@router.post("/hours/{entry_id}/corrections")
async def ask_correction(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    entry_id: int,
    reason: Annotated[str, Form(max_length=REASON_MAX + 200)] = "",
    date: FormField = "",
    start: FormField = "",
    end: FormField = "",
    hours_: Annotated[str, Form(alias="hours", max_length=20)] = "",
    site: FormField = "",
    activity: FormField = "",
    description: LongField = "",
) -> Response:
    raw = dict(zip(FIELDS, (date, start, end, hours_, site, activity, description), strict=True))
    try:
        await hours.request_correction(
            session,
            entry_id=entry_id,
            user=user,
            reason=reason,
            changes=raw,
            rules=Rules.of(settings),
        )
    except (FormErrors, Conflict) as refused:
        return await refused_entry(
            request, session, user, settings, entry_id, refused, reason=reason, **raw
        )
    return redirect(request, f"/hours/{entry_id}?saved=1#corrections")


@router.post("/hours/{entry_id}/corrections/{number}")
async def decide_correction(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    entry_id: int,
    number: int,
    decision: Annotated[str, Form(pattern="^(accept|decline)$")],
    decision_reason: Annotated[str, Form(max_length=REASON_MAX + 200)] = "",
) -> Response:
    try:
        await hours.decide_correction(
            session,
            entry_id=entry_id,
            number=number,
            user=user,
            accept=decision == "accept",
            reason=decision_reason,
            rules=Rules.of(settings),
        )
    except (FormErrors, Conflict) as refused:
        if isinstance(refused, FormErrors) and "reason" in refused.errors:
            refused = FormErrors({"decision_reason": refused.errors["reason"]})
        return await refused_entry(
            request, session, user, settings, entry_id, refused, decision_reason=decision_reason
        )
    return redirect(request, f"/hours/{entry_id}?saved=1#corrections")


# ---------------------------------------------------------------- a cohort's exports


@router.get("/cohorts/{code}/hours.{kind}")
async def cohort_export(
    session: SessionDep,
    user: ManagerUser,
    settings: SettingsDep,
    code: str,
    kind: str,
    part: Annotated[str, Query(pattern="^(entries|summary)$")] = "entries",
) -> Response:
    cohort = await cohorts.cohort_for(session, code=code, user=user, manage=True)
    if kind not in ("csv", "xlsx"):
        raise NotFound(_("Export as .csv or .xlsx."))
    table = await exports.cohort_hours(session, cohort=cohort, zone=settings.zone)
    return exports.response(table, cohort_code=cohort.code, kind=kind, part=part)
