"""``lms content export DIR``: the content as the database has it now, as files.

Each course gets its ``course.md`` files as last synced, the current revision of each
published module in every language (published in the browser or over the API included),
and the pictures and handouts of its folder in the content dir; pathways are copied from
the content dir. The result passes ``lms content check`` and can replace the content
folder, or be committed to git.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.courses.authoring import course_folder, current_texts, file_name
from lms.courses.source import FILE_TYPES
from lms.models.courses import Course, Module


@dataclass
class ExportReport:
    courses: int = 0
    modules: int = 0
    files: int = 0  # every file written or copied
    missing: list[str] = field(default_factory=list)  # courses synced before sources were kept

    def summary(self) -> str:
        return f"{self.courses} course(s), {self.modules} module(s), {self.files} file(s)"


@dataclass
class CourseFiles:
    slug: str
    folder: Path  # in the content dir, for pictures and handouts
    texts: dict[str, str] = field(default_factory=dict)  # file name: text
    modules: int = 0


async def gather(session: AsyncSession, content_dir: Path) -> list[CourseFiles]:
    """Every course's files as the database has them now."""
    gathered = []
    for course in await session.scalars(select(Course).order_by(col(Course.slug))):
        files = CourseFiles(course.slug, course_folder(content_dir, course))
        files.texts.update(course.sources or {})
        modules = await session.scalars(
            select(Module)
            .where(col(Module.course_id) == course.id, col(Module.current_revision).is_not(None))
            .order_by(col(Module.number))
        )
        for module in modules:
            files.modules += 1
            for language, text in (await current_texts(session, module)).items():
                files.texts[file_name(course, module.stem, language)] = text.source
        gathered.append(files)
    return gathered


def export_content(courses: list[CourseFiles], target: Path, content_dir: Path) -> ExportReport:
    """Writes the gathered content into ``target``, which must be empty or new."""
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty; export into a new or empty folder")
    report = ExportReport()
    for course in courses:
        folder = target / "courses" / course.slug
        folder.mkdir(parents=True, exist_ok=True)
        report.courses += 1
        report.modules += course.modules
        if "course.md" not in course.texts:
            report.missing.append(course.slug)
        for name, text in course.texts.items():
            _write(folder / name, text)
            report.files += 1
        report.files += _copy_files(course.folder, folder)
    pathways = content_dir / "pathways"
    if pathways.is_dir():
        for path in sorted(pathways.glob("*.yaml")):
            (target / "pathways").mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / "pathways" / path.name)
            report.files += 1
    return report


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


def _copy_files(source: Path, target: Path) -> int:
    """The pictures and handouts of a course folder (the types a course may serve)."""
    if not source.is_dir():
        return 0
    copied = 0
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if (
            path.is_file()
            and path.suffix.lower() in FILE_TYPES
            and not any(part.startswith(".") for part in relative.parts)
        ):
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / relative)
            copied += 1
    return copied
