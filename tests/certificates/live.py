"""A real server on the demo data: ``lms demo`` on a throwaway database, then ``lms
serve``; the demo cohort has certified, revoked and eligible volunteers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support import LiveServer, throwaway_database

SHIPPED = Path(__file__).resolve().parents[2] / "content"


@contextmanager
def demo_server(folder: Path) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    """The server and the demo accounts' passwords by username."""
    content = folder / "content"
    shutil.copytree(SHIPPED, content)
    with throwaway_database(folder) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
        env.update(
            LMS_DATA_DIR=str(folder / "var"),
            LMS_DATABASE_URL=url,
            LMS_CONTENT_DIR=str(content),
            COLUMNS="200",
        )
        made = subprocess.run(
            [sys.executable, "-m", "lms", "demo"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=180,
        )
        assert made.returncode == 0, made.stderr
        passwords = dict(re.findall(r"│ (demo-[a-z]+)\s+│ (\S+)\s+│", made.stdout))
        server = LiveServer(
            data_dir=folder / "var", database_url=url, extra_env={"LMS_CONTENT_DIR": str(content)}
        )
        try:
            yield server, passwords
        finally:
            server.stop()
