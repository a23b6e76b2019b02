"""``lms content export``: the database's content as files that pass the content check,
modules published in the browser included."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.courses import authoring
from lms.courses.check import load_content
from lms.courses.export import export_content, gather
from lms.courses.sync import sync_content
from lms.models.accounts import Role
from lms.models.courses import Course
from tests.factories import make_user

pytestmark = pytest.mark.database


async def test_export_writes_the_latest_revisions_as_files(
    db_session: AsyncSession, tmp_path: Path, content: Path
) -> None:
    await sync_content(db_session, load_content(content))
    trainer = await make_user(db_session, username="trn", role=Role.trainer)
    found = await db_session.scalar(select(Course).where(col(Course.slug) == "service-records"))
    assert found is not None
    original = (content / "courses/service-records/02-a-good-entry.md").read_text("utf-8")
    edited = original.replace("一条好的记录", "一条清楚的记录", 1)
    draft = await authoring.check(
        db_session,
        course=found,
        stem="02-a-good-entry",
        language="zh",
        text=edited,
        content_dir=content,
    )
    await authoring.publish(db_session, draft=draft, author=trainer, origin=authoring.BROWSER)

    target = tmp_path / "export"
    report = export_content(await gather(db_session, content), target, content)
    assert report.missing == []
    folder = target / "courses" / "service-records"
    assert (folder / "02-a-good-entry.md").read_text("utf-8") == edited, "the latest revision"
    for name in ("course.md", "course.en.md", "01-why-records.md", "03-privacy.en.md"):
        source = (content / "courses/service-records" / name).read_text("utf-8")
        assert (folder / name).read_text("utf-8") == source, name
    pictures = sorted(p.name for p in (folder / "images").iterdir())
    assert pictures == sorted(
        p.name for p in (content / "courses/service-records/images").iterdir()
    )
    exported = load_content(target)
    assert exported.problems == []
    assert [c.slug for c in exported.courses] == [c.slug for c in load_content(content).courses]
    assert report.modules == sum(len(c.modules) for c in exported.courses)

    with pytest.raises(FileExistsError):
        export_content(await gather(db_session, content), target, content)
