"""``/api/v1`` for courses: the catalogue, enrolment and the caller's progress."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import JSONResponse, Response

from lms.courses import service as courses
from lms.i18n import current_language
from lms.web.auth import CurrentUser
from lms.web.deps import SessionDep

router = APIRouter(prefix="/api/v1", tags=["courses"])


class ModuleItem(BaseModel):
    slug: str
    title: str


class CourseItem(BaseModel):
    slug: str
    title: str
    summary: str
    hours: float
    modules: list[ModuleItem]


class EnrolmentOut(BaseModel):
    course: str
    enrolled_through: Literal["self", "cohort"]
    enrolled_at: datetime


class CourseProgress(BaseModel):
    course: str
    enrolled_through: Literal["self", "cohort"]
    enrolled_at: datetime
    modules_total: int
    modules_complete: int
    quizzes_passed: int
    percent: int


@router.get(
    "/courses",
    response_model=list[CourseItem],
    summary="Every course and its modules, titled in the Accept-Language language",
)
async def course_list(session: SessionDep, _user: CurrentUser) -> list[CourseItem]:
    listing = await courses.course_list(session, language=current_language.get())
    return [CourseItem.model_validate(item) for item in listing]


@router.post(
    "/courses/{course}/enrolment",
    response_model=EnrolmentOut,
    status_code=201,
    summary="Enrol the caller: 201 the first time, 200 when already enrolled",
    responses={200: {"model": EnrolmentOut, "description": "Already enrolled"}},
)
async def enrol(course: str, session: SessionDep, user: CurrentUser) -> Response:
    found = await courses.find_course(session, course)
    enrolment, created = await courses.enrol(session, user=user, course=found)
    body = EnrolmentOut(
        course=found.slug,
        enrolled_through=enrolment.origin,
        enrolled_at=courses.as_utc(enrolment.enrolled_at),
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=201 if created else 200)


@router.get(
    "/me/progress",
    response_model=list[CourseProgress],
    summary="The caller's enrolled courses and how far they are in each",
)
async def my_progress(session: SessionDep, user: CurrentUser) -> list[CourseProgress]:
    report = await courses.progress_report(session, user=user)
    return [CourseProgress.model_validate(item) for item in report]
