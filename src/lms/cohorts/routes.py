"""Cohort pages for coordinators (and trainers, who may look)."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from starlette.responses import Response

from lms.accounts import service as accounts
from lms.cohorts import service as cohorts
from lms.cohorts.roster import (
    MAX_BYTES,
    Roster,
    RosterProblem,
    decode,
    parse_roster,
    write_links,
)
from lms.courses import service as courses
from lms.courses.service import localised
from lms.errors import FormErrors
from lms.i18n import current_language
from lms.i18n import gettext as _
from lms.models.accounts import Role
from lms.models.cohorts import Cohort
from lms.web.auth import ManagerUser, StaffUser, optional_user
from lms.web.csrf import verify_csrf
from lms.web.deps import FormField, SessionDep, undo
from lms.web.errors import error_response
from lms.web.templating import redirect, render

router = APIRouter(
    include_in_schema=False, dependencies=[Depends(verify_csrf), Depends(optional_user)]
)

CSV_TYPES = {
    "text/csv",
    "application/csv",
    "application/vnd.ms-excel",
    "text/plain",
    "application/octet-stream",
    "",
}


MEMBERS_PER_PAGE = 100


async def detail_context(
    session: SessionDep, cohort: Cohort, user: accounts.User, page: int = 1, **extra: object
) -> dict[str, object]:
    role = await cohorts.membership(session, cohort=cohort, user=user)
    total = await cohorts.member_count(session, cohort=cohort)
    return {
        "cohort": cohort,
        "members": await cohorts.members(
            session, cohort=cohort, limit=MEMBERS_PER_PAGE, offset=(page - 1) * MEMBERS_PER_PAGE
        ),
        "member_total": total,
        "page": page,
        "pages": max(1, -(-total // MEMBERS_PER_PAGE)),
        "pending": await cohorts.pending_links(session, cohort=cohort),
        "can_manage": user.role == Role.admin or role == "coordinator",
        "errors": {},
        "values": {},
        "roster": None,
        "created": None,
        "notice": None,
        "roster_text": "",
        **extra,
    }


async def pathway_options(session: SessionDep) -> list[tuple[str, str]]:
    """("", None) and (slug, title) of every loaded pathway, in the reader's language."""
    language = current_language.get()
    return [("", _("None"))] + [
        (pathway.slug, localised(pathway.title, language, "en"))
        for pathway in await courses.pathways(session)
    ]


async def list_context(session: SessionDep, user: accounts.User) -> dict[str, object]:
    options = await pathway_options(session)
    return {
        "cohorts": await cohorts.cohorts_for(session, user=user),
        "pathways": options,
        "pathway_titles": dict(options[1:]),
    }


@router.get("/cohorts")
async def cohort_list(request: Request, session: SessionDep, user: StaffUser) -> Response:
    return render(
        request,
        "cohorts/list.html",
        {
            **await list_context(session, user),
            "can_create": user.role in (Role.coordinator, Role.admin),
            "errors": {},
            "values": {},
        },
    )


@router.post("/cohorts")
async def create_cohort(
    request: Request,
    session: SessionDep,
    user: ManagerUser,
    code: FormField = "",
    name: FormField = "",
    pathway: FormField = "",
) -> Response:
    try:
        cohort = await cohorts.create_cohort(
            session, code=code, name=name, pathway=pathway, actor=user
        )
    except FormErrors as refused:
        await undo(session, user)
        return render(
            request,
            "cohorts/list.html",
            {
                **await list_context(session, user),
                "can_create": True,
                "errors": refused.errors,
                "values": {"code": code, "name": name, "pathway": pathway},
            },
            block="create_form",
            status_code=422,
        )
    return redirect(request, f"/cohorts/{cohort.code}")


@router.get("/cohorts/{code}")
async def cohort_detail(
    request: Request,
    session: SessionDep,
    user: StaffUser,
    code: str,
    imported: Annotated[int, Query(ge=0, le=100_000)] = 0,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    cohort = await cohorts.cohort_for(session, code=code, user=user)
    notice = (
        (_("%(n)d people were added. Download their set-password links below.") % {"n": imported})
        if imported > 0
        else None
    )
    return render(
        request,
        "cohorts/detail.html",
        await detail_context(session, cohort, user, page=page, notice=notice),
        block="members",
    )


@router.post("/cohorts/{code}/invite")
async def invite(
    request: Request,
    session: SessionDep,
    user: ManagerUser,
    code: str,
    action: Annotated[str, Form(max_length=10)],
    max_uses: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    cohort = await cohorts.cohort_for(session, code=code, user=user, manage=True)
    text = max_uses.strip()
    if text and not text.isdigit():
        raise FormErrors({"max_uses": _("Leave empty for no limit, or enter a number from 1.")})
    await cohorts.set_invite(
        session, cohort=cohort, action=action, actor=user, max_uses=int(text) if text else None
    )
    return redirect(request, f"/cohorts/{cohort.code}#invite")


@router.post("/cohorts/{code}/members/existing")
async def add_existing(
    request: Request,
    session: SessionDep,
    user: ManagerUser,
    code: str,
    existing_username: FormField = "",
    member_role: Annotated[str, Form(max_length=20)] = "trainer",
) -> Response:
    """Puts an existing account in the cohort (its coordinators and trainers, mostly)."""
    cohort = await cohorts.cohort_for(session, code=code, user=user, manage=True)
    try:
        await cohorts.add_existing_member(
            session, cohort=cohort, username=existing_username, role=member_role, actor=user
        )
    except FormErrors as refused:
        await undo(session, user, cohort)
        return render(
            request,
            "cohorts/detail.html",
            await detail_context(
                session,
                cohort,
                user,
                errors={
                    ("existing_username" if k == "username" else k): v
                    for k, v in refused.errors.items()
                },
                values={"existing_username": existing_username, "member_role": member_role},
            ),
            block="existing_form",
            status_code=422,
        )
    return redirect(request, f"/cohorts/{cohort.code}")


@router.post("/cohorts/{code}/members")
async def add_person(
    request: Request,
    session: SessionDep,
    user: ManagerUser,
    code: str,
    username: FormField = "",
    name: FormField = "",
    role: Annotated[str, Form(max_length=20)] = "volunteer",
    email: FormField = "",
    phone: FormField = "",
    student_id: FormField = "",
) -> Response:
    cohort = await cohorts.cohort_for(session, code=code, user=user, manage=True)
    values = {
        "username": username,
        "name": name,
        "role": role,
        "email": email,
        "phone": phone,
        "student_id": student_id,
    }
    try:
        if role not in ("volunteer", "trainer"):
            raise FormErrors({"role": _("Use volunteer or trainer.")})
        person = await accounts.create_user(
            session,
            role=Role(role),
            actor=user,
            profile=accounts.Profile(
                username=username, name=name, email=email, phone=phone, student_id=student_id
            ),
        )
        await cohorts.add_member(session, cohort=cohort, user=person, role=role, actor=user)
        (link,) = await cohorts.password_links(
            session,
            cohort=cohort,
            base_url=request.app.state.settings.base_url,
            actor=user,
            only=[person],
        )
    except FormErrors as refused:
        await undo(session, user, cohort)
        return render(
            request,
            "cohorts/detail.html",
            await detail_context(session, cohort, user, errors=refused.errors, values=values),
            block="add_form",
            status_code=422,
        )
    return render(
        request,
        "cohorts/detail.html",
        await detail_context(session, cohort, user, created=link),
        status_code=201,
    )


@router.post("/cohorts/{code}/roster")
async def roster_preview(
    request: Request, session: SessionDep, user: ManagerUser, code: str, file: UploadFile
) -> Response:
    """Checks an uploaded roster and shows what would be imported; imports nothing."""
    cohort = await cohorts.cohort_for(session, code=code, user=user, manage=True)
    name = (file.filename or "").lower()
    if (file.content_type or "") not in CSV_TYPES or not name.endswith((".csv", ".txt")):
        return error_response(request, 415, _("Upload the roster as a .csv file."))
    data = await file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return error_response(request, 413, _("The file is larger than 2 MB."))
    try:
        text = decode(data)
    except ValueError as refused:
        roster = Roster(problems=[RosterProblem(0, "", str(refused))])
        text = ""
    else:
        roster = parse_roster(text)
        if not roster.problems:
            await cohorts.check_roster_against_database(session, roster)
    return render(
        request,
        "cohorts/detail.html",
        await detail_context(session, cohort, user, roster=roster, roster_text=text),
        block="roster",
        status_code=200 if roster.ok else 422,
    )


@router.post("/cohorts/{code}/roster/import")
async def roster_import(
    request: Request,
    session: SessionDep,
    user: ManagerUser,
    code: str,
    roster_text: Annotated[str, Form(max_length=MAX_BYTES)],
) -> Response:
    cohort = await cohorts.cohort_for(session, code=code, user=user, manage=True)
    roster = parse_roster(roster_text)
    try:
        created = await cohorts.import_roster(session, cohort=cohort, roster=roster, actor=user)
    except cohorts.RosterRefused as refused:
        await undo(session, user, cohort)
        return render(
            request,
            "cohorts/detail.html",
            await detail_context(
                session, cohort, user, roster=refused.roster, roster_text=roster_text
            ),
            block="roster",
            status_code=422,
        )
    return redirect(request, f"/cohorts/{cohort.code}?imported={len(created)}")


@router.post("/cohorts/{code}/links.csv")
async def links_csv(
    request: Request, session: SessionDep, user: ManagerUser, code: str
) -> Response:
    """New set-password links for everyone who has none yet, as a CSV Excel opens
    correctly (UTF-8 with BOM). Links handed out before keep working until used."""
    cohort = await cohorts.cohort_for(session, code=code, user=user, manage=True)
    links = await cohorts.password_links(
        session, cohort=cohort, actor=user, base_url=request.app.state.settings.base_url
    )
    return links_response(links, cohort.code)


def links_response(links: list[tuple[accounts.User, str]], code: str) -> Response:
    buffer = io.StringIO()
    write_links(buffer, links)
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{code}-password-links.csv"',
            "Cache-Control": "no-store",
        },
    )
