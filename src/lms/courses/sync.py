"""Loading checked content into the database as revisions.

A module gets a new revision only when its files differ from the files it was last
imported from (or, for a revision published in the browser, written to); so a revision
published later in the browser is not undone by an unchanged file, and running the sync
twice changes nothing. Broken files were already
left out by the validator: what they replace stays published.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.audit import service as audit
from lms.courses import service as courses
from lms.courses.check import Content
from lms.courses.source import CourseSource, ModuleSource
from lms.models.base import utcnow
from lms.models.courses import (
    ContentProblem,
    Course,
    Module,
    ModuleRevision,
    ModuleText,
    Pathway,
)
from lms.pathways.source import Pathway as PathwaySource


@dataclass
class SyncReport:
    courses_created: list[str] = field(default_factory=list)
    courses_updated: list[str] = field(default_factory=list)
    revisions: list[str] = field(default_factory=list)  # "course/stem@n"
    retired: list[str] = field(default_factory=list)  # "course/stem": its files are gone
    pathways: list[str] = field(default_factory=list)  # created or changed
    enrolments: int = 0
    unchanged: int = 0
    problems: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.courses_created)} course(s) created, "
            f"{len(self.courses_updated)} updated, {len(self.revisions)} new module "
            f"revision(s), {len(self.retired)} module(s) withdrawn, {self.unchanged} "
            f"module(s) unchanged, {len(self.pathways)} pathway(s) created or changed, "
            f"{self.enrolments} cohort enrolment(s), {self.problems} problem(s)"
        )


def course_digest(source: CourseSource) -> str:
    meta = source.meta.model_dump_json()
    intro = "".join(f"{lang}:{body.html}" for lang, body in sorted(source.intro.items()))
    return hashlib.sha256((meta + intro).encode("utf-8")).hexdigest()


def module_digest(source: ModuleSource) -> str:
    parts = "".join(f"{lang}:{v.digest};" for lang, v in sorted(source.versions.items()))
    return hashlib.sha256(parts.encode("utf-8")).hexdigest()


async def sync_content(session: AsyncSession, content: Content) -> SyncReport:
    report = SyncReport(problems=len(content.problems))
    for source in content.courses:
        course = await _sync_course(session, source, report)
        for module_source in source.modules:
            await _sync_module(session, course, module_source, report)
        await _withdraw_missing(session, course, source, report)
    for pathway in content.pathways:
        await _sync_pathway(session, pathway, report)
    await _store_problems(session, content)
    # A pathway may name a course that was not there when its cohort's members joined.
    report.enrolments = await courses.enrol_cohorts(session)
    if report.courses_created or report.courses_updated or report.revisions or report.retired:
        await audit.record(
            session,
            actor=None,
            action="content.sync",
            object_type="content",
            object_id="files",
            after={
                "courses_created": report.courses_created,
                "courses_updated": report.courses_updated,
                "revisions": report.revisions,
                "withdrawn": report.retired,
                "pathways": report.pathways,
            },
        )
    return report


async def _sync_course(session: AsyncSession, source: CourseSource, report: SyncReport) -> Course:
    digest = course_digest(source)
    course = (await session.scalars(select(Course).where(col(Course.slug) == source.slug))).first()
    values: dict[str, Any] = {
        "position": source.meta.order,
        "hours": source.meta.hours,
        "languages": list(source.meta.languages),
        "title": dict(source.meta.title),
        "summary": dict(source.meta.summary),
        "intro_html": {lang: body.html for lang, body in source.intro.items()},
        "source_digest": digest,
        "sources": course_sources(source.folder),
    }
    if course is None:
        course = Course(slug=source.slug, **values)
        session.add(course)
        await session.flush()
        report.courses_created.append(source.slug)
    elif course.source_digest != digest or course.sources is None:
        for key, value in values.items():
            setattr(course, key, value)
        course.updated_at = utcnow()
        report.courses_updated.append(source.slug)
    return course


def course_sources(folder: Path) -> dict[str, str]:
    """course.md and its translations as written (checked already), for the export."""
    files = [folder / "course.md", *sorted(folder.glob("course.*.md"))]
    return {
        path.name: path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        for path in files
        if path.is_file()
    }


async def _sync_module(
    session: AsyncSession, course: Course, source: ModuleSource, report: SyncReport
) -> None:
    module = (
        await session.scalars(
            select(Module).where(
                col(Module.course_id) == course.id, col(Module.stem) == source.stem
            )
        )
    ).first()
    if module is None:
        module = Module(course_id=course.id or 0, stem=source.stem, number=source.number)
        session.add(module)
        await session.flush()
    module.number = source.number
    digest = module_digest(source)
    last_file = (
        await session.execute(
            select(col(ModuleRevision.revision), col(ModuleRevision.file_digest))
            .where(
                col(ModuleRevision.module_id) == module.id,
                col(ModuleRevision.file_digest).is_not(None),
            )
            .order_by(col(ModuleRevision.revision).desc())
            .limit(1)
        )
    ).first()
    if last_file is not None and last_file[1] == digest:
        if module.current_revision is None:  # its files were deleted, now they are back
            module.current_revision = last_file[0]
        report.unchanged += 1
        return
    latest = await session.scalar(
        select(func.max(ModuleRevision.revision)).where(col(ModuleRevision.module_id) == module.id)
    )
    number = (latest or 0) + 1
    revision = ModuleRevision(
        module_id=module.id or 0, revision=number, origin="file", file_digest=digest
    )
    session.add(revision)
    await session.flush()
    session.add_all(
        ModuleText(
            revision_id=revision.id or 0,
            language=lang,
            title=version.meta.title,
            minutes=version.meta.minutes,
            source=version.source,
            html=version.body.html,
            quiz=version.body.quiz,
            quiz_line=version.body.quiz_line,
            quiz_data=version.quiz.to_json() if version.quiz else None,
        )
        for lang, version in sorted(source.versions.items())
    )
    module.current_revision = number
    await session.flush()
    report.revisions.append(f"{course.slug}/{source.stem}@{number}")


async def _withdraw_missing(
    session: AsyncSession, course: Course, source: CourseSource, report: SyncReport
) -> None:
    """A module whose files were deleted leaves the course; its history stays. A module
    whose files are only broken keeps its last good revision."""
    gone = (
        await session.scalars(
            select(Module).where(
                col(Module.course_id) == course.id,
                col(Module.current_revision).is_not(None),
                col(Module.stem).not_in(source.present),
            )
        )
    ).all()
    for module in gone:
        module.current_revision = None
        report.retired.append(f"{course.slug}/{module.stem}")
    await session.flush()


async def _sync_pathway(session: AsyncSession, source: PathwaySource, report: SyncReport) -> None:
    definition = source.model_dump(mode="json")
    digest = hashlib.sha256(source.model_dump_json().encode("utf-8")).hexdigest()
    pathway = (
        await session.scalars(select(Pathway).where(col(Pathway.slug) == source.slug))
    ).first()
    if pathway is None:
        session.add(
            Pathway(
                slug=source.slug,
                title={str(k): v for k, v in source.title.items()},
                definition=definition,
                source_digest=digest,
            )
        )
    elif pathway.source_digest != digest:
        pathway.title = {str(k): v for k, v in source.title.items()}
        pathway.definition = definition
        pathway.source_digest = digest
        pathway.updated_at = utcnow()
    else:
        return
    report.pathways.append(source.slug)
    await session.flush()


async def _store_problems(session: AsyncSession, content: Content) -> None:
    """The content-errors page shows what the last sync refused."""
    await session.execute(delete(ContentProblem))
    now = utcnow()
    rows = [
        {
            "path": _relative(problem.path, content.root)[:500],
            "line": problem.line,
            "message": problem.message[:1000],
            "found_at": now,
        }
        for problem in content.problems
    ]
    if rows:
        await session.execute(insert(ContentProblem), rows)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
