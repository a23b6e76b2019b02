"""Course pages: the catalogue, a course with its modules, a module, its files, and the
content-errors page for trainers and admins."""

from __future__ import annotations

import logging

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import FileResponse, Response

from lms.courses import service as courses
from lms.courses.source import FILE_TYPES, safe_file
from lms.db import SessionFactory
from lms.errors import NotFound
from lms.i18n import current_language
from lms.i18n import gettext as _
from lms.models.accounts import Role, User
from lms.web.auth import CurrentUser, optional_user, require_role
from lms.web.csrf import verify_csrf
from lms.web.deps import SessionDep, SettingsDep
from lms.web.templating import redirect, render

log = logging.getLogger(__name__)

router = APIRouter(
    include_in_schema=False, dependencies=[Depends(verify_csrf), Depends(optional_user)]
)

ContentEditor = Depends(require_role(Role.trainer, Role.admin))


async def load_outline(
    request: Request, session: SessionDep, user: User, slug: str, stem: str | None = None
) -> courses.Outline:
    return await courses.outline(
        session,
        slug=slug,
        user=user,
        language=current_language.get(),
        stem=stem,
        texts=request.app.state.texts,
    )


@router.get("/courses")
async def catalogue(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    cards = await courses.catalogue(session, user=user, language=current_language.get())
    return render(request, "courses/catalogue.html", {"cards": cards})


@router.get("/courses/{slug}")
async def course_page(
    request: Request, session: SessionDep, user: CurrentUser, slug: str
) -> Response:
    outline = await load_outline(request, session, user, slug)
    return render(request, "courses/course.html", course_context(outline))


def course_context(outline: courses.Outline) -> dict[str, object]:
    course = outline.course
    fallback = course.languages[0]
    return {
        "outline": outline,
        "course": course,
        "summary": courses.localised(course.summary, outline.language, fallback),
        "intro": courses.localised(course.intro_html, outline.language, fallback),
        "resume": outline.resume() if outline.enrolment else None,
        "announce": False,
    }


@router.post("/courses/{slug}/enrolment")
async def enrol(request: Request, session: SessionDep, user: CurrentUser, slug: str) -> Response:
    course = await courses.find_course(session, slug)
    await courses.enrol(session, user=user, course=course)
    if request.headers.get("HX-Request") == "true":
        outline = await load_outline(request, session, user, slug)
        context = {**course_context(outline), "announce": True}  # focus moves to the news
        return render(request, "courses/course.html", context, block="status")
    return redirect(request, f"/courses/{course.slug}")


@router.get("/courses/{slug}/files/{path:path}")
async def course_file(
    session: SessionDep, settings: SettingsDep, user: CurrentUser, slug: str, path: str
) -> Response:
    """A picture or handout from the course folder, to signed-in users only."""
    course = await courses.find_course(session, slug)
    target = safe_file(settings.content_dir / "courses" / course.slug, path)
    if target is None:
        raise NotFound(_("This course has no file %(path)s.") % {"path": path[:200]})
    return FileResponse(
        target,
        media_type=FILE_TYPES[target.suffix.lower()],
        headers={"Cache-Control": "private, max-age=86400"},
    )


@router.get("/courses/{slug}/{stem}")
async def module_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    slug: str,
    stem: str,
    background: BackgroundTasks,
) -> Response:
    outline = await load_outline(request, session, user, slug, stem)
    module = outline.current
    assert module is not None  # outline raises NotFound otherwise
    enrolment = outline.enrolment
    if enrolment is not None and enrolment.last_module_id != module.id:
        # Written after the response, in a short write transaction of its own: a page
        # view never holds the write lock, and a lost update only loses a resume point.
        background.add_task(
            remember_visit, request.app.state.session_factory, enrolment.id or 0, module.id
        )
    return render(request, "courses/module.html", module_context(outline))


def module_context(outline: courses.Outline) -> dict[str, object]:
    before, after = outline.neighbours()
    return {
        "outline": outline,
        "module": outline.current,
        "before": before,
        "after": after,
        "announce": False,
    }


async def remember_visit(factory: SessionFactory, enrolment_id: int, module_id: int) -> None:
    try:
        async with factory(write=True) as session:
            await courses.remember_visit(session, enrolment_id=enrolment_id, module_id=module_id)
            await session.commit()
    except SQLAlchemyError:
        log.warning("could not record the visit of module %s", module_id, exc_info=True)


@router.post("/courses/{slug}/{stem}/read")
async def mark_read(
    request: Request, session: SessionDep, user: CurrentUser, slug: str, stem: str
) -> Response:
    outline = await load_outline(request, session, user, slug, stem)
    assert outline.current is not None
    await courses.mark_read(session, user=user, course=outline.course, module=outline.current)
    if request.headers.get("HX-Request") != "true":
        _before, after = outline.neighbours()
        target = f"/{after.stem}" if after else ""
        return redirect(request, f"/courses/{outline.course.slug}{target}")
    outline = await load_outline(request, session, user, slug, stem)
    context = {**module_context(outline), "announce": True}  # focus moves to the news
    return render(request, "courses/module.html", context, block="status")


@router.get("/content/problems", dependencies=[ContentEditor])
async def content_problems(request: Request, session: SessionDep) -> Response:
    return render(
        request, "courses/problems.html", {"problems": await courses.content_problems(session)}
    )
