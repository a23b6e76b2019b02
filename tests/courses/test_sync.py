"""Content becomes revisions: new only when a module's files change; a browser revision
is not undone by an unchanged file; a broken file leaves the last good one live."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.courses.check import load_content
from lms.courses.sync import sync_content
from lms.models.courses import Course, Module, ModuleRevision, ModuleText
from tests.courses.conftest import MODULE, write


async def revisions(session: AsyncSession, stem: str) -> list[tuple[int, str]]:
    query = (
        select(ModuleRevision.revision, ModuleRevision.origin)
        .join(Module, col(Module.id) == col(ModuleRevision.module_id))
        .where(col(Module.stem) == stem)
        .order_by(col(ModuleRevision.revision))
    )
    return [(r, o) for r, o in (await session.execute(query)).all()]


async def current_title(session: AsyncSession, stem: str, language: str) -> str:
    query = (
        select(ModuleText.title)
        .join(ModuleRevision, col(ModuleRevision.id) == col(ModuleText.revision_id))
        .join(Module, col(Module.id) == col(ModuleRevision.module_id))
        .where(
            col(Module.stem) == stem,
            col(ModuleText.language) == language,
            col(ModuleRevision.revision) == col(Module.current_revision),
        )
    )
    return str(await session.scalar(query))


async def test_first_sync_then_nothing_to_do(db_session: AsyncSession, tree: Path) -> None:
    first = await sync_content(db_session, load_content(tree))
    assert first.courses_created == ["demo"]
    assert first.revisions == ["demo/01-first@1", "demo/02-second@1"]
    course = (await db_session.scalars(select(Course))).one()
    assert course.title == {"en": "Demo", "zh": "示范"}
    assert "Introduction" in course.intro_html["en"]
    assert await current_title(db_session, "01-first", "zh") == "中文标题"
    html = await db_session.scalar(select(ModuleText.html).where(ModuleText.language == "en"))
    assert html is not None
    assert 'href="/courses/demo/02-second"' in html  # rendered once, stored
    again = await sync_content(db_session, load_content(tree))
    assert (again.courses_created, again.courses_updated, again.revisions) == ([], [], [])
    assert again.unchanged == 2


async def test_a_changed_file_makes_a_new_revision(db_session: AsyncSession, tree: Path) -> None:
    await sync_content(db_session, load_content(tree))
    write(tree / "courses" / "demo", "01-first.zh.md", MODULE.format(title="新的中文标题"))
    report = await sync_content(db_session, load_content(tree))
    assert report.revisions == ["demo/01-first@2"]
    assert await revisions(db_session, "01-first") == [(1, "file"), (2, "file")]
    assert await current_title(db_session, "01-first", "zh") == "新的中文标题"


async def test_a_broken_edit_keeps_the_last_good_revision(
    db_session: AsyncSession, tree: Path
) -> None:
    await sync_content(db_session, load_content(tree))
    write(tree / "courses" / "demo", "01-first.md", "---\ntitle: [broken\n---\n")
    report = await sync_content(db_session, load_content(tree))
    assert report.revisions == []
    assert report.problems == 1
    assert await revisions(db_session, "01-first") == [(1, "file")]
    assert await current_title(db_session, "01-first", "en") == "English title"


async def test_a_browser_revision_survives_an_unchanged_file(
    db_session: AsyncSession, tree: Path
) -> None:
    await sync_content(db_session, load_content(tree))
    module = (await db_session.scalars(select(Module).where(Module.stem == "01-first"))).one()
    browser = ModuleRevision(module_id=module.id or 0, revision=2, origin="browser")
    db_session.add(browser)
    await db_session.flush()
    module.current_revision = 2
    report = await sync_content(db_session, load_content(tree))
    assert report.revisions == []
    assert module.current_revision == 2
