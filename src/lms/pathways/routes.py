"""Pathway pages: a volunteer's checklist, a volunteer's record for staff (with the
evaluation and referral forms), and a cohort's overview with its exports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from lms.certificates import service as certificates
from lms.cohorts import service as cohorts
from lms.errors import FormErrors, NotFound
from lms.i18n import current_language
from lms.i18n import gettext as _
from lms.models.accounts import User
from lms.pathways import eligibility
from lms.pathways import service as pathways
from lms.pathways.eligibility import hours_text
from lms.practicum.exports import XLSX, Table, csv_text, xlsx_bytes
from lms.web.auth import CurrentUser, StaffUser, optional_user
from lms.web.csrf import verify_csrf
from lms.web.deps import FormField, SessionDep, SettingsDep, undo
from lms.web.templating import redirect, render

router = APIRouter(
    include_in_schema=False, dependencies=[Depends(verify_csrf), Depends(optional_user)]
)

PER_PAGE = 200

HELPERS = {
    "rating_title": pathways.rating_title,
    "outcome_title": pathways.outcome_title,
    "hours_text": hours_text,
    "ratings": pathways.RATINGS,
    "outcomes": pathways.OUTCOMES,
}


@router.get("/pathway")
async def my_pathway(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    language = current_language.get()
    slugs = await pathways.own_pathways(session, user)
    return render(
        request,
        "pathways/mine.html",
        {
            "checklists": await pathways.checklists(
                session, user_id=user.id or 0, slugs=slugs, language=language
            ),
            "evaluations": await pathways.evaluations_of(
                session, volunteer_id=user.id or 0, language=language
            ),
            "referrals": await pathways.referrals_of(session, volunteer_id=user.id or 0),
            "certificates": await certificates.of_volunteer(session, volunteer_id=user.id or 0),
            "certificate_status": certificates.status,
            **HELPERS,
        },
    )


async def record_context(
    session: SessionDep, found: pathways.Relation, **extra: Any
) -> dict[str, Any]:
    language = current_language.get()
    volunteer = found.volunteer
    checklists = await pathways.checklists(
        session, user_id=volunteer.id or 0, slugs=found.pathways, language=language
    )
    return {
        "found": found,
        "volunteer": volunteer,
        "checklists": checklists,
        "evaluable": [
            (c.plan.pathway.slug, level)
            for c in checklists
            for level in c.plan.levels
            if level.evaluation is not None
        ]
        if found.capacity
        else [],
        "evaluations": await pathways.evaluations_of(
            session, volunteer_id=volunteer.id or 0, language=language
        ),
        "referrals": await pathways.referrals_of(session, volunteer_id=volunteer.id or 0),
        "certificates": await certificates.of_volunteer(session, volunteer_id=volunteer.id or 0),
        "can_certify": found.admin or bool(found.referring),
        # None: every certificate (an admin); else those issued in cohorts the viewer runs
        "managed_cohorts": None if found.admin else {c.id for c in found.referring},
        "issuable": [
            (c.plan.pathway.slug, level)
            for c in checklists
            if found.admin or c.plan.pathway.slug in {r.pathway for r in found.referring}
            for level in c.standing.levels
            if certificates.issuable(c.standing, level)
        ],
        "certificate_error": None,
        "revoke_errors": {},
        "certificate_status": certificates.status,
        "notice": {},
        "outcome_options": [(o, pathways.outcome_title(o)) for o in pathways.OUTCOMES],
        "errors": {},
        "values": {},
        **HELPERS,
        **extra,
    }


@router.get("/volunteers/{username}")
async def volunteer_record(
    request: Request, session: SessionDep, user: CurrentUser, username: str
) -> Response:
    found = await pathways.relation(session, viewer=user, username=username)
    context = await record_context(session, found)
    serials = {c.serial for c in context["certificates"]}
    context["notice"] = {  # only about this volunteer's certificates
        key: value
        for key in ("issued", "revoked")
        if (value := request.query_params.get(key, "")) in serials
    }
    return render(request, "pathways/volunteer.html", context)


@router.get("/volunteers/{username}/evaluate")
async def evaluation_form(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    username: str,
    level: Annotated[str, Query(max_length=20)] = "",
    pathway: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    pathways.no_volunteers(user)
    found = await pathways.relation(session, viewer=user, username=username)
    context = await _evaluation_context(session, found, pathway, level)
    return render(request, "pathways/evaluate.html", context)


async def _evaluation_context(
    session: SessionDep,
    found: pathways.Relation,
    pathway: str,
    level: str,
    **extra: Any,
) -> dict[str, Any]:
    """The form for one level: 403 for someone who may not evaluate, 404 for a level
    that does not ask for an evaluation."""
    pathways.evaluator_capacity(found)
    slug = pathway or (found.pathways[0] if found.pathways else "")
    row = (
        (await pathways.pathway_rows(session, [slug])).get(slug) if slug in found.pathways else None
    )
    if row is None:
        raise NotFound(_("This volunteer is not in a cohort that follows a pathway."))
    plan = eligibility.parse(row.definition)
    chosen = next((lv for lv in plan.levels if lv.code == level), None)
    if chosen is None or chosen.evaluation is None:
        raise NotFound(
            _("Level %(code)s does not ask for an evaluation.") % {"code": level[:20] or "?"}
        )
    language = current_language.get()
    return {
        "found": found,
        "volunteer": found.volunteer,
        "pathway_slug": slug,
        "level": chosen,
        "level_title": eligibility.text_in(chosen.title, language),
        "criteria": [
            (c.code, eligibility.text_in(c.title, language)) for c in chosen.evaluation.criteria
        ],
        "errors": {},
        "values": {},
        **HELPERS,
        **extra,
    }


@router.post("/volunteers/{username}/evaluate")
async def submit_evaluation(
    request: Request, session: SessionDep, user: CurrentUser, username: str
) -> Response:
    pathways.no_volunteers(user)
    found = await pathways.relation(session, viewer=user, username=username)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    pathway, level = values.get("pathway", ""), values.get("level", "")
    context = await _evaluation_context(session, found, pathway, level)
    raw: dict[str, Any] = {
        "pathway": pathway,
        "level": level,
        "ratings": {
            code: {"rating": values.get(f"rating_{code}"), "comment": values.get(f"comment_{code}")}
            for code, _title in context["criteria"]
        },
        "passed": values.get("passed"),
        "comment": values.get("comment", ""),
    }
    try:
        await pathways.evaluate(session, relation=found, raw=raw, language=current_language.get())
    except FormErrors as refused:
        await undo(session, user, found.volunteer)
        context.update(errors=refused.errors, values=values)
        return render(request, "pathways/evaluate.html", context, status_code=422)
    return redirect(request, f"/volunteers/{found.volunteer.username}#evaluations")


@router.post("/volunteers/{username}/referrals")
async def add_referral(
    request: Request,
    session: SessionDep,
    user: StaffUser,
    settings: SettingsDep,
    username: str,
    organisation: FormField = "",
    role: FormField = "",
    date: FormField = "",
    outcome: FormField = "pending",
    note: FormField = "",
) -> Response:
    found = await pathways.relation(session, viewer=user, username=username)
    raw = {
        "organisation": organisation,
        "role": role,
        "date": date,
        "outcome": outcome,
        "note": note,
    }
    try:
        await pathways.refer(
            session, relation=found, raw=raw, today=datetime.now(settings.zone).date()
        )
    except FormErrors as refused:
        await undo(session, user, found.volunteer, *found.cohorts)
        context = await record_context(session, found, errors=refused.errors, values=raw)
        return render(request, "pathways/volunteer.html", context, status_code=422)
    return redirect(request, f"/volunteers/{found.volunteer.username}#referrals")


@router.post("/referrals/{referral_id}")
async def change_referral(
    request: Request,
    session: SessionDep,
    user: StaffUser,
    settings: SettingsDep,
    referral_id: int,
    outcome: FormField = "",
) -> Response:
    referral = await pathways.update_referral(
        session,
        user=user,
        referral_id=referral_id,
        raw={"outcome": outcome},
        today=datetime.now(settings.zone).date(),
    )
    volunteer = await session.get(User, referral.volunteer_id)
    return redirect(request, f"/volunteers/{volunteer.username if volunteer else ''}#referrals")


# ---------------------------------------------------------------- the cohort overview


class Filters:
    def __init__(self, level: str, show: str, q: str, sort: str) -> None:
        self.level, self.show, self.q, self.sort = level, show, q, sort

    def query(self, **change: str) -> str:
        values = {"level": self.level, "show": self.show, "q": self.q, "sort": self.sort} | change
        defaults = {"show": "all", "sort": "ready"}
        return urlencode({k: v for k, v in values.items() if v and defaults.get(k) != v})


async def _overview(
    session: SessionDep, user: User, code: str, filters: Filters
) -> tuple[Any, pathways.Overview | None, list[pathways.OverviewRow]]:
    cohort = await cohorts.cohort_for(session, code=code, user=user)
    found = await pathways.overview(session, cohort=cohort, language=current_language.get())
    if found is None:
        return cohort, None, []
    if filters.level and found.plan.level(filters.level) is None:
        filters.level = ""
    rows = pathways.pick(
        found.rows, level=filters.level, show=filters.show, query=filters.q, sort=filters.sort
    )
    return cohort, found, rows


@router.get("/cohorts/{code}/pathway")
async def cohort_pathway(
    request: Request,
    session: SessionDep,
    user: StaffUser,
    code: str,
    level: Annotated[str, Query(max_length=20)] = "",
    show: Annotated[str, Query(pattern="^(all|stuck|inactive)$")] = "all",
    q: Annotated[str, Query(max_length=100)] = "",
    sort: Annotated[str, Query(pattern="^(ready|name|active|hours)$")] = "ready",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    filters = Filters(level, show, q, sort)
    cohort, found, rows = await _overview(session, user, code, filters)
    role = await cohorts.membership(session, cohort=cohort, user=user)
    pages = max(1, -(-len(rows) // PER_PAGE))
    return render(
        request,
        "pathways/overview.html",
        {
            "cohort": cohort,
            "found": found,
            "rows": rows[(page - 1) * PER_PAGE : page * PER_PAGE],
            "total": len(found.rows) if found else 0,
            "matched": len(rows),
            "filters": filters,
            "page": page,
            "pages": pages,
            "can_manage": user.role == "admin" or role == "coordinator",
            "counts": _counts(found),
            **HELPERS,
        },
    )


def _counts(found: pathways.Overview | None) -> dict[str, int]:
    if found is None:
        return {}
    counts = {
        level.code: sum(1 for r in found.rows if (s := r.standing.level(level.code)) and s.eligible)
        for level in found.plan.levels
    }
    counts["stuck"] = sum(r.standing.stuck for r in found.rows)
    counts["inactive"] = sum(r.inactive for r in found.rows)
    return counts


@router.get("/cohorts/{code}/pathway.{kind}")
async def cohort_pathway_export(
    session: SessionDep,
    user: StaffUser,
    settings: SettingsDep,
    code: str,
    kind: str,
    level: Annotated[str, Query(max_length=20)] = "",
    show: Annotated[str, Query(pattern="^(all|stuck|inactive)$")] = "all",
    q: Annotated[str, Query(max_length=100)] = "",
    sort: Annotated[str, Query(pattern="^(ready|name|active|hours)$")] = "ready",
) -> Response:
    if kind not in ("csv", "xlsx"):
        raise NotFound(_("Export as .csv or .xlsx."))
    filters = Filters(level, show, q, sort)
    cohort, found, rows = await _overview(session, user, code, filters)
    if found is None:
        raise NotFound(_("The cohort %(code)s follows no pathway.") % {"code": cohort.code})
    table = overview_table(found, rows, settings.zone)
    headers = {"Cache-Control": "no-store"}
    name = f"{cohort.code}-pathway"
    if kind == "xlsx":
        headers["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return Response(xlsx_bytes([table]), media_type=XLSX, headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return Response(csv_text(table), media_type="text/csv; charset=utf-8", headers=headers)


def overview_table(found: pathways.Overview, rows: list[pathways.OverviewRow], zone: Any) -> Table:
    header = [_("Username"), _("Name"), _("Student number"), _("Approved hours")]
    for level in found.plan.levels:
        title = found.plan.level_titles[level.code]
        header += [
            f"{title}: {_('eligible')}",
            f"{title}: {_('modules')}",
            f"{title}: {_('quizzes')}",
            f"{title}: {_('evaluation')}",
            f"{title}: {_('missing')}",
        ]
    header += [_("Last active"), _("Referral"), _("Referral outcome")]
    table_rows = []
    for row in rows:
        standing = row.standing
        cells: list[Any] = [
            row.user.username,
            row.user.name,
            row.user.student_id or "",
            round(standing.approved_hours, 2),
        ]
        for status in standing.levels:
            modules = [(r.current, r.target) for r in status.of("course")]
            quizzes = status.tally("quiz")
            evaluation = next(iter(status.of("evaluation")), None)
            cells += [
                _("yes") if status.eligible else _("no"),
                f"{int(sum(c for c, _t in modules))}/{int(sum(t for _c, t in modules))}",
                f"{quizzes[0]}/{quizzes[1]}",
                "" if evaluation is None else (_("passed") if evaluation.met else _("not yet")),
                "; ".join(status.summary()),
            ]
        active = standing.last_active
        cells += [
            active.astimezone(zone).strftime("%Y-%m-%d") if active else "",
            row.referral.organisation if row.referral else "",
            pathways.outcome_title(row.referral.outcome) if row.referral else "",
        ]
        table_rows.append(cells)
    return Table(title=_("Pathway"), header=header, rows=table_rows)
