"""``/api/v1`` for practicum hours and placement sites.

422: a field breaks a rule (``loc: ["body", <field>]``); 409: an overlap, more than 24
hours in a day, the same service twice, a locked entry, a decision someone else made
first; 404: an entry this user may not see; 403: a decision this user may not make;
413 and 415: an evidence file too large or not a photo or PDF.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, File, Query, Request, UploadFile
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import FileResponse, JSONResponse, Response

from lms.errors import Forbidden, FormErrors, NotFound
from lms.i18n import gettext as _
from lms.models.accounts import Role, User
from lms.models.practicum import HourEntry
from lms.practicum import evidence as files
from lms.practicum import service as hours
from lms.practicum.rules import Rules
from lms.practicum.views import correction_json, entry_json, evidence_item, evidence_response
from lms.web.auth import CurrentUser, ManagerUser
from lms.web.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["practicum"])


class SiteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Any = Field(default=None, examples=["西宁市城东区社区服务中心"])
    address: Any = None
    supervisor: Any = Field(default=None, description="a trainer's username")


class SiteOut(BaseModel):
    id: int
    name: str
    address: str | None
    supervisor: str | None


class EntryIn(BaseModel):
    """``start`` and ``end`` (HH:MM, local time) or ``hours`` (quarter hours)."""

    model_config = ConfigDict(extra="forbid")
    date: Any = Field(default=None, examples=["2026-11-20"])
    start: Any = Field(default=None, examples=["14:00"])
    end: Any = Field(default=None, examples=["17:30"])
    hours: Any = Field(default=None, examples=[None])
    site: Any = Field(default=None, description="a site id from GET /api/v1/sites", examples=[1])
    activity: Any = Field(
        default=None,
        description="direct_service, group_activity, supervision, training, "
        "community_work or other",
        examples=["direct_service"],
    )
    description: Any = Field(default=None, examples=["陪伴社区儿童完成作业，组织阅读游戏。"])
    draft: Any = Field(default=False, description="true: keep it as a draft, not submitted")


class EntryPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: Any = None
    start: Any = None
    end: Any = None
    hours: Any = None
    site: Any = None
    activity: Any = None
    description: Any = None
    version: Any = Field(default=None, description="the version you read; 409 if it changed")


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Any = Field(default=None, description="required to reject or ask for information")
    version: Any = Field(default=None, description="the version you read; 409 if it changed")


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Any = Field(default=None, description="why the approved entry is wrong")
    date: Any = None
    start: Any = None
    end: Any = None
    hours: Any = None
    site: Any = None
    activity: Any = None
    description: Any = None


MULTIPART_OVERHEAD = 256 * 1024


def upload_limits(settings: Any) -> list[tuple[re.Pattern[str], int]]:
    """Request bodies that carry evidence may be larger than others: one file through the
    API, up to the per-entry number through the log form. Counted as the body streams in
    (RequestLimitMiddleware); each file's own size is checked once it is read."""
    one = settings.evidence_max_bytes + MULTIPART_OVERHEAD
    several = settings.evidence_max_bytes * settings.evidence_max_files + MULTIPART_OVERHEAD
    return [
        (re.compile(r"/api/v1/hours/\d+/evidence"), one),
        (re.compile(r"/hours/new|/hours/\d+/evidence"), several),
    ]


def _version(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FormErrors({"version": _("The version is a whole number from the entry.")})
    return value


def _rules(settings: Any) -> Rules:
    return Rules.of(settings)


async def _entry_response(
    request: Request, session: SessionDep, entry: HourEntry, status_code: int = 200
) -> JSONResponse:
    body = await entry_json(session, entry, rules=Rules.of(request.app.state.settings))
    return JSONResponse(body, status_code=status_code)


@router.get("/sites", response_model=list[SiteOut], summary="Placement sites")
async def list_sites(session: SessionDep, user: CurrentUser) -> list[SiteOut]:
    return [
        SiteOut(
            id=site.id or 0,
            name=site.name,
            address=site.address,
            supervisor=supervisor.username if supervisor else None,
        )
        for site, supervisor in await hours.sites(session)
    ]


@router.post(
    "/sites",
    status_code=201,
    response_model=SiteOut,
    summary="Add a placement site (coordinators)",
    responses={409: {"description": "A site of that name exists"}, 422: {}},
)
async def create_site(body: SiteIn, session: SessionDep, user: ManagerUser) -> JSONResponse:
    site = await hours.create_site(
        session, name=body.name, address=body.address, supervisor=body.supervisor, actor=user
    )
    supervisor = await session.get(User, site.supervisor_id) if site.supervisor_id else None
    out = SiteOut(
        id=site.id or 0,
        name=site.name,
        address=site.address,
        supervisor=supervisor.username if supervisor else None,
    )
    return JSONResponse(out.model_dump(), status_code=201)


@router.post(
    "/hours",
    status_code=201,
    summary='Log service: submitted, or a draft with "draft": true',
    responses={409: {"description": "Overlap, over 24 h that day, or logged twice"}, 422: {}},
)
async def log_hours(
    request: Request, body: EntryIn, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> JSONResponse:
    if not isinstance(body.draft, bool):
        raise FormErrors({"draft": _("draft is true or false.")})
    entry = await hours.log_hours(
        session,
        user=user,
        raw=body.model_dump(exclude={"draft"}),
        rules=_rules(settings),
        draft=body.draft,
    )
    return await _entry_response(request, session, entry, 201)


@router.get(
    "/hours",
    summary="Your entries; deciders filter by volunteer, cohort, site or status",
    description="Without volunteer, cohort, site or scope=decide: the caller's own entries. "
    "With any of them: the entries the caller may decide on (never drafts), oldest "
    "submission first.",
)
async def list_hours(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    status: Annotated[
        str | None, Query(pattern="^(draft|submitted|needs_info|approved|rejected)$")
    ] = None,
    volunteer: Annotated[str | None, Query(max_length=40)] = None,
    cohort: Annotated[str | None, Query(max_length=40)] = None,
    site: Annotated[int | None, Query(ge=1)] = None,
    scope: Annotated[str, Query(pattern="^(mine|decide)$")] = "mine",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> JSONResponse:
    deciding = scope == "decide" or any(v is not None for v in (volunteer, cohort, site))
    if deciding:
        if user.role == Role.volunteer:
            raise Forbidden(_("Only trainers and coordinators see other volunteers' hours."))
        rows = await hours.decidable_entries(
            session,
            user=user,
            status=status,
            volunteer=volunteer,
            cohort=cohort,
            site=site,
            limit=limit,
            offset=offset,
        )
    else:
        rows = await hours.own_entries(
            session, user=user, status=status, limit=limit, offset=offset
        )
    rules = _rules(settings)
    people = await hours.names(session, {row.entry.decided_by_id for row in rows})
    return JSONResponse(
        [
            await entry_json(session, row.entry, rules=rules, row=row, people=people, brief=True)
            for row in rows
        ]
    )


@router.get("/hours/{entry_id}", summary="One entry with its evidence and corrections")
async def get_hours(
    request: Request, entry_id: int, session: SessionDep, user: CurrentUser
) -> JSONResponse:
    found = await hours.access(session, entry_id=entry_id, user=user)
    return await _entry_response(request, session, found.entry)


@router.patch(
    "/hours/{entry_id}",
    summary="Change your entry while it is a draft, submitted or needs information",
    responses={409: {"description": "Locked, changed meanwhile, or an overlap"}},
)
async def patch_hours(
    request: Request,
    entry_id: int,
    body: EntryPatch,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
) -> JSONResponse:
    given = body.model_dump(include=body.model_fields_set - {"version"})
    entry = await hours.update_hours(
        session,
        entry_id=entry_id,
        user=user,
        changes=given,
        rules=_rules(settings),
        expected_version=_version(body.version),
    )
    return await _entry_response(request, session, entry)


@router.delete("/hours/{entry_id}", status_code=204, summary="Delete your undecided entry")
async def delete_hours(
    entry_id: int,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> Response:
    stored = await hours.delete_hours(session, entry_id=entry_id, user=user)
    # After the response, so after the commit: a failed commit leaves the files in place.
    background.add_task(files.remove_files, settings.media_dir, stored)
    return Response(status_code=204)


@router.post("/hours/{entry_id}/submit", summary="Submit a draft, or resubmit after a question")
async def submit_hours(
    request: Request, entry_id: int, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> JSONResponse:
    entry = await hours.submit_hours(session, entry_id=entry_id, user=user, rules=_rules(settings))
    return await _entry_response(request, session, entry)


async def _decide(
    request: Request, session: SessionDep, user: User, entry_id: int, decision: str, body: Decision
) -> JSONResponse:
    entry = await hours.decide(
        session,
        entry_id=entry_id,
        user=user,
        decision=decision,
        reason=body.reason,
        expected_version=_version(body.version),
    )
    return await _entry_response(request, session, entry)


DECISION_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "Your own entry, or not yours to decide"},
    404: {},
    409: {"description": "Decided already (by whom), or changed since you read it"},
}


@router.post("/hours/{entry_id}/approve", responses=DECISION_RESPONSES)
async def approve(
    request: Request,
    entry_id: int,
    session: SessionDep,
    user: CurrentUser,
    body: Decision | None = None,
) -> JSONResponse:
    return await _decide(request, session, user, entry_id, "approve", body or Decision())


@router.post("/hours/{entry_id}/reject", responses=DECISION_RESPONSES)
async def reject(
    request: Request, entry_id: int, body: Decision, session: SessionDep, user: CurrentUser
) -> JSONResponse:
    return await _decide(request, session, user, entry_id, "reject", body)


@router.post("/hours/{entry_id}/needs-info", responses=DECISION_RESPONSES)
async def needs_info(
    request: Request, entry_id: int, body: Decision, session: SessionDep, user: CurrentUser
) -> JSONResponse:
    return await _decide(request, session, user, entry_id, "needs-info", body)


@router.post(
    "/hours/{entry_id}/evidence",
    status_code=201,
    summary="Add a photo (JPEG, PNG, WebP) or PDF to your undecided entry",
    responses={409: {"description": "Locked, or 5 files already"}, 413: {}, 415: {}},
)
async def add_evidence(
    entry_id: int,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
) -> JSONResponse:
    data = await file.read(settings.evidence_max_bytes + 1)
    evidence = await files.add_evidence(
        session,
        entry_id=entry_id,
        user=user,
        data=data,
        filename=file.filename,
        limits=files.Limits(settings.evidence_max_bytes, settings.evidence_max_files),
        media_dir=settings.media_dir,
    )
    return JSONResponse(evidence_item(evidence), status_code=201)


@router.get("/hours/{entry_id}/evidence/{evidence_id}", summary="Download an evidence file")
async def get_evidence(
    entry_id: int, evidence_id: int, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> FileResponse:
    evidence, path = await files.evidence_file(
        session, evidence_id=evidence_id, user=user, media_dir=settings.media_dir
    )
    if evidence.entry_id != entry_id:
        raise NotFound(_("There is no such evidence file."))
    return evidence_response(evidence, path)


@router.post(
    "/hours/{entry_id}/corrections",
    status_code=201,
    summary="Ask for a correction of your approved entry",
    responses={409: {"description": "Not approved, or a correction is pending"}, 422: {}},
)
async def request_correction(
    entry_id: int, body: CorrectionIn, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> JSONResponse:
    correction = await hours.request_correction(
        session,
        entry_id=entry_id,
        user=user,
        reason=body.reason,
        changes=body.model_dump(include=body.model_fields_set - {"reason"}),
        rules=_rules(settings),
    )
    people = await hours.names(session, {correction.decided_by_id})
    return JSONResponse(correction_json(correction, people, settings.zone), status_code=201)


async def _correction_decision(
    request: Request,
    session: SessionDep,
    user: User,
    entry_id: int,
    number: int,
    accept: bool,
    body: Decision | None,
) -> JSONResponse:
    settings = request.app.state.settings
    correction = await hours.decide_correction(
        session,
        entry_id=entry_id,
        number=number,
        user=user,
        accept=accept,
        reason=body.reason if body else None,
        rules=_rules(settings),
    )
    people = await hours.names(session, {correction.decided_by_id})
    return JSONResponse(correction_json(correction, people, settings.zone))


@router.post("/hours/{entry_id}/corrections/{number}/accept", responses=DECISION_RESPONSES)
async def accept_correction(
    request: Request,
    entry_id: int,
    number: int,
    session: SessionDep,
    user: CurrentUser,
    body: Decision | None = None,
) -> JSONResponse:
    return await _correction_decision(request, session, user, entry_id, number, True, body)


@router.post("/hours/{entry_id}/corrections/{number}/decline", responses=DECISION_RESPONSES)
async def decline_correction(
    request: Request,
    entry_id: int,
    number: int,
    body: Decision,
    session: SessionDep,
    user: CurrentUser,
) -> JSONResponse:
    return await _correction_decision(request, session, user, entry_id, number, False, body)
