"""Keyword-only factories with defaults, for tests."""

from __future__ import annotations

import itertools
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from lms.accounts import service as accounts
from lms.cohorts import service as cohorts
from lms.courses.check import load_content
from lms.courses.sync import SyncReport, sync_content
from lms.models.accounts import Role, User
from lms.models.cohorts import Cohort
from tests.support import FIXTURE_CONTENT

PASSWORD = "river-lantern-57-yak"  # passes the rule; used by every factory-made user
_numbers = itertools.count(1)


async def make_user(
    session: AsyncSession,
    *,
    username: str | None = None,
    name: str = "李明",
    role: Role = Role.volunteer,
    password: str | None = PASSWORD,
    cohort: Cohort | None = None,
) -> User:
    username = username or f"user{next(_numbers)}"
    user = await accounts.create_user(
        session,
        profile=accounts.Profile(username=username, name=name),
        role=role,
        password=password,
    )
    if cohort is not None:
        member_role = "volunteer" if role == Role.volunteer else role.value
        if member_role == "admin":
            member_role = "coordinator"
        await cohorts.add_member(session, cohort=cohort, user=user, role=member_role, actor=None)
    return user


async def make_cohort(
    session: AsyncSession,
    *,
    code: str | None = None,
    name: str = "玉树社区服务 2026 春",
    pathway: str | None = None,
) -> Cohort:
    code = code or f"C-{next(_numbers)}"
    return await cohorts.create_cohort(session, code=code, name=name, pathway=pathway, actor=None)


async def load_fixture_content(session: AsyncSession, root: Path = FIXTURE_CONTENT) -> SyncReport:
    """The fixture course (service-records, Chinese first) and its pathway, synced."""
    content = load_content(root)
    assert not content.problems, content.problems
    return await sync_content(session, content)
