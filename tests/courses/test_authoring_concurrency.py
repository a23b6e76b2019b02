"""Two trainers publish the same module at the same moment through two app instances (two
workers, real transactions, one database): one wins, the other is told with 409, and the
module holds exactly the winner's text."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms import migrate
from lms.accounts import service as accounts
from lms.app import create_app
from lms.config import Settings
from lms.courses import authoring
from lms.courses.check import load_content
from lms.courses.sync import sync_content
from lms.db import Database, create_engine_for
from lms.errors import Conflict
from lms.models.accounts import Role
from lms.models.courses import Course
from tests.factories import FIXTURE_CONTENT
from tests.support import throwaway_database

pytestmark = pytest.mark.database
MODULE = "/api/v1/courses/service-records/modules/02-a-good-entry"


async def test_two_workers_publishing_at_once_one_wins_and_the_other_gets_409(
    tmp_path: Path,
) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, content)
    with throwaway_database(tmp_path) as url:
        migrate.upgrade(url)
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            data_dir=tmp_path / "var",
            database_url=url,
            base_url="http://testserver",
            content_dir=content,
        )
        workers = [
            create_app(settings, database=Database(create_engine_for(settings, url)))
            for _ in range(2)
        ]
        try:
            async with workers[0].state.session_factory(write=True) as session:
                await sync_content(session, load_content(content))
                tokens = []
                for name in ("teacher-a", "teacher-b"):
                    user = await accounts.create_user(
                        session,
                        profile=accounts.Profile(username=name, name=name),
                        role=Role.trainer,
                    )
                    tokens.append(await accounts.create_token(session, user=user, name="ci"))
                await session.commit()
            original = (content / "courses/service-records/02-a-good-entry.md").read_text("utf-8")
            texts = [original + f"\n{name} 的补充。\n" for name in ("甲", "乙")]

            async def publish(index: int) -> httpx.Response:
                transport = httpx.ASGITransport(app=workers[index])
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://testserver"
                ) as client:
                    return await client.put(
                        MODULE,
                        content=texts[index],
                        headers={
                            "Authorization": f"Bearer {tokens[index]}",
                            "Content-Type": "text/markdown",
                            "If-Match": "1",
                        },
                    )

            answers = await asyncio.gather(publish(0), publish(1))
            codes = sorted(a.status_code for a in answers)
            assert codes == [200, 409], [a.text for a in answers]
            winner = texts[[a.status_code for a in answers].index(200)]
            transport = httpx.ASGITransport(app=workers[0])
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                listed = await client.get(
                    MODULE + "/revisions", headers={"Authorization": f"Bearer {tokens[0]}"}
                )
            assert [r["revision"] for r in listed.json()] == [2, 1]
            path = content / "courses/service-records/02-a-good-entry.md"
            assert path.read_text("utf-8") == winner, "the file holds the winner's text"
        finally:
            for app in workers:
                await app.state.database.dispose()


async def test_a_publish_that_read_the_module_before_another_was_published_gets_409(
    tmp_path: Path,
) -> None:
    """The interleaving that let both publishes through on PostgreSQL: B reads the module
    (revision 1), A publishes revision 2 and commits, then B publishes "from revision 1".
    B must compare with the module as it is now, not as it read it."""
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, content)
    with throwaway_database(tmp_path) as url:
        migrate.upgrade(url)
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, data_dir=tmp_path / "var", database_url=url, content_dir=content
        )
        database = Database(create_engine_for(settings, url))
        try:
            async with database.session(write=True) as session:
                await sync_content(session, load_content(content))
                trainer = await accounts.create_user(
                    session, profile=accounts.Profile(username="trn", name="trn"), role=Role.trainer
                )
                await session.commit()
            original = (content / "courses/service-records/02-a-good-entry.md").read_text("utf-8")

            async def draft_in(session: AsyncSession, text: str) -> authoring.Draft:
                course = await session.scalar(
                    select(Course).where(col(Course.slug) == "service-records")
                )
                assert course is not None
                return await authoring.check(
                    session,
                    course=course,
                    stem="02-a-good-entry",
                    language="zh",
                    text=text,
                    content_dir=content,
                )

            async with AsyncSession(database.engine, expire_on_commit=False) as late:
                stale = await draft_in(late, original + "\n乙的补充。\n")
                await late.commit()  # B has read revision 1 and keeps it
                async with database.session(write=True) as first:
                    draft = await draft_in(first, original + "\n甲的补充。\n")
                    await authoring.publish(
                        first, draft=draft, author=trainer, origin=authoring.API, expected=1
                    )
                    await first.commit()
                with pytest.raises(Conflict):
                    await authoring.publish(
                        late, draft=stale, author=trainer, origin=authoring.API, expected=1
                    )
        finally:
            await database.dispose()
