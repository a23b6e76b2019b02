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
    # The CLI speaks the shell's language (LANG, LC_*): the tests read English anywhere.
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LMS_", "LC_")) and k not in ("LANG", "LANGUAGE")
    }
    return subprocess.run(
        [sys.executable, "-m", "lms", *args],
        env={**clean, "LANG": "en_US.UTF-8", **env},  # a test may pass another LANG
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
        f"{course}:10: hours: must be more than 0",
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


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_TW"}, "zh"),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "zh"),  # a server's usual locale: the site's default
        ({"LANG": "fr_FR.UTF-8"}, "zh"),
        ({}, "zh"),
        ({"LC_ALL": "", "LANG": "en"}, "en"),
    ],
)
def test_the_cli_speaks_the_shell_language_or_the_site_default(
    environ: dict[str, str], expected: str
) -> None:
    from lms.cli import shell_language

    assert shell_language(environ, "zh") == expected


def test_content_check_speaks_chinese_in_a_chinese_shell(tmp_path: Path) -> None:
    course = tmp_path / "courses" / "demo"
    course.mkdir(parents=True)
    (course / "course.md").write_text("no front matter\n", encoding="utf-8")
    env = {"LMS_DATA_DIR": str(tmp_path / "var"), "LANG": "zh_CN.UTF-8"}
    result = run_lms("content", "check", str(tmp_path), env=env)
    assert result.returncode == 1
    assert "course.md:1:" in result.stdout
    assert "文件头" in result.stdout, result.stdout


@pytest.mark.database
def test_content_export_writes_what_the_site_has(tmp_path: Path) -> None:
    import shutil

    from tests.support import FIXTURE_CONTENT

    content = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, content)
    with throwaway_database(tmp_path) as url:
        env = {
            "LMS_DATA_DIR": str(tmp_path / "var"),
            "LMS_DATABASE_URL": url,
            "LMS_CONTENT_DIR": str(content),
        }
        assert run_lms("content", "sync", env=env).returncode == 0
        target = tmp_path / "export"
        result = run_lms("content", "export", str(target), env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("exported 1 course(s), 3 module(s)")
        checked = run_lms("content", "check", str(target), env=env)
        assert checked.returncode == 0, checked.stdout
        again = run_lms("content", "export", str(target), env=env)
        assert again.returncode == 1
        assert "is not an empty folder" in again.stderr
