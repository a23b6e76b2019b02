"""The pathway world of tests/pathways (course alpha, pathway ``path`` with L5 and L4),
with the shipped certificate template beside it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from lms.certificates import service as certificates
from lms.models.accounts import User
from tests.pathways import conftest as pathway_world
from tests.pathways.conftest import Place

place = pathway_world.place  # the fixture, shared

SHIPPED = Path(__file__).resolve().parents[2] / "content"


async def user(session: AsyncSession, world: Place, who: str) -> User:
    found = await session.get(User, world.people[who])
    assert found is not None
    return found


async def issue(
    session: AsyncSession, world: Place, who: str = "vol", level: str = "L5", by: str = "coord"
) -> certificates.Issued:
    return await certificates.issue(
        session,
        actor=await user(session, world, by),
        volunteer=await user(session, world, who),
        pathway="path",
        level=level,
        content_dir=SHIPPED,
    )
