"""Trainers publish modules from the browser and over the API.

A text is checked by the same code as a file in the content folder (``source.
module_version``): front matter, Markdown, links and pictures inside the course folder,
the quiz. Publishing makes a new revision holding every language of the module: the one
written now, the others carried over from the current revision. The default language's
quiz is the key: a translation must ask the same questions, and a translation whose quiz
no longer does after an edit of the default language is left out of the new revision
(its readers see the default language until it is published again). Attempts and
progress keep pointing at the revision they were made on.

When the course folder is writable, a published module is written back to it, so the
content folder stays the source git sees; the sync then knows those files.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.audit import service as audit
from lms.courses.markdown import render
from lms.courses.source import (
    MAX_FILE_BYTES,
    ModuleVersion,
    Problem,
    module_version,
    split_front_matter,
)
from lms.errors import Conflict, NotFound
from lms.i18n import gettext as _
from lms.models.accounts import User
from lms.models.courses import Course, Module, ModuleRevision, ModuleText
from lms.models.quizzes import QuizAttempt
from lms.quizzes import syntax as quiz_syntax
from lms.quizzes.model import Quiz

STEM = re.compile(r"(?P<number>[0-9]{2})-[a-z0-9][a-z0-9-]{0,76}")  # whole, ASCII
REVISION = re.compile(r"[0-9]{1,9}")
BROWSER = "browser"
API = "api"
RESTORE = "restore"


@dataclass
class Draft:
    """A module's text as a trainer wrote it, checked against the course and the module's
    current revision: what publishing it would do."""

    course: Course
    stem: str
    language: str
    text: str
    module: Module | None = None
    current: int | None = None  # the revision learners see now
    texts: dict[str, ModuleText] = field(default_factory=dict)  # of the current revision
    version: ModuleVersion | None = None
    problems: list[Problem] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # translations whose quiz differs now
    quiz_changed: bool = False
    learners_on_older: int = 0  # learners with attempts on an earlier revision
    preview_html: str | None = None  # the body as far as it renders, when it has problems
    unchanged: bool = False  # the same text as the current revision's: publishing is a no-op

    @property
    def ok(self) -> bool:
        return self.version is not None and not self.problems

    @property
    def filename(self) -> str:
        return file_name(self.course, self.stem, self.language)


def file_name(course: Course, stem: str, language: str) -> str:
    return f"{stem}.md" if language == course.languages[0] else f"{stem}.{language}.md"


def course_folder(content_dir: Path, course: Course) -> Path:
    return content_dir / "courses" / course.slug


def decode(data: bytes) -> tuple[str | None, str | None]:
    """(text, None) for an uploaded or PUT file, or (None, the problem)."""
    if len(data) > MAX_FILE_BYTES:
        return None, _("The file is %(size)s KB; the limit is %(limit)s KB.") % {
            "size": len(data) // 1024,
            "limit": MAX_FILE_BYTES // 1024,
        }
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n"), None
    except UnicodeDecodeError as exc:
        return None, _("The file is not UTF-8 (byte %(byte)s); save it as UTF-8.") % {
            "byte": exc.start
        }


async def current_texts(session: AsyncSession, module: Module) -> dict[str, ModuleText]:
    if module.current_revision is None:
        return {}
    rows = await session.scalars(
        select(ModuleText)
        .join(ModuleRevision, col(ModuleRevision.id) == ModuleText.revision_id)
        .where(
            col(ModuleRevision.module_id) == module.id,
            col(ModuleRevision.revision) == module.current_revision,
        )
    )
    return {text.language: text for text in rows}


async def find_module(session: AsyncSession, course: Course, stem: str) -> Module | None:
    return (
        await session.scalars(
            select(Module).where(col(Module.course_id) == course.id, col(Module.stem) == stem)
        )
    ).first()


async def module_or_404(session: AsyncSession, course: Course, stem: str) -> Module:
    module = await find_module(session, course, stem)
    if module is None:
        raise NotFound(
            _("The course %(course)s has no module %(module)s.")
            % {"course": course.slug, "module": stem[:80]}
        )
    return module


async def check(
    session: AsyncSession,
    *,
    course: Course,
    stem: str,
    language: str,
    text: str,
    content_dir: Path,
) -> Draft:
    """What publishing ``text`` as the ``language`` version of module ``stem`` would do,
    with every problem by line. Changes nothing."""
    draft = Draft(course=course, stem=stem, language=language, text=text)
    path = Path(draft.filename)
    if not STEM.fullmatch(stem):
        draft.problems.append(
            Problem(
                path,
                1,
                _("A module's name is two digits, a hyphen and lowercase words, e.g. %(example)s.")
                % {"example": "04-safeguarding"},
            )
        )
        return draft
    if language not in course.languages:
        draft.problems.append(
            Problem(
                path,
                1,
                _("The course is written in %(languages)s, not %(language)s.")
                % {"languages": ", ".join(course.languages), "language": language},
            )
        )
        return draft
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        draft.problems.append(
            Problem(
                path, 1, _("The text is over %(limit)s KB.") % {"limit": MAX_FILE_BYTES // 1024}
            )
        )
        return draft
    draft.module = await find_module(session, course, stem)
    if draft.module is not None:
        draft.current = draft.module.current_revision
        draft.texts = await current_texts(session, draft.module)
    default = course.languages[0]
    if language != default and default not in draft.texts:
        draft.problems.append(
            Problem(
                path,
                1,
                _("Publish the module in %(default)s first; this is a translation.")
                % {"default": default},
            )
        )
        return draft
    number = int(stem[:2])
    taken = await session.scalar(
        select(col(Module.stem)).where(
            col(Module.course_id) == course.id,
            col(Module.number) == number,
            col(Module.stem) != stem,
            col(Module.current_revision).is_not(None),
        )
    )
    if taken:
        draft.problems.append(
            Problem(
                path,
                1,
                _("Module number %(number)s is used by %(stem)s.")
                % {"number": f"{number:02d}", "stem": taken},
            )
        )
        return draft
    stems = frozenset(
        await session.scalars(
            select(col(Module.stem)).where(
                col(Module.course_id) == course.id, col(Module.current_revision).is_not(None)
            )
        )
    ) | {stem}
    draft.version = module_version(
        text,
        path,
        language,  # type: ignore[arg-type]
        course_folder(content_dir, course),
        f"/courses/{course.slug}",
        stems,
        draft.problems,
    )
    if draft.version is None:
        _meta, body, first, _raw = split_front_matter(text, path, [])
        draft.preview_html = render(
            body, course_url=f"/courses/{course.slug}", module_stems=stems, first_line=first
        ).html
        return draft
    quiz = draft.version.quiz
    if language != default:
        main = stored_quiz(draft.texts.get(default))
        if (main is None) != (quiz is None):
            draft.problems.append(
                Problem(
                    path,
                    1,
                    _("The %(default)s version has a quiz; this one has none.")
                    % {"default": default}
                    if main is not None
                    else _("The %(default)s version has no quiz; this one has one.")
                    % {"default": default},
                )
            )
        elif main is not None and quiz is not None:
            draft.problems.extend(
                Problem(path, line, message) for line, message in quiz_syntax.mismatches(main, quiz)
            )
    else:
        for other, stored in sorted(draft.texts.items()):
            if other == default:
                continue
            theirs = stored_quiz(stored)
            if (theirs is None) != (quiz is None) or (
                theirs is not None and quiz is not None and quiz_syntax.mismatches(quiz, theirs)
            ):
                draft.left_out.append(other)
    was = draft.texts.get(language)
    draft.unchanged = was is not None and was.source == text and not draft.left_out
    old_block = (was.quiz or "").strip() if was is not None else ""
    draft.quiz_changed = (  # a first translation asks what the default asks: no change
        was is not None and old_block != (draft.version.body.quiz or "").strip()
    )  # any edit of the block: a reworded question may ask something else
    if draft.quiz_changed and draft.module is not None:
        draft.learners_on_older = (
            await session.scalar(
                select(func.count(func.distinct(col(QuizAttempt.user_id)))).where(
                    col(QuizAttempt.module_id) == draft.module.id
                )
            )
        ) or 0
    return draft


def stored_quiz(text: ModuleText | None) -> Quiz | None:
    if text is None or not text.quiz_data:
        return None
    return Quiz.from_json(text.quiz_data)


async def publish(
    session: AsyncSession,
    *,
    draft: Draft,
    author: User,
    origin: str,
    expected: int | None = None,
    content_dir: Path | None = None,
) -> tuple[ModuleRevision, bool]:
    """Publishes a checked draft as the module's next revision: (the revision, whether
    the module is new). ``expected`` is the revision the trainer started from: if another
    was published since, 409 and nothing changes."""
    assert draft.ok and draft.version is not None
    module = draft.module
    if module is not None:
        await _lock(session, module)
    now = module.current_revision if module is not None else None
    if expected is not None and (now or 0) != expected:  # 0: the module is new
        raise Conflict(
            _(
                "Someone published this module since you opened it: revision %(current)s "
                "is the current one, not %(expected)s. Copy your text, reload, and apply "
                "your change again."
            )
            % {"current": now or 0, "expected": expected}
        )
    created = module is None or module.current_revision is None
    if draft.unchanged and module is not None:  # a CI job sending every file on each push
        current = (
            await session.scalars(
                select(ModuleRevision).where(
                    col(ModuleRevision.module_id) == module.id,
                    col(ModuleRevision.revision) == module.current_revision,
                )
            )
        ).one()
        return current, False
    if module is None:
        module = Module(course_id=draft.course.id or 0, stem=draft.stem, number=int(draft.stem[:2]))
        session.add(module)
        try:
            await session.flush()
        except IntegrityError as exc:  # another trainer created it at the same moment
            raise Conflict(
                _("Someone published this module at the same moment; reload and try again.")
            ) from exc
    version = draft.version
    texts: dict[str, dict[str, Any]] = {
        language: _copy(text)
        for language, text in draft.texts.items()
        if language != draft.language and language not in draft.left_out
    }
    texts[draft.language] = {
        "title": version.meta.title,
        "minutes": version.meta.minutes,
        "source": version.source,
        "html": version.body.html,
        "quiz": version.body.quiz,
        "quiz_line": version.body.quiz_line,
        "quiz_data": version.quiz.to_json() if version.quiz else None,
    }
    revision = await _new_revision(session, module, texts, author=author, origin=origin)
    await audit.record(
        session,
        actor=author,
        action="module.publish",
        object_type="module",
        object_id=f"{draft.course.slug}/{draft.stem}",
        before={"revision": draft.current},
        after={
            "revision": revision.revision,
            "language": draft.language,
            "origin": origin,
            "left_out": draft.left_out,
        },
    )
    if content_dir is not None:
        await _write_back(session, draft.course, module, revision, content_dir, texts)
    return revision, created


async def restore(
    session: AsyncSession,
    *,
    course: Course,
    stem: str,
    number: int,
    author: User,
    expected: int | None = None,
    content_dir: Path | None = None,
) -> ModuleRevision:
    """Revision ``number`` of a module published again, as its newest revision."""
    module = await module_or_404(session, course, stem)
    await _lock(session, module)
    stored = await revision_texts(session, module, number)
    if stored is None:
        raise NotFound(_("The module has no revision %(number)s.") % {"number": number})
    if expected is not None and (module.current_revision or 0) != expected:
        raise Conflict(
            _(
                "Someone published this module since you opened it: revision %(current)s is "
                "the current one."
            )
            % {"current": module.current_revision or 0}
        )
    texts = {language: _copy(text) for language, text in stored.items()}
    before = module.current_revision
    revision = await _new_revision(session, module, texts, author=author, origin=RESTORE)
    await audit.record(
        session,
        actor=author,
        action="module.restore",
        object_type="module",
        object_id=f"{course.slug}/{stem}",
        before={"revision": before},
        after={"revision": revision.revision, "restored": number},
    )
    if content_dir is not None:
        await _write_back(session, course, module, revision, content_dir, texts)
    return revision


def _copy(text: ModuleText) -> dict[str, Any]:
    return {
        "title": text.title,
        "minutes": text.minutes,
        "source": text.source,
        "html": text.html,
        "quiz": text.quiz,
        "quiz_line": text.quiz_line,
        "quiz_data": text.quiz_data,
    }


async def _lock(session: AsyncSession, module: Module) -> None:
    """Locks the module's row and reads its current revision again, so that of two
    publishes at once the second waits and then compares with the first one's revision
    (PostgreSQL; SQLite lets one writer in at a time anyway)."""
    await session.refresh(module, attribute_names=["current_revision"], with_for_update=True)


async def _new_revision(
    session: AsyncSession,
    module: Module,
    texts: dict[str, dict[str, Any]],
    *,
    author: User,
    origin: str,
) -> ModuleRevision:
    latest = await session.scalar(
        select(func.max(col(ModuleRevision.revision))).where(
            col(ModuleRevision.module_id) == module.id
        )
    )
    revision = ModuleRevision(
        module_id=module.id or 0, revision=(latest or 0) + 1, origin=origin, author_id=author.id
    )
    session.add(revision)
    try:
        await session.flush()
    except IntegrityError as exc:  # another publish took the number first
        raise Conflict(
            _("Someone published this module at the same moment; reload and try again.")
        ) from exc
    session.add_all(
        ModuleText(revision_id=revision.id or 0, language=language, **values)
        for language, values in sorted(texts.items())
    )
    module.current_revision = revision.revision
    await session.flush()
    return revision


async def _write_back(
    session: AsyncSession,
    course: Course,
    module: Module,
    revision: ModuleRevision,
    content_dir: Path,
    texts: dict[str, dict[str, Any]],
) -> None:
    """The revision's texts into the course folder when it is writable (in a thread: the
    event loop does not wait on the disk); the revision then records the digest the sync
    computes for those files, so the sync leaves it be."""
    files = {
        file_name(course, module.stem, language): values["source"]
        for language, values in texts.items()
    }
    # A translation the revision left out goes from the folder too (its text stays in the
    # history and opens in the editor), so the folder passes the content check.
    stale = [file_name(course, module.stem, lang) for lang in course.languages if lang not in texts]
    written = await asyncio.to_thread(
        _write_files, course_folder(content_dir, course), files, stale
    )
    if not written:
        return
    parts = "".join(
        f"{language}:{hashlib.sha256(values['source'].encode('utf-8')).hexdigest()};"
        for language, values in sorted(texts.items())
    )
    revision.file_digest = hashlib.sha256(parts.encode("utf-8")).hexdigest()
    await session.flush()


def _write_files(folder: Path, files: dict[str, str], stale: list[str]) -> bool:
    """Writes the files that differ and removes the stale ones; False when the folder is
    missing or read-only."""
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        return False
    for name in stale:
        (folder / name).unlink(missing_ok=True)
    for name, text in files.items():
        target = folder / name
        if not target.is_file() or target.read_bytes() != text.encode("utf-8"):
            _write_atomically(target, text)
    return True


def _write_atomically(path: Path, text: str) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


async def used_numbers(session: AsyncSession, course: Course) -> list[int]:
    """The numbers of the course's published modules."""
    return list(
        await session.scalars(
            select(col(Module.number)).where(
                col(Module.course_id) == course.id, col(Module.current_revision).is_not(None)
            )
        )
    )


async def revision_texts(
    session: AsyncSession, module: Module, number: int
) -> dict[str, ModuleText] | None:
    """A revision's texts by language; None when the module has no such revision."""
    revision = (
        await session.scalars(
            select(ModuleRevision).where(
                col(ModuleRevision.module_id) == module.id,
                col(ModuleRevision.revision) == number,
            )
        )
    ).first()
    if revision is None:
        return None
    rows = await session.scalars(
        select(ModuleText).where(col(ModuleText.revision_id) == revision.id)
    )
    return {text.language: text for text in rows}


@dataclass(frozen=True)
class RevisionEntry:
    revision: int
    origin: str
    author: str | None  # the username
    author_name: str | None
    created_at: Any
    languages: list[str]  # the languages whose text changed in it
    removed: list[str]  # the languages it left out that the revision before had
    current: bool


async def history(session: AsyncSession, *, course: Course, stem: str) -> list[RevisionEntry]:
    """A module's revisions, newest first, with who published them and what changed."""
    module = await module_or_404(session, course, stem)
    rows = (
        await session.execute(
            select(ModuleRevision, User)
            .outerjoin(User, col(User.id) == ModuleRevision.author_id)
            .where(col(ModuleRevision.module_id) == module.id)
            .order_by(col(ModuleRevision.revision))
        )
    ).all()
    digests: dict[int, dict[str, str]] = {}
    for revision_id, language, source in await session.execute(
        select(col(ModuleText.revision_id), col(ModuleText.language), col(ModuleText.source))
        .join(ModuleRevision, col(ModuleRevision.id) == ModuleText.revision_id)
        .where(col(ModuleRevision.module_id) == module.id)
    ):
        digests.setdefault(revision_id, {})[language] = hashlib.sha256(
            source.encode("utf-8")
        ).hexdigest()
    entries = []
    previous: dict[str, str] = {}
    for revision, user in rows:
        now = digests.get(revision.id or 0, {})
        changed = sorted(lang for lang, digest in now.items() if previous.get(lang) != digest)
        removed = sorted(lang for lang in previous if lang not in now)
        entries.append(
            RevisionEntry(
                revision=revision.revision,
                origin=revision.origin,
                author=user.username if user else None,
                author_name=user.name if user else None,
                created_at=revision.created_at,
                languages=changed,
                removed=removed,
                current=revision.revision == module.current_revision,
            )
        )
        previous = now
    return entries[::-1]
