"""``/api/v1`` for trainers: publish a module's Markdown, list its revisions, restore one.

A content repository's CI publishes with ``PUT`` and the Markdown as the body. Problems
in the text are a 422 with ``{"detail": [{"line", "message"}]}``: the one place the API
departs from FastAPI's error shape, because a trainer fixes a file by its lines. Nothing
is published then.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse, Response

from lms.courses import authoring
from lms.courses import service as courses
from lms.courses.source import Problem
from lms.errors import Invalid
from lms.i18n import gettext as _
from lms.models.accounts import Role, User
from lms.web.auth import require_role
from lms.web.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["authoring"])
AuthorUser = Annotated[User, Depends(require_role(Role.trainer, Role.admin))]
MARKDOWN_TYPES = ("text/markdown", "text/plain", "text/x-markdown")


class Published(BaseModel):
    revision: int = Field(examples=[3])
    left_out: list[str] = Field(
        default_factory=list,
        description="translations left out of this revision: their quiz no longer asks "
        "what this language's asks; their readers see this language until they are "
        "published again",
    )
    learners_on_older_revisions: int = Field(
        0, description="when the quiz changed: learners whose attempts were on earlier revisions"
    )
    unchanged: bool = Field(
        False, description="the text is the current revision's: nothing was published"
    )


class LineProblem(BaseModel):
    line: int
    message: str


class Problems(BaseModel):
    detail: list[LineProblem]


class RevisionOut(BaseModel):
    revision: int
    author: str | None = Field(description="the username; null for the content folder's sync")
    created_at: datetime
    lang: str | None = Field(description="the language whose text changed (the first if several)")
    languages: list[str] = Field(description="every language whose text changed")
    removed: list[str] = Field(
        description="translations this revision left out (their quiz no longer matched)"
    )
    origin: str = Field(examples=["file", "browser", "api", "restore"])
    current: bool


def expected_revision(request: Request) -> int | None:
    """The ``If-Match`` header as a revision number (``3`` or ``"3"``), or None."""
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    if not authoring.REVISION.fullmatch(value):
        raise Invalid(_("If-Match must be the revision number you edited, e.g. 3."))
    return int(value)


@router.put(
    "/courses/{course}/modules/{module}",
    summary="Publish a module's Markdown (the default language, or ?lang= a translation)",
    status_code=200,
    response_model=Published,
    responses={
        201: {"model": Published, "description": "A new module"},
        409: {"description": "If-Match names a revision that is no longer the current one"},
        415: {"description": "The body is not text/markdown"},
        422: {"model": Problems, "description": "Problems by line; nothing published"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/markdown": {"schema": {"type": "string"}}},
        }
    },
)
async def put_module(
    request: Request,
    course: str,
    module: str,
    session: SessionDep,
    settings: SettingsDep,
    user: AuthorUser,
    lang: Annotated[str | None, Query(max_length=8, description="a translation's language")] = None,
) -> Response:
    expected = expected_revision(request)
    kind = request.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if kind not in MARKDOWN_TYPES:
        return JSONResponse(
            {"detail": _("Send the module as text/markdown (UTF-8).")}, status_code=415
        )
    found = await courses.find_course(session, course)
    text, problem = authoring.decode(await request.body())
    if text is None:
        return problems_response([Problem(FilePath(module), 1, problem or "")])
    draft = await authoring.check(
        session,
        course=found,
        stem=module,
        language=lang or found.languages[0],
        text=text,
        content_dir=settings.content_dir,
    )
    if not draft.ok:
        return problems_response(draft.problems)
    revision, created = await authoring.publish(
        session,
        draft=draft,
        author=user,
        origin=authoring.API,
        expected=expected,
        content_dir=settings.content_dir,
    )
    body = Published(
        revision=revision.revision,
        left_out=draft.left_out,
        learners_on_older_revisions=draft.learners_on_older,
        unchanged=draft.unchanged,
    )
    return JSONResponse(body.model_dump(), status_code=201 if created else 200)


def problems_response(problems: list[Problem]) -> JSONResponse:
    detail = [{"line": p.line, "message": p.message} for p in sorted(problems)]
    return JSONResponse({"detail": detail}, status_code=422)


@router.get(
    "/courses/{course}/modules/{module}/revisions",
    response_model=list[RevisionOut],
    summary="A module's revisions, newest first",
)
async def revisions(
    course: str, module: str, session: SessionDep, _user: AuthorUser
) -> list[RevisionOut]:
    found = await courses.find_course(session, course)
    entries = await authoring.history(session, course=found, stem=module)
    return [
        RevisionOut(
            revision=e.revision,
            author=e.author,
            created_at=courses.as_utc(e.created_at),
            lang=e.languages[0] if e.languages else None,
            languages=e.languages,
            removed=e.removed,
            origin=e.origin,
            current=e.current,
        )
        for e in entries
    ]


@router.post(
    "/courses/{course}/modules/{module}/revisions/{number}/restore",
    response_model=Published,
    status_code=201,
    summary="Publish an earlier revision again, as the newest",
    responses={404: {}, 409: {}},
)
async def restore(
    request: Request,
    course: str,
    module: str,
    number: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
    settings: SettingsDep,
    user: AuthorUser,
) -> Response:
    found = await courses.find_course(session, course)
    revision = await authoring.restore(
        session,
        course=found,
        stem=module,
        number=number,
        author=user,
        expected=expected_revision(request),
        content_dir=settings.content_dir,
    )
    return JSONResponse(Published(revision=revision.revision).model_dump(), status_code=201)
