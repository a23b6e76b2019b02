"""The shared rate limit: counted per key and window in the database, IPv6 by /64, and
requests past the limit refused without being written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lms import ratelimit
from lms.models.certificates import RateCounter

LIMIT = ratelimit.Limit("test", requests=3, window=timedelta(minutes=1))
NOW = datetime(2026, 11, 23, 8, 0, 10, tzinfo=UTC)


def test_ipv6_visitors_are_counted_by_their_64() -> None:
    a = ratelimit.address_key("2001:db8:1:2:aaaa::1")
    b = ratelimit.address_key("2001:db8:1:2:ffff:1:2:3")
    assert a == b == "2001:db8:1:2::/64"
    assert ratelimit.address_key("2001:db8:1:3::1") != a
    assert ratelimit.address_key("203.0.113.7") == "203.0.113.7"
    assert ratelimit.address_key("testclient") == "testclient"  # not an address: as is


async def test_past_the_limit_is_refused_until_the_window_ends_and_not_written(
    db_session: AsyncSession,
) -> None:
    waits = [await ratelimit.hit(db_session, limit=LIMIT, who="x", now=NOW) for _ in range(5)]
    assert waits[:3] == [0, 0, 0]
    assert waits[3] == waits[4] == 51  # 50 s to the minute's end, rounded up
    count = await db_session.scalar(select(RateCounter.count).where(RateCounter.key == "test:x"))
    assert count == 3  # the refusals were read, not written
    assert await ratelimit.hit(db_session, limit=LIMIT, who="y", now=NOW) == 0  # another key
    later = NOW + timedelta(minutes=1)
    assert await ratelimit.hit(db_session, limit=LIMIT, who="x", now=later) == 0


async def test_counters_older_than_an_hour_are_dropped(db_session: AsyncSession) -> None:
    await ratelimit.hit(db_session, limit=LIMIT, who="old", now=NOW - timedelta(hours=2))
    await ratelimit.hit(db_session, limit=LIMIT, who="new", now=NOW)
    keys = await db_session.scalars(select(RateCounter.key))
    assert list(keys) == ["test:new"]
    total = await db_session.scalar(select(func.count()).select_from(RateCounter))
    assert total == 1
