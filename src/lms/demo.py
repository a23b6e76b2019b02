"""Demo data for ``make demo``: a cohort and one account per role.

Every run gives the demo accounts new random passwords and prints them, so a demo never
ships with a known password. Later issues add courses and hours to the same cohort.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from lms.accounts import service as accounts
from lms.accounts.passwords import hash_password
from lms.audit import service as audit
from lms.cohorts import service as cohorts
from lms.models.accounts import Role

COHORT = "DEMO-2026"
COHORT_NAME = "示范培训班 · Demo cohort 2026"
PEOPLE = (
    ("demo-volunteer", "卓玛", Role.volunteer, "volunteer"),
    ("demo-trainer", "王老师", Role.trainer, "trainer"),
    ("demo-coordinator", "李主任", Role.coordinator, "coordinator"),
    ("demo-admin", "系统管理员", Role.admin, None),
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    role: str
    password: str


async def ensure_demo(session: AsyncSession) -> tuple[str, list[DemoAccount]]:
    """The demo cohort's invite code and the demo accounts with their new passwords."""
    cohort = await cohorts.find_cohort(session, COHORT)
    if cohort is None:
        cohort = await cohorts.create_cohort(
            session, code=COHORT, name=COHORT_NAME, pathway="community-volunteer", actor=None
        )
    made = []
    for username, name, role, member_role in PEOPLE:
        user = await accounts.find_user(session, username)
        if user is None:
            user = await accounts.create_user(
                session, profile=accounts.Profile(username=username, name=name), role=role
            )
        password = secrets.token_urlsafe(9)
        user.password_hash = await hash_password(password)
        user.is_active = True
        await audit.record(
            session,
            actor=None,
            action="user.demo_password",
            object_type="user",
            object_id=user.id or 0,
        )
        if member_role is not None:
            await cohorts.add_member(
                session, cohort=cohort, user=user, role=member_role, actor=None
            )
        made.append(DemoAccount(username=username, name=name, role=role.value, password=password))
    return cohort.invite_code, made
