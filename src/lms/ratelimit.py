"""Rate limits shared by every worker: requests counted in the database per key and
fixed window. One statement counts a request (an upsert returning the new count), so two
workers never lose each other's counts; old windows of the key are dropped as it goes."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
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
KEEP = timedelta(hours=1)  # longer than any window


def window_start(moment: datetime, window: timedelta) -> datetime:
    seconds = int(window.total_seconds())
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


def address_key(address: str) -> str:
    """An IPv6 client is counted by its /64: one host gets a whole /64 to pick from."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


async def hit(session: AsyncSession, *, limit: Limit, who: str, now: datetime | None = None) -> int:
    """Counts one request of ``who``: 0 when it is within the limit, else the seconds
    until the window ends (for ``Retry-After``). The caller commits. Once a key is over
    its limit, further requests in the window are refused by a read, not counted by a
    write: a flood from one address does not queue the site's real writes."""
    now = now or utcnow()
    start = window_start(now, limit.window)
    key = f"{limit.name}:{who}"[:120]
    wait = max(1, int((start + limit.window - now).total_seconds()) + 1)
    seen = await session.scalar(
        select(col(RateCounter.count)).where(
            col(RateCounter.key) == key, col(RateCounter.window) == start
        )
    )
    if seen is not None and seen >= limit.requests:
        return wait
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
    if count == 1:  # a key's first request in a window: windows that ended are dropped
        await session.execute(delete(RateCounter).where(col(RateCounter.window) < now - KEEP))
    return 0 if count <= limit.requests else wait
