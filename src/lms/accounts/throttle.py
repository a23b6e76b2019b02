"""Login throttling, shared by every worker through the database.

Ten failures for one username from one address within 15 minutes block that pair until
the oldest of them ages out; fifty failures from one address across any usernames block
the address. A campus behind one NAT address is not locked out by one student's typos,
and nobody can lock a known username out from everywhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.models.accounts import LoginAttempt
from lms.models.base import as_utc, utcnow

WINDOW = timedelta(minutes=15)
PAIR_LIMIT = 10
ADDRESS_LIMIT = 50


def invite_key(username: str) -> str:
    """Wrong invite codes are counted per address and typed username: a class registering
    together from one campus address is not blocked by one student's typos, and someone
    trying many codes still meets the limit for the address."""
    return f"#invite:{username}"[:40]


async def seconds_blocked(
    session: AsyncSession, *, username: str, address: str, now: datetime | None = None
) -> int:
    """0 when this pair may try; else how long until it may (for ``Retry-After``)."""
    now = now or utcnow()
    since = now - WINDOW
    recent = col(LoginAttempt.at) >= since
    pair = select(func.count(), func.min(LoginAttempt.at)).where(
        col(LoginAttempt.username) == username, col(LoginAttempt.address) == address, recent
    )
    count, oldest = (await session.execute(pair)).one()
    if count >= PAIR_LIMIT:
        return _wait(oldest, now)
    whole = select(func.count(), func.min(LoginAttempt.at)).where(
        col(LoginAttempt.address) == address, recent
    )
    count, oldest = (await session.execute(whole)).one()
    if count >= ADDRESS_LIMIT:
        return _wait(oldest, now)
    return 0


def _wait(oldest: datetime, now: datetime) -> int:
    return max(1, int((as_utc(oldest) + WINDOW - now).total_seconds()) + 1)


async def record_failure(session: AsyncSession, *, username: str, address: str) -> None:
    now = utcnow()
    # Attempts older than the window count for nothing; this address's go as it fails.
    await session.execute(
        delete(LoginAttempt).where(
            col(LoginAttempt.address) == address, col(LoginAttempt.at) < now - WINDOW
        )
    )
    session.add(LoginAttempt(username=username, address=address, at=now))
    await session.flush()


async def forget_failures(session: AsyncSession, *, username: str, address: str) -> None:
    """A successful sign-in clears that pair's count, as people expect."""
    await session.execute(
        delete(LoginAttempt).where(
            col(LoginAttempt.username) == username, col(LoginAttempt.address) == address
        )
    )
