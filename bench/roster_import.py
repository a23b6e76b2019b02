"""Roster import at scale: how long a coordinator's import and links download hold the
database (and so SQLite's write lock) for N rows.

    .venv/bin/python bench/roster_import.py [--rows 2000 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from lms import migrate
from lms.cohorts import service as cohorts
from lms.cohorts.roster import parse_roster
from lms.config import Settings
from lms.db import Database, create_engine_for
from pages import write_section  # type: ignore[import-not-found]

HEADER = "username,name,role,email,phone,student_id\n"


async def run(rows: int, folder: Path) -> tuple[float, float]:
    url = f"sqlite:///{folder / f'r{rows}.db'}"
    migrate.upgrade(url)
    settings = Settings(_env_file=None, data_dir=folder, database_url=url)  # type: ignore[call-arg]
    database = Database(create_engine_for(settings))
    text = HEADER + "".join(f"s{i:05d},学生{i},volunteer,,,2024{i:05d}\n" for i in range(rows))
    try:
        async with database.session(write=True) as session:
            cohort = await cohorts.create_cohort(
                session, code="BENCH", name="bench", pathway=None, actor=None
            )
            await session.commit()
        started = time.perf_counter()
        async with database.session(write=True) as session:
            await cohorts.import_roster(
                session, cohort=cohort, roster=parse_roster(text), actor=None
            )
            await session.commit()
        imported = time.perf_counter() - started
        started = time.perf_counter()
        async with database.session(write=True) as session:
            await cohorts.password_links(session, cohort=cohort, base_url="http://x", actor=None)
            await session.commit()
        linked = time.perf_counter() - started
    finally:
        await database.dispose()
    return imported, linked


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[500, 2000, 5000])
    options = parser.parse_args()
    lines = []
    with tempfile.TemporaryDirectory() as folder:
        for rows in options.rows:
            imported, linked = asyncio.run(run(rows, Path(folder)))
            lines.append(f"| {rows:,} | {imported * 1000:,.0f} | {linked * 1000:,.0f} |")
            print(lines[-1], flush=True)
    title = "## Roster import"
    write_section(
        "\n".join(
            [
                title,
                "",
                f"{datetime.now(UTC):%Y-%m-%d}, {platform.node()}, {os.cpu_count()} cores, "
                f"Python {platform.python_version()}, SQLite; one transaction each, as the web "
                "routes run them (`python bench/roster_import.py`).",
                "",
                "| rows | import ms (validate, users, members, audit) | set-password links ms |",
                "| --- | --- | --- |",
                *lines,
            ]
        )
        + "\n",
        title,
    )


if __name__ == "__main__":
    main()
