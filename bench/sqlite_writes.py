"""SQLite write tail: 32 concurrent writers through the app's session factory,
with write transactions that BEGIN IMMEDIATE (what the app does) against plain
deferred BEGIN (what the sqlite3 driver does by default).

    .venv/bin/python bench/sqlite_writes.py [--writers 32] [--per-writer 25]

Each writer opens a session, reads one row, appends an audit event and commits: the
read-then-write shape of approving hours or submitting a quiz. A deferred transaction
that read first must upgrade its lock to write; under contention SQLite refuses that
at once ("database is locked") instead of waiting, which is the failure this design
avoids. Results go to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from lms import migrate
from lms.audit import service as audit
from lms.config import Settings
from lms.db import Database, create_engine_for
from lms.models import AuditEvent
from pages import write_section  # type: ignore[import-not-found]


async def run(immediate: bool, writers: int, per_writer: int, folder: Path) -> dict[str, float]:
    url = f"sqlite:///{folder / ('imm.db' if immediate else 'def.db')}"
    migrate.upgrade(url)
    settings = Settings(_env_file=None, data_dir=folder, database_url=url)  # type: ignore[call-arg]
    database = Database(create_engine_for(settings))
    latencies: list[float] = []
    failures = 0

    async def writer(number: int) -> None:
        nonlocal failures
        for i in range(per_writer):
            started = time.perf_counter()
            try:
                async with database.session(write=immediate) as session:
                    await session.scalar(select(func.count()).select_from(AuditEvent))
                    await audit.record(
                        session,
                        actor=None,
                        action="bench.write",
                        object_type="bench",
                        object_id=f"{number}-{i}",
                    )
                    await session.commit()
                latencies.append((time.perf_counter() - started) * 1000)
            except OperationalError:
                failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(writer(n) for n in range(writers)))
    elapsed = time.perf_counter() - started
    await database.dispose()
    latencies.sort()
    quantile = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "ok": len(latencies),
        "failed": failures,
        "per_s": len(latencies) / elapsed,
        "p50": quantile[49],
        "p99": quantile[98],
        "max": latencies[-1] if latencies else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", type=int, default=32)
    parser.add_argument("--per-writer", type=int, default=25)
    options = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for immediate in (True, False):
            result = asyncio.run(run(immediate, options.writers, options.per_writer, Path(folder)))
            label = "BEGIN IMMEDIATE (the app)" if immediate else "deferred BEGIN (driver default)"
            rows.append(
                f"| {label} | {result['ok']} | {result['failed']} | {result['per_s']:,.0f} | "
                f"{result['p50']:.1f} | {result['p99']:.1f} | {result['max']:.1f} |"
            )
            print(rows[-1], flush=True)
    title = "## SQLite concurrent writes"
    section = (
        "\n".join(
            [
                title,
                "",
                f"{datetime.now(UTC):%Y-%m-%d}, {platform.node()}, {os.cpu_count()} cores, "
                f"Python {platform.python_version()}; {options.writers} writers × "
                f"{options.per_writer} read-then-write transactions in one process, busy timeout "
                "5 s (`python bench/sqlite_writes.py`).",
                "",
                "| transactions | committed | failed (locked) | commits/s "
                "| p50 ms | p99 ms | max ms |",
                "| --- | --- | --- | --- | --- | --- | --- |",
                *rows,
            ]
        )
        + "\n"
    )
    write_section(section, title)


if __name__ == "__main__":
    main()
