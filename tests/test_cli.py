"""``lms`` as an operator uses it: one line per error, non-zero exit, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from lms import migrate
from tests.support import LiveServer, free_port, throwaway_database


def run_lms(
    *args: str, env: dict[str, str], timeout: float = 60, input_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    return subprocess.run(
        [sys.executable, "-m", "lms", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        input=input_text,
        timeout=timeout,
        check=False,
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


def test_unreachable_database_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = run_lms(
        "serve",
        "--port",
        "1",
        env={
            "LMS_DATA_DIR": str(tmp_path / "var"),
            "LMS_DATABASE_URL": "postgresql+psycopg://lms:secret-pw@127.0.0.1:1/lms",
        },
    )
    line = one_error_line(result)
    assert "cannot use the database" in line
    assert "secret-pw" not in line
    assert not (tmp_path / "var" / "secret_key").exists()  # a failed start leaves no secret


def test_data_dir_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "var").write_text("")
    line = one_error_line(run_lms("serve", env={"LMS_DATA_DIR": str(tmp_path / "var")}))
    assert "is not a directory" in line


def test_corrupt_database_file_is_one_line_and_left_alone(tmp_path: Path) -> None:
    data = tmp_path / "var"
    data.mkdir()
    garbage = b"this is not a database" * 100
    (data / "lms.db").write_bytes(garbage)
    line = one_error_line(run_lms("serve", env={"LMS_DATA_DIR": str(data)}))
    assert "file is not a database" in line
    assert (data / "lms.db").read_bytes() == garbage


def test_corrupt_secret_file_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "var"
    data.mkdir()
    (data / "secret_key").write_text("x")
    assert "corrupt" in one_error_line(run_lms("serve", env={"LMS_DATA_DIR": str(data)}))


@pytest.mark.parametrize(
    ("name", "value"),
    [("LMS_TIME_ZONE", "Nowhere/Land"), ("LMS_DATABASE_URL", "mysql://lms@db/lms")],
)
def test_bad_setting_is_one_line(tmp_path: Path, name: str, value: str) -> None:
    line = one_error_line(run_lms("serve", env={"LMS_DATA_DIR": str(tmp_path), name: value}))
    assert name in line


@pytest.mark.database
def test_db_upgrade_prints_the_revision_last(tmp_path: Path) -> None:
    with throwaway_database(tmp_path) as url:
        env = {"LMS_DATA_DIR": str(tmp_path / "var"), "LMS_DATABASE_URL": url}
        result = run_lms("db", "upgrade", env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines()[-1] == migrate.head_revision()
        check = run_lms("db", "check", env=env)
        assert check.returncode == 0, check.stderr
        assert run_lms("db", "current", env=env).stdout.strip() == migrate.head_revision()


def test_two_instances_side_by_side(tmp_path: Path, live_server: LiveServer) -> None:
    """PORT and LMS_DATA_DIR keep instances apart: each has its own data and secret."""
    with throwaway_database(tmp_path) as url:
        other = LiveServer(data_dir=tmp_path / "other", database_url=url)
        try:
            for server in (live_server, other):
                assert httpx.get(server.url + "/readyz", timeout=5).json()["status"] == "ready"
            assert other.port != live_server.port
            secrets = {(s.data_dir / "secret_key").read_text() for s in (live_server, other)}
            assert len(secrets) == 2
        finally:
            other.stop()
    assert "GET /readyz 200" in other.log()  # request log with timing
    assert "ms 127.0.0.1" in other.log()


@pytest.mark.database
def test_serve_with_two_workers_migrates_once_and_serves(tmp_path: Path) -> None:
    with throwaway_database(tmp_path) as url:
        port = free_port()
        clean = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
        env = {**clean, "LMS_DATA_DIR": str(tmp_path / "var"), "LMS_DATABASE_URL": url}
        process = subprocess.Popen(
            [sys.executable, "-m", "lms", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            status = None
            deadline = time.monotonic() + 30
            while status != "ready" and time.monotonic() < deadline:
                try:
                    status = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).json()[
                        "status"
                    ]
                except httpx.TransportError:
                    time.sleep(0.2)
        finally:
            process.terminate()
            _out, err = process.communicate(timeout=20)
        assert status == "ready"
        assert err.count("Started server process") == 2, err


def test_content_check_passes_on_what_ships_and_fails_on_a_broken_copy(tmp_path: Path) -> None:
    import shutil

    root = Path(__file__).resolve().parents[1] / "content"
    ok = run_lms("content", "check", str(root), env={"LMS_DATA_DIR": str(tmp_path / "v")})
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("no problems: 3 courses")
    broken = tmp_path / "content"
    shutil.copytree(root, broken)
    course = broken / "courses" / "child-rights" / "course.md"
    course.write_text(
        course.read_text(encoding="utf-8").replace("hours: 4", "hours: -1"), encoding="utf-8"
    )
    bad = run_lms("content", "check", str(broken), env={"LMS_DATA_DIR": str(tmp_path / "v")})
    assert bad.returncode == 1
    pathway = broken / "pathways" / "community-volunteer.yaml"
    assert bad.stdout.strip().splitlines() == [
        f"{course}:10: hours: Input should be greater than 0",
        f"{pathway}:15: level L4: there is no course child-rights",
        f"{pathway}:25: level L3: there is no course child-rights",
    ]


@pytest.mark.database
def test_content_sync_twice(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1] / "content"
    with throwaway_database(tmp_path) as url:
        env = {
            "LMS_DATA_DIR": str(tmp_path / "var"),
            "LMS_DATABASE_URL": url,
            "LMS_CONTENT_DIR": str(root),
        }
        first = run_lms("content", "sync", env=env)
        assert first.returncode == 0, first.stderr
        assert first.stdout.startswith("3 course(s) created")
        second = run_lms("content", "sync", env=env)
        assert second.stdout.startswith("0 course(s) created, 0 updated, 0 new module")
