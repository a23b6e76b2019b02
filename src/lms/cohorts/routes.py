"""Cohort pages for coordinators (and trainers, who may look)."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from starlette.responses import Response

from lms.accounts import service as accounts
from lms.cohorts import service as cohorts
from lms.cohorts.roster import MAX_BYTES, Roster, RosterProblem, decode, parse_roster
from lms.errors import FormErrors
from lms.i18n import gettext as _
from lms.models.accounts import Role
from lms.models.cohorts import Cohort
from lms.web.auth import ManagerUser, StaffUser, optional_user
from lms.web.csrf import verify_csrf
from lms.web.deps import SessionDep, undo
from lms.web.errors import error_response
from lms.web.templating import redirect, render

router = APIRouter(
    include_in_schema=False, dependencies=[Depends(verify_csrf), Depends(optional_user)]
)

# Generous hard caps against huge posts; the services give the real limits, next to
# the field. Empty fields reach the services too, so the message is theirs.
Text = Annotated[str, Form(max_length=1000)]
Optional = Annotated[str, Form(max_length=1000)]
CSV_TYPES = {
    "text/csv",
    "application/csv",
    "application/vnd.ms-excel",
    "text/plain",
    "application/octet-stream",
    "",
}


async def detail_context(
    session: SessionDep, cohort: Cohort, user: accounts.User, **extra: object
) -> dict[str, object]:
    role = await cohorts.membership(session, cohort=cohort, user=user)
    return {
        "cohort": cohort,
        "members": await cohorts.members(session, cohort=cohort),
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


@router.get("/cohorts")
async def cohort_list(request: Request, session: SessionDep, user: StaffUser) -> Response:
    return render(
        request,
        "cohorts/list.html",
        {
            "cohorts": await cohorts.cohorts_for(session, user=user),
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
    code: Text = "",
    name: Text = "",
    pathway: Optional = "",
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
                "cohorts": await cohorts.cohorts_for(session, user=user),
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
    request: Request, session: SessionDep, user: StaffUser, code: str, imported: int = 0
) -> Response:
    cohort = await cohorts.cohort_for(session, code=code, user=user)
    notice = (
        (_("%(n)d people were added. Download their set-password links below.") % {"n": imported})
        if imported > 0
        else None
    )
    return render(
        request, "cohorts/detail.html", await detail_context(session, cohort, user, notice=notice)
    )


@router.post("/cohorts/{code}/invite")
async def invite(
    request: Request,
    session: SessionDep,
    user: ManagerUser,
    code: str,
    action: Annotated[str, Form(max_length=10)],
    max_uses: Annotated[str, Form(max_length=6)] = "",
) -> Response:
    cohort = await cohorts.cohort_for(session, code=code, user=user, manage=True)
    limit = int(max_uses) if max_uses.strip().isdigit() else None
    await cohorts.set_invite(session, cohort=cohort, action=action, actor=user, max_uses=limit)
    return redirect(request, f"/cohorts/{cohort.code}#invite")


@router.post("/cohorts/{code}/members")
async def add_person(
    request: Request,
    session: SessionDep,
    user: ManagerUser,
    code: str,
    username: Text = "",
    name: Text = "",
    role: Annotated[str, Form(max_length=20)] = "volunteer",
    email: Optional = "",
    phone: Optional = "",
    student_id: Optional = "",
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
    """Fresh set-password links for everyone who has none yet, as a CSV Excel opens
    correctly (UTF-8 with BOM). Links handed out before stop working."""
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


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """A cell Excel will show as text: one starting like a formula gets a leading
    apostrophe, so a name such as ``=HYPERLINK(...)`` cannot run on the coordinator's PC."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def write_links(
    stream: io.TextIOBase | io.StringIO, links: list[tuple[accounts.User, str]]
) -> None:
    writer = csv.writer(stream)
    writer.writerow(["username", "name", "link"])
    writer.writerows(
        [spreadsheet_safe(user.username), spreadsheet_safe(user.name), link] for user, link in links
    )
