"""The module editor for trainers and admins: write or upload a module's Markdown, see it
as learners will (rendered by the same code, quiz included) with every problem by line,
publish it, look through its revisions and restore one.

The preview is an htmx request while the trainer types (debounced); without JavaScript
the Preview button posts the same form. Nothing is published until Publish.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path as FilePath
from pathlib import PurePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request, UploadFile
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from starlette.responses import Response

from lms.courses import authoring
from lms.courses import service as courses
from lms.courses.source import MAX_FILE_BYTES, MODULE_FILE, Problem
from lms.errors import Conflict, NotFound
from lms.i18n import current_language
from lms.i18n import gettext as _
from lms.models.accounts import Role, User
from lms.models.courses import Course, ModuleRevision, ModuleText
from lms.quizzes.service import right_answer
from lms.web.auth import optional_user, require_role
from lms.web.csrf import verify_csrf
from lms.web.deps import SessionDep, SettingsDep, undo
from lms.web.templating import LANGUAGES, redirect, render


def language_name(code: str) -> str:
    return dict(LANGUAGES).get(code, code)


router = APIRouter(
    include_in_schema=False, dependencies=[Depends(verify_csrf), Depends(optional_user)]
)
Author = Annotated[User, Depends(require_role(Role.trainer, Role.admin))]
Text = Annotated[str, Form(max_length=MAX_FILE_BYTES)]
Short = Annotated[str, Form(max_length=100)]
Number = Annotated[int, Path(ge=1, le=2**31 - 1)]


def starter(course: Course, language: str) -> str:
    """A new module's text: the front matter to fill in, and one line of guidance."""
    if language == "zh":
        return "---\ntitle: 单元标题\nminutes: 15\n---\n在这里用 Markdown 写单元的正文。\n"
    return "---\ntitle: Module title\nminutes: 15\n---\nWrite the module here, in Markdown.\n"


@dataclass
class Editor:
    course: Course
    stem: str
    language: str
    text: str
    base: int | None  # the revision the trainer started from; None for a new module
    draft: authoring.Draft | None = None
    new: bool = False
    published: int | None = None
    conflict: str | None = None  # another publish came first: the trainer's text stays here
    unchanged: bool = False  # Publish with the text learners already see


async def latest_text(
    session: AsyncSession, module_id: int, language: str
) -> tuple[str | None, int | None]:
    """The newest text of a module in a language, in any revision (a translation left out
    of the current one is still there to work on), with its revision."""
    row = (
        await session.execute(
            select(col(ModuleText.source), col(ModuleRevision.revision))
            .join(ModuleRevision, col(ModuleRevision.id) == ModuleText.revision_id)
            .where(col(ModuleRevision.module_id) == module_id, col(ModuleText.language) == language)
            .order_by(col(ModuleRevision.revision).desc())
            .limit(1)
        )
    ).first()
    return (row[0], row[1]) if row else (None, None)


def editor_context(editor: Editor) -> dict[str, Any]:
    draft = editor.draft
    problems = sorted(draft.problems) if draft else []
    lines = editor.text.split("\n")
    return {
        "editor": editor,
        "course": editor.course,
        "title": courses.localised(
            editor.course.title, current_language.get(), editor.course.languages[0]
        ),
        "draft": draft,
        "problems": [
            {
                "line": p.line,
                "message": p.message,
                "quote": lines[p.line - 1].strip()[:120] if 0 < p.line <= len(lines) else "",
            }
            for p in problems
        ],
        "course_languages": editor.course.languages,
        "right_answers": (
            {q.id: right_answer(q) for q in draft.version.quiz.questions}
            if draft and draft.version and draft.version.quiz
            else {}
        ),
    }


async def checked(
    session: AsyncSession, settings: Any, course: Course, stem: str, language: str, text: str
) -> authoring.Draft:
    return await authoring.check(
        session,
        course=course,
        stem=stem,
        language=language,
        text=text,
        content_dir=settings.content_dir,
    )


def pick_language(course: Course, lang: str | None) -> str:
    return lang if lang in course.languages else course.languages[0]


@router.get("/courses/{slug}/new")
async def new_module(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _user: Author,
    slug: str,
) -> Response:
    course = await courses.find_course(session, slug)
    numbers = await authoring.used_numbers(session, course)
    stem = f"{(max(numbers) if numbers else 0) + 1:02d}-"
    language = course.languages[0]
    editor = Editor(course, stem, language, starter(course, language), None, new=True)
    return render(request, "courses/editor.html", editor_context(editor))


@router.get("/courses/{slug}/{stem}/edit")
async def edit_module(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _user: Author,
    slug: str,
    stem: str,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    published: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    unchanged: Annotated[bool, Query()] = False,
) -> Response:
    course = await courses.find_course(session, slug)
    module = await authoring.module_or_404(session, course, stem)
    if module.current_revision is None:  # withdrawn: its files were deleted
        raise NotFound(_("This module was withdrawn; publish it anew from the course page."))
    language = pick_language(course, lang)
    text, _revision = await latest_text(session, module.id or 0, language)
    editor = Editor(
        course,
        stem,
        language,
        text or starter(course, language),
        module.current_revision,
        published=published,
        unchanged=unchanged,
    )
    editor.draft = await checked(session, settings, course, stem, language, editor.text)
    return render(request, "courses/editor.html", editor_context(editor))


def form_base(value: str) -> int | None:
    return int(value) if authoring.REVISION.fullmatch(value) else None


async def from_form(
    session: AsyncSession, settings: Any, slug: str, stem: str, lang: str, text: str, base: str
) -> Editor:
    """The editor's form, checked: what Preview shows and Publish publishes."""
    course = await courses.find_course(session, slug)
    language = pick_language(course, lang)
    text = text.replace("\r\n", "\n")
    editor = Editor(course, stem.strip(), language, text, form_base(base), new=not base)
    editor.draft = await checked(session, settings, course, editor.stem, language, text)
    return editor


@router.post("/courses/{slug}/editor/preview")
async def preview(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _user: Author,
    slug: str,
    stem: Short,
    lang: Short,
    text: Text,
    base: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """The text as learners would see it, with its problems; publishes nothing."""
    editor = await from_form(session, settings, slug, stem, lang, text, base)
    return render(request, "courses/editor.html", editor_context(editor), block="preview")


@router.post("/courses/{slug}/editor/upload")
async def upload(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _user: Author,
    slug: str,
    stem: Short,
    lang: Short,
    file: UploadFile,
    base: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """An uploaded .md file into the editor, checked and previewed; publishes nothing."""
    course = await courses.find_course(session, slug)
    language = pick_language(course, lang)
    data = await file.read(MAX_FILE_BYTES + 1)
    text, problem = authoring.decode(data)
    editor = Editor(course, stem.strip(), language, text or "", form_base(base), new=not base)
    named = MODULE_FILE.match(PurePath(file.filename or "").name)
    mismatch = None
    if named:
        stem_of_file = f"{named.group('number')}-{named.group('name')}"
        language_of_file = named.group("lang") or course.languages[0]
        if editor.new:  # a new module takes the name of the file uploaded for it
            editor.stem = stem_of_file
        elif stem_of_file != editor.stem:
            mismatch = _("This file is for the module %(stem)s, not %(this)s.") % {
                "stem": stem_of_file,
                "this": editor.stem,
            }
        if language_of_file != language and language_of_file in course.languages:
            mismatch = _(
                "This file is the %(file)s version; open the %(file)s tab to upload it."
            ) % {"file": language_name(language_of_file)}
    if mismatch is not None:
        editor.draft = authoring.Draft(course=course, stem=editor.stem, language=language, text="")
        editor.draft.problems.append(Problem(FilePath(file.filename or "?"), 0, mismatch))
        editor.text = (await latest_text_for(session, course, editor.stem, language)) or ""
        return render(request, "courses/editor.html", editor_context(editor), status_code=422)
    if text is None:
        editor.draft = authoring.Draft(course=course, stem=editor.stem, language=language, text="")
        editor.draft.problems.append(Problem(FilePath(file.filename or "?"), 0, problem or ""))
        editor.text = (await latest_text_for(session, course, editor.stem, language)) or ""
    else:
        editor.draft = await checked(session, settings, course, editor.stem, language, text)
    status = 200 if editor.draft.ok else 422
    return render(request, "courses/editor.html", editor_context(editor), status_code=status)


async def latest_text_for(
    session: AsyncSession, course: Course, stem: str, language: str
) -> str | None:
    module = await authoring.find_module(session, course, stem)
    if module is None:
        return None
    text, _revision = await latest_text(session, module.id or 0, language)
    return text


@router.post("/courses/{slug}/editor/publish")
async def publish(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: Author,
    slug: str,
    stem: Short,
    lang: Short,
    text: Text,
    base: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    editor = await from_form(session, settings, slug, stem, lang, text, base)
    course, language = editor.course, editor.language
    assert editor.draft is not None
    if not editor.draft.ok:
        return render(request, "courses/editor.html", editor_context(editor), status_code=422)
    expected = editor.base if editor.base is not None else 0
    if editor.new and editor.draft.module is not None and editor.draft.current is not None:
        expected = 0  # "new", but the module exists: someone made it meanwhile
    try:
        revision, _created = await authoring.publish(
            session,
            draft=editor.draft,
            author=user,
            origin=authoring.BROWSER,
            expected=expected,
            content_dir=settings.content_dir,
        )
    except Conflict as conflict:
        await undo(session, course)
        editor.conflict = str(conflict)
        return render(request, "courses/editor.html", editor_context(editor), status_code=409)
    done = "unchanged=1" if editor.draft.unchanged else f"published={revision.revision}"
    target = f"/courses/{course.slug}/{editor.stem}/edit?lang={language}&{done}"
    return redirect(request, target)


@router.get("/courses/{slug}/{stem}/history")
async def history(
    request: Request, session: SessionDep, _user: Author, slug: str, stem: str
) -> Response:
    course = await courses.find_course(session, slug)
    entries = await authoring.history(session, course=course, stem=stem)
    return render(
        request,
        "courses/history.html",
        {
            "course": course,
            "stem": stem,
            "entries": entries,
            "title": courses.localised(course.title, current_language.get(), course.languages[0]),
        },
    )


@router.get("/courses/{slug}/{stem}/history/{number}")
async def revision_page(
    request: Request,
    session: SessionDep,
    _user: Author,
    slug: str,
    stem: str,
    number: Number,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """One revision: its text in a language, and what changed from the one before."""
    course = await courses.find_course(session, slug)
    language = pick_language(course, lang)
    module = await authoring.module_or_404(session, course, stem)
    texts = await authoring.revision_texts(session, module, number)
    if texts is None:
        raise NotFound(_("The module has no revision %(number)s.") % {"number": number})
    before = await authoring.revision_texts(session, module, number - 1) if number > 1 else {}
    old = (before or {}).get(language)
    new = texts.get(language)
    diff = list(
        difflib.unified_diff(
            (old.source if old else "").split("\n"),
            (new.source if new else "").split("\n"),
            lineterm="",
            n=2,
        )
    )[2:]  # without the ---/+++ file header
    return render(
        request,
        "courses/revision.html",
        {
            "course": course,
            "module": module,
            "number": number,
            "language": language,
            "text": new,
            "diff": [(line[:1], line[1:]) for line in diff],
            "text_languages": sorted(texts),
            "current": module.current_revision == number,
            "course_title": courses.localised(
                course.title, current_language.get(), course.languages[0]
            ),
        },
    )


@router.post("/courses/{slug}/{stem}/history/{number}/restore")
async def restore(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: Author,
    slug: str,
    stem: str,
    number: Number,
    base: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    course = await courses.find_course(session, slug)
    revision = await authoring.restore(
        session,
        course=course,
        stem=stem,
        number=number,
        author=user,
        expected=form_base(base),
        content_dir=settings.content_dir,
    )
    return redirect(request, f"/courses/{course.slug}/{stem}/edit?published={revision.revision}")
