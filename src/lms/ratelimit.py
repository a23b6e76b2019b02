"""Rate limits shared by every worker: requests counted in the database per key and
fixed window. One statement counts a request (an upsert returning the new count), so two
workers never lose each other's counts; old windows of the key are dropped as it goes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.models.base import utcnow
from lms.models.certificates import RateCounter


@dataclass(frozen=True)
class Limit:
    name: str
    requests: int
    window: timedelta


# Someone checking certificates by hand, or a university office going through a stack of
# them, stays far below this; a script walking through guesses does not.
VERIFY = Limit("verify", requests=30, window=timedelta(minutes=1))


def window_start(moment: datetime, window: timedelta) -> datetime:
    seconds = int(window.total_seconds())
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


async def hit(session: AsyncSession, *, limit: Limit, who: str, now: datetime | None = None) -> int:
    """Counts one request of ``who``: 0 when it is within the limit, else the seconds
    until the window ends (for ``Retry-After``). The caller commits."""
    now = now or utcnow()
    start = window_start(now, limit.window)
    key = f"{limit.name}:{who}"[:120]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    counted = col(RateCounter.count)
    statement = (
        insert(RateCounter)
        .values(key=key, window=start, count=1)
        .on_conflict_do_update(index_elements=["key", "window"], set_={"count": counted + 1})
        .returning(counted)
    )
    count = int((await session.execute(statement)).scalar_one())
    if count == 1:  # the first request of a window: the key's older windows are done
        await session.execute(
            delete(RateCounter).where(col(RateCounter.key) == key, col(RateCounter.window) < start)
        )
    if count <= limit.requests:
        return 0
    return max(1, int((start + limit.window - now).total_seconds()) + 1)
