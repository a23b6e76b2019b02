"""Helpers the fixtures and tests share: throwaway databases and live servers."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import make_url

TEST_PG_URL = os.environ.get("LMS_TEST_DATABASE_URL") or None
BACKEND = "postgresql" if TEST_PG_URL else "sqlite"
IN_CI = os.environ.get("CI") == "true"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"


def require_tool(path_or_name: str) -> str:
    """The tool's path; a missing tool skips the test locally and fails it under CI."""
    found = path_or_name if Path(path_or_name).exists() else shutil.which(path_or_name)
    if found:
        return found
    message = f"{path_or_name} is not installed"
    if IN_CI:
        pytest.fail(message + " (CI must install it)")
    pytest.skip(message)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def throwaway_database(folder: Path) -> Iterator[str]:
    """An empty database for one test run: a file under ``folder`` or a new PostgreSQL
    database, dropped afterwards."""
    if TEST_PG_URL is None:
        yield f"sqlite:///{folder / 'lms.db'}"
        return
    admin = make_url(TEST_PG_URL)
    name = f"lms_test_{secrets.token_hex(5)}"
    with psycopg.connect(_libpq(TEST_PG_URL), autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        _drop(name)


def _drop(name: str, attempts: int = 20) -> None:
    """Drops a throwaway database. An autovacuum worker may be busy in it after a test's
    writes; it runs as the superuser, whom FORCE may not terminate for the test role, and
    it ends by itself within moments: so try again briefly."""
    assert TEST_PG_URL is not None
    for attempt in range(attempts):
        try:
            with psycopg.connect(_libpq(TEST_PG_URL), autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
            if attempt == attempts - 1:
                raise
            time.sleep(0.25)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """``lms serve`` in a subprocess, as an operator starts it."""

    def __init__(
        self, *, data_dir: Path, database_url: str, extra_env: dict[str, str] | None = None
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.database_url = database_url
        self.log_path = data_dir.parent / f"server-{self.port}.log"
        self.extra_env = extra_env or {}
        env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
        env.update(
            LMS_DATA_DIR=str(data_dir),
            LMS_DATABASE_URL=database_url,
            LMS_BASE_URL=self.url,
            PORT=str(self.port),
            **self.extra_env,
        )
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lms", "serve"],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start in {timeout}s: {self.log()}")

    def lms(self, *args: str, stdin: str | None = None) -> str:
        """Runs ``lms`` against this server's database; returns the last line of stdout."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
        env.update(
            LMS_DATA_DIR=str(self.data_dir),
            LMS_DATABASE_URL=self.database_url,
            LMS_BASE_URL=self.url,
            **self.extra_env,
        )
        result = subprocess.run(
            [sys.executable, "-m", "lms", *args],
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


async def form_token(client: httpx.AsyncClient, path: str = "/") -> str:
    """The CSRF token a page hands out (the client keeps the cookie it comes with)."""
    from bs4 import BeautifulSoup

    page = await client.get(path)
    field = BeautifulSoup(page.text, "html.parser").select_one("input[name=csrf_token]")
    assert field is not None, f"no CSRF token on {path} ({page.status_code})"
    return str(field["value"])


async def sign_in_as(client: httpx.AsyncClient, app: object, session: object, user: object) -> None:
    """Gives ``client`` a live session of ``user`` (what a successful login sets)."""
    from itsdangerous import Signer

    from lms.accounts import service as accounts
    from lms.web.auth import SESSION_COOKIE

    key = await accounts.start_session(session, user=user, user_agent="test", address=None)  # type: ignore[arg-type]
    signed = Signer(app.state.secret_key, salt="lms.session").sign(key).decode()  # type: ignore[attr-defined]
    client.cookies.set(SESSION_COOKIE, signed)


def merged_content(folder: Path) -> Path:
    """The shipped content with the fixture course and pathway beside it."""
    root = folder / "content"
    shutil.copytree(Path(__file__).parents[1] / "content", root)
    shutil.copytree(FIXTURE_CONTENT / "courses", root / "courses", dirs_exist_ok=True)
    shutil.copytree(FIXTURE_CONTENT / "pathways", root / "pathways", dirs_exist_ok=True)
    return root
