"""``/api/v1`` for pathways: a volunteer's computed eligibility, supervisors' evaluations,
coordinators' referrals and a cohort's overview.

404: a volunteer, pathway or referral this user may not see; 403: an evaluation or a
referral this user may not make; 422: a field breaks a rule (``loc: ["body", <field>]``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

from lms.cohorts import service as cohorts
from lms.errors import NotFound
from lms.i18n import current_language
from lms.i18n import gettext as _
from lms.pathways import service as pathways
from lms.web.auth import CurrentUser, StaffUser
from lms.web.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["pathways"])

PATHWAY_QUERY = Query(max_length=64, description="a pathway slug; the newest cohort's if none")


class EvaluationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pathway: Any = Field(default=None, description="needed when the volunteer has several")
    level: Any = Field(default=None, examples=["L4"])
    ratings: Any = Field(
        default=None,
        description="each criterion of the level: {rating: 1-4, comment}",
        examples=[{"rapport": {"rating": 3, "comment": "孩子们愿意和她交流。"}}],
    )
    passed: Any = Field(default=None, description="true: passed; false: not yet")
    comment: Any = Field(default=None, description="required when not passed")


class ReferralIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organisation: Any = Field(default=None, examples=["城东区社会工作服务站"])
    role: Any = Field(default=None, examples=["儿童服务志愿者"])
    date: Any = Field(default=None, examples=["2026-11-20"])
    outcome: Any = Field(default="pending", description="pending, placed or declined")
    note: Any = None


class ReferralPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organisation: Any = None
    role: Any = None
    date: Any = None
    outcome: Any = Field(default=None, description="pending, placed or declined")
    note: Any = None


@router.get(
    "/me/pathway",
    summary="Your eligibility for each level of your pathway",
    responses={404: {"description": "You are not in a cohort that follows a pathway"}},
)
async def my_pathway(
    session: SessionDep,
    user: CurrentUser,
    pathway: Annotated[str | None, PATHWAY_QUERY] = None,
) -> JSONResponse:
    slugs = pathways.choose(await pathways.own_pathways(session, user), pathway)
    found = await pathways.checklists(
        session, user_id=user.id or 0, slugs=slugs, language=current_language.get()
    )
    if not found:
        raise NotFound(_("This volunteer is not in a cohort that follows a pathway."))
    return JSONResponse(pathways.checklist_json(found[0]))


@router.get(
    "/volunteers/{username}/pathway",
    summary="A volunteer's eligibility (their cohort's staff, their site supervisors)",
)
async def volunteer_pathway(
    username: str,
    session: SessionDep,
    user: StaffUser,
    pathway: Annotated[str | None, PATHWAY_QUERY] = None,
) -> JSONResponse:
    found = await pathways.relation(session, viewer=user, username=username)
    slugs = pathways.choose(found.pathways, pathway)
    lists = await pathways.checklists(
        session, user_id=found.volunteer.id or 0, slugs=slugs, language=current_language.get()
    )
    if not lists:
        raise NotFound(_("This volunteer is not in a cohort that follows a pathway."))
    return JSONResponse(
        {"username": found.volunteer.username, "name": found.volunteer.name}
        | pathways.checklist_json(lists[0])
    )


@router.get("/volunteers/{username}/evaluations", summary="A volunteer's evaluations")
async def list_evaluations(username: str, session: SessionDep, user: StaffUser) -> JSONResponse:
    found = await pathways.relation(session, viewer=user, username=username)
    views = await pathways.evaluations_of(
        session, volunteer_id=found.volunteer.id or 0, language=current_language.get()
    )
    return JSONResponse([pathways.evaluation_json(v) for v in views])


@router.get("/me/evaluations", summary="Your evaluations")
async def my_evaluations(session: SessionDep, user: CurrentUser) -> JSONResponse:
    views = await pathways.evaluations_of(
        session, volunteer_id=user.id or 0, language=current_language.get()
    )
    return JSONResponse([pathways.evaluation_json(v) for v in views])


@router.post(
    "/volunteers/{username}/evaluations",
    status_code=201,
    summary="Evaluate a volunteer for a level (a cohort trainer or a site supervisor)",
    responses={403: {}, 404: {}, 422: {}},
)
async def create_evaluation(
    username: str, body: EvaluationIn, session: SessionDep, user: CurrentUser
) -> JSONResponse:
    pathways.no_volunteers(user)
    found = await pathways.relation(session, viewer=user, username=username)
    evaluation = await pathways.evaluate(
        session, relation=found, raw=body.model_dump(), language=current_language.get()
    )
    views = await pathways.evaluations_of(
        session, volunteer_id=found.volunteer.id or 0, language=current_language.get()
    )
    view = next(v for v in views if v.evaluation.id == evaluation.id)
    return JSONResponse(pathways.evaluation_json(view), status_code=201)


@router.get("/volunteers/{username}/referrals", summary="A volunteer's referrals")
async def list_referrals(username: str, session: SessionDep, user: StaffUser) -> JSONResponse:
    found = await pathways.relation(session, viewer=user, username=username)
    views = await pathways.referrals_of(session, volunteer_id=found.volunteer.id or 0)
    return JSONResponse([pathways.referral_json(v) for v in views])


@router.post(
    "/volunteers/{username}/referrals",
    status_code=201,
    summary="Refer a volunteer to a partner organisation (the cohort's coordinators)",
    responses={403: {}, 404: {}, 422: {}},
)
async def create_referral(
    username: str, body: ReferralIn, session: SessionDep, user: StaffUser, settings: SettingsDep
) -> JSONResponse:
    found = await pathways.relation(session, viewer=user, username=username)
    today = datetime.now(settings.zone).date()
    referral = await pathways.refer(session, relation=found, raw=body.model_dump(), today=today)
    views = await pathways.referrals_of(session, volunteer_id=found.volunteer.id or 0)
    view = next(v for v in views if v.referral.id == referral.id)
    return JSONResponse(pathways.referral_json(view), status_code=201)


@router.patch(
    "/referrals/{referral_id}",
    summary="Change a referral, usually its outcome",
    responses={403: {}, 404: {}, 422: {}},
)
async def change_referral(
    referral_id: int,
    body: ReferralPatch,
    session: SessionDep,
    user: StaffUser,
    settings: SettingsDep,
) -> JSONResponse:
    today = datetime.now(settings.zone).date()
    referral = await pathways.update_referral(
        session,
        user=user,
        referral_id=referral_id,
        raw=body.model_dump(exclude_unset=True),
        today=today,
    )
    views = await pathways.referrals_of(session, volunteer_id=referral.volunteer_id)
    view = next(v for v in views if v.referral.id == referral.id)
    return JSONResponse(pathways.referral_json(view))


@router.get(
    "/cohorts/{code}/pathway",
    summary="Every volunteer of a cohort with their progress per level",
    description="Filters: level (eligible for it), show=stuck|inactive, q (name, username or "
    "student number); sort=ready (closest to the next level first), name, active or hours.",
)
async def cohort_pathway(
    code: str,
    session: SessionDep,
    user: StaffUser,
    level: Annotated[str, Query(max_length=20)] = "",
    show: Annotated[str, Query(pattern="^(all|stuck|inactive)$")] = "all",
    q: Annotated[str, Query(max_length=100)] = "",
    sort: Annotated[str, Query(pattern="^(ready|name|active|hours)$")] = "ready",
) -> JSONResponse:
    cohort = await cohorts.cohort_for(session, code=code, user=user)
    found = await pathways.overview(session, cohort=cohort, language=current_language.get())
    if found is None:
        raise NotFound(_("The cohort %(code)s follows no pathway.") % {"code": cohort.code})
    if level and found.plan.level(level) is None:
        raise NotFound(_("There is no level %(code)s in this pathway.") % {"code": level[:20]})
    rows = pathways.pick(found.rows, level=level, show=show, query=q, sort=sort)
    return JSONResponse(
        {
            "cohort": cohort.code,
            "pathway": found.plan.pathway.slug,
            "count": len(rows),
            "volunteers": [pathways.overview_json(row) for row in rows],
        }
    )
