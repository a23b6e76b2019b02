"""Certificate pages: issuing and revoking from a volunteer's record, a cohort's
certificates and print jobs, PDFs, service records, and the public verification page."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, RedirectResponse, Response

from lms import ratelimit
from lms.accounts.service import Throttled
from lms.certificates import jobs, pdf, records
from lms.certificates import service as certificates
from lms.certificates import template as templates
from lms.cohorts import service as cohorts
from lms.config import Settings
from lms.errors import Forbidden, FormErrors, Invalid, NotFound
from lms.i18n import current_language
from lms.i18n import gettext as _
from lms.models.accounts import User
from lms.models.certificates import Certificate, PrintJob
from lms.models.cohorts import Cohort
from lms.pathways import service as pathways
from lms.pathways.routes import record_context
from lms.web.auth import CurrentUser, StaffUser, optional_user
from lms.web.csrf import verify_csrf
from lms.web.deps import FormField, SessionDep, SettingsDep, client_address, undo
from lms.web.templating import redirect, render

router = APIRouter(
    include_in_schema=False, dependencies=[Depends(verify_csrf), Depends(optional_user)]
)

PDF_HEADERS = {"Cache-Control": "private, no-store"}


async def verification_limit(request: Request) -> None:
    """Counts the request against its address in the database (every worker shares the
    count) in a short transaction of its own; 429 past the limit."""
    factory = request.app.state.session_factory
    async with factory(write=True) as session:
        who = ratelimit.address_key(client_address(request))
        wait = await ratelimit.hit(session, limit=ratelimit.VERIFY, who=who)
        await session.commit()
    if wait:
        raise Throttled(
            _("Too many verification requests from your address. Please wait %(seconds)d seconds.")
            % {"seconds": wait},
            retry_after=wait,
        )


Limited = Depends(verification_limit)


def pdf_response(data: bytes, filename: str) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"', **PDF_HEADERS},
    )


# ---------------------------------------------------------------- a volunteer's record


async def refused_record(
    request: Request, session: SessionDep, user: User, username: str, **extra: Any
) -> Response:
    await undo(session, user)
    found = await pathways.relation(session, viewer=user, username=username)
    context = await record_context(session, found, **extra)
    return render(request, "pathways/volunteer.html", context, status_code=422)


@router.post("/volunteers/{username}/certificates")
async def issue(
    request: Request,
    session: SessionDep,
    user: StaffUser,
    settings: SettingsDep,
    username: str,
    pathway: FormField = "",
    level: FormField = "",
) -> Response:
    found = await pathways.relation(session, viewer=user, username=username)
    await certificates.may_issue(session, viewer=user, volunteer=found.volunteer, pathway=pathway)
    try:
        issued = await certificates.issue(
            session,
            actor=user,
            volunteer=found.volunteer,
            pathway=pathway,
            level=level,
            content_dir=settings.content_dir,
            cohort_id=next((c.id for c in found.cohorts if c.pathway == pathway), None),
            time_zone=settings.time_zone,
        )
    except (Invalid, NotFound) as refused:
        return await refused_record(
            request, session, user, username, certificate_error=refused.message
        )
    serial = issued.certificate.serial
    return redirect(request, f"/volunteers/{found.volunteer.username}?issued={serial}#certificates")


@router.post("/certificates/{serial}/revoke")
async def revoke(
    request: Request,
    session: SessionDep,
    user: StaffUser,
    serial: str,
    reason: FormField = "",
) -> Response:
    certificate = await certificates.find(session, serial)
    await certificates.may_manage(session, viewer=user, certificate=certificate)
    holder = await session.get(User, certificate.volunteer_id)
    assert holder is not None
    username = holder.username
    try:
        await certificates.revoke(session, actor=user, certificate=certificate, reason=reason)
    except FormErrors as refused:
        return await refused_record(
            request,
            session,
            user,
            username,
            revoke_errors={certificate.serial: refused.errors},
            values={"reason": reason},
        )
    return redirect(request, f"/volunteers/{username}?revoked={certificate.serial}#certificates")


@router.get("/certificates/{serial}.pdf")
async def certificate_pdf(
    session: SessionDep, user: CurrentUser, settings: SettingsDep, serial: str
) -> Response:
    certificate = await certificates.find(session, serial)
    await certificates.may_download(session, viewer=user, certificate=certificate)
    item = certificates.document(
        certificate,
        template=templates.for_reprint(settings.content_dir, certificate.template),
        base_url=settings.base_url,
        time_zone=settings.time_zone,
    )
    data = await asyncio.to_thread(pdf.certificate, item)
    return pdf_response(data, f"{certificate.serial}.pdf")


@router.post("/volunteers/{username}/service-record")
async def new_service_record(
    request: Request,
    session: SessionDep,
    user: StaffUser,
    settings: SettingsDep,
    username: str,
) -> Response:
    found = await pathways.relation(session, viewer=user, username=username)
    if not (found.admin or found.referring):
        raise Forbidden(_("Only a coordinator of the volunteer's cohort can do this."))
    try:
        record = await records.create(
            session,
            actor=user,
            volunteer=found.volunteer,
            content_dir=settings.content_dir,
            time_zone=settings.time_zone,
        )
    except Invalid as refused:
        return await refused_record(
            request, session, user, username, certificate_error=refused.message
        )
    return redirect(request, f"/service-records/{record.number}.pdf")


@router.get("/service-records/{number}.pdf")
async def service_record_pdf(
    session: SessionDep, user: CurrentUser, settings: SettingsDep, number: str
) -> Response:
    record = await records.find(session, number)
    if user.id != record.volunteer_id:
        volunteer = await session.get(User, record.volunteer_id)
        assert volunteer is not None
        missing = NotFound(_("There is no service record with this number."))
        try:
            found = await pathways.relation(session, viewer=user, username=volunteer.username)
        except NotFound:
            raise missing from None
        if not (found.admin or found.referring):
            raise missing
    data = records.document(record, content_dir=settings.content_dir, time_zone=settings.time_zone)
    return pdf_response(await asyncio.to_thread(pdf.service_record, data), f"{record.number}.pdf")


# ---------------------------------------------------------------- a cohort's certificates


async def cohort_context(
    request: Request, session: SessionDep, user: User, settings: Settings, code: str, **extra: Any
) -> dict[str, Any]:
    cohort = await cohorts.cohort_for(session, code=code, user=user, manage=True)
    reaped = await jobs.reap(request.app.state.session_factory, settings, cohort_id=cohort.id or 0)
    overview = await pathways.overview(session, cohort=cohort, language=current_language.get())
    ready: dict[str, int] = {}
    if overview is not None:
        for level in overview.plan.levels:
            ready[level.code] = sum(
                1
                for row in overview.rows
                if (s := row.standing.level(level.code)) is not None
                and certificates.issuable(row.standing, s)
            )
    recent = await jobs.recent(session, cohort=cohort)
    jobs.shown(session, recent, reaped)
    return {
        "cohort": cohort,
        "overview": overview,
        "ready": ready,
        "issued": await certificates.of_cohort(session, cohort=cohort),
        "jobs": recent,
        "status": certificates.status,
        "result": None,
        "errors": {},
        **extra,
    }


@router.get("/cohorts/{code}/certificates")
async def cohort_certificates(
    request: Request, session: SessionDep, user: StaffUser, settings: SettingsDep, code: str
) -> Response:
    context = await cohort_context(request, session, user, settings, code)
    return render(request, "certificates/cohort.html", context)


@router.post("/cohorts/{code}/certificates/issue")
async def cohort_issue(
    request: Request,
    session: SessionDep,
    user: StaffUser,
    settings: SettingsDep,
    code: str,
    level: FormField = "",
) -> Response:
    cohort = await cohorts.cohort_for(session, code=code, user=user, manage=True)
    try:
        result = await certificates.issue_eligible(
            session,
            actor=user,
            cohort=cohort,
            level=level,
            content_dir=settings.content_dir,
            time_zone=settings.time_zone,
        )
    except (Invalid, NotFound) as refused:
        await undo(session, user)
        context = await cohort_context(
            request, session, user, settings, code, errors={"level": refused.message}
        )
        return render(request, "certificates/cohort.html", context, status_code=422)
    context = await cohort_context(
        request, session, user, settings, code, result=result, level=level
    )
    return render(request, "certificates/cohort.html", context)


@router.post("/cohorts/{code}/certificates/print")
async def cohort_print(
    request: Request,
    session: SessionDep,
    user: StaffUser,
    settings: SettingsDep,
    code: str,
    serials: Annotated[list[str] | None, Form()] = None,
    everything: FormField = "",
) -> Response:
    cohort = await cohorts.cohort_for(session, code=code, user=user, manage=True)
    chosen = None if everything else (serials or [])
    try:
        job = await jobs.start(session, actor=user, cohort=cohort, serials=chosen)
    except Invalid as refused:
        await undo(session, user)
        context = await cohort_context(
            request, session, user, settings, code, errors={"serials": refused.message}
        )
        return render(request, "certificates/cohort.html", context, status_code=422)
    response = redirect(request, f"/print-jobs/{job.id}")
    # Started after the request's commit, which happens before the response is sent.
    response.background = BackgroundTask(jobs.launch, job.id or 0, settings)
    return response


async def job_for(
    request: Request, session: SessionDep, user: User, settings: Settings, job_id: int
) -> tuple[PrintJob, Cohort]:
    """The job, brought up to date, if ``user`` coordinates its cohort; 404 otherwise."""
    missing = NotFound(_("There is no such print job."))
    job = await session.get(PrintJob, job_id)
    cohort = await session.get(Cohort, job.cohort_id) if job and job.cohort_id else None
    if job is None or cohort is None:
        raise missing
    try:
        await cohorts.cohort_for(session, code=cohort.code, user=user, manage=True)
    except (NotFound, Forbidden):
        raise missing from None
    reaped = await jobs.reap(request.app.state.session_factory, settings, cohort_id=cohort.id or 0)
    jobs.shown(session, [job], reaped)
    return job, cohort


@router.get("/print-jobs/{job_id}")
async def print_job(
    request: Request, session: SessionDep, user: StaffUser, settings: SettingsDep, job_id: int
) -> Response:
    job, cohort = await job_for(request, session, user, settings, job_id)
    return render(
        request,
        "certificates/job.html",
        {"job": job, "cohort": cohort, "ready": jobs.file_of(settings, job) is not None},
        block="progress" if request.headers.get("HX-Request") == "true" else None,
    )


@router.get("/print-jobs/{job_id}/file.pdf")
async def print_job_file(
    request: Request, session: SessionDep, user: StaffUser, settings: SettingsDep, job_id: int
) -> Response:
    job, cohort = await job_for(request, session, user, settings, job_id)
    path = jobs.file_of(settings, job)
    if path is None:
        raise NotFound(_("This print has no finished file to download."))
    name = f"certificates-{cohort.code}-{job.id}.pdf"
    return FileResponse(path, media_type="application/pdf", filename=name, headers=PDF_HEADERS)


# ---------------------------------------------------------------- anyone: verification


@router.get("/verify")
async def verify_form(request: Request, serial: str = "") -> Response:
    if serial.strip():
        return RedirectResponse(f"/verify/{quote(serial.strip()[:60], safe='')}", status_code=303)
    context = {"problem": None, "view": None, "serial": ""}
    return render(request, "certificates/verify.html", context)


@router.get("/verify/{serial}", dependencies=[Limited])
async def verify(
    request: Request, session: SessionDep, settings: SettingsDep, serial: str
) -> Response:
    try:
        certificate: Certificate | None = await certificates.find(session, serial)
        problem = None
    except NotFound as missing:
        certificate, problem = None, missing.message
    context = {
        "problem": problem,
        "serial": serial[:60],
        "view": certificates.public_json(certificate, language=current_language.get())
        if certificate
        else None,
        "issued_at": certificate.issued_at if certificate else None,
        "revoked_at": certificate.revoked_at if certificate else None,
    }
    return render(
        request,
        "certificates/verify.html",
        context,
        status_code=404 if certificate is None else 200,
        headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"},
    )
