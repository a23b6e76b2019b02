"""``lms users`` and ``lms cohorts``: the created value last on stdout, one line per error."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import throwaway_database
from tests.test_cli import run_lms

PASSWORD = "river-lantern-57-yak"
HEADER = "username,name,role,email,phone,student_id\n"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    with throwaway_database(tmp_path) as url:
        values = {
            "LMS_DATA_DIR": str(tmp_path / "var"),
            "LMS_DATABASE_URL": url,
            "LMS_BASE_URL": "https://lms.example.org",
            "LMS_DEFAULT_LANGUAGE": "en",
            "LMS_CONTENT_DIR": str(Path(__file__).parents[2] / "content"),
        }
        assert run_lms("content", "sync", env=values).returncode == 0  # migrates too
        yield values


def last_line(result: object) -> str:
    assert result.returncode == 0, result.stderr  # type: ignore[attr-defined]
    return result.stdout.strip().splitlines()[-1]  # type: ignore[attr-defined]


def errors(result: object) -> list[str]:
    assert result.returncode == 1, result.stdout  # type: ignore[attr-defined]
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert all(line.startswith("error: ") for line in lines), lines
    return lines


@pytest.mark.database
def test_cohort_users_tokens_and_links(env: dict[str, str], tmp_path: Path) -> None:
    invite = last_line(
        run_lms(
            "cohorts",
            "create",
            "qh-2026",
            "--name",
            "青海 2026 春",
            "--pathway",
            "community-volunteer",
            env=env,
        )
    )
    assert len(invite) == 8
    assert invite.isalnum()
    created = run_lms(
        "users",
        "create",
        "Wang",
        "--role",
        "coordinator",
        "--name",
        "王老师",
        "--cohort",
        "QH-2026",
        "--password-stdin",
        env=env,
        input_text=PASSWORD + "\n",
    )
    assert last_line(created) == "wang"
    no_password = run_lms("users", "create", "tashi", "--role", "trainer", env=env)
    assert last_line(no_password) == "tashi"
    assert "https://lms.example.org/password/" in no_password.stdout
    token = last_line(run_lms("users", "token", "wang", "--name", "CI", env=env))
    assert token.startswith("lms_")
    assert "revoked" in last_line(run_lms("users", "revoke-token", "wang", token[:10], env=env))
    link = last_line(run_lms("users", "reset-password", "wang", env=env))
    assert link.startswith("https://lms.example.org/password/")

    roster = tmp_path / "名单.csv"
    roster.write_bytes(
        (
            "\ufeff" + HEADER + "aygul,ئايگۈل مەمەت,volunteer,,,2024001\n"
            "dolma,བཀྲ་ཤིས་སྒྲོལ་མ,volunteer,,,\n"
        ).encode()
    )
    links = tmp_path / "links.csv"
    imported = run_lms("cohorts", "import", "QH-2026", str(roster), "--links", str(links), env=env)
    assert last_line(imported) == "2"
    rows = list(csv.reader(links.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["username", "name", "link"]
    assert rows[1][:2] == ["aygul", "ئايگۈل مەمەت"]
    assert links.read_bytes().startswith("\ufeff".encode())


@pytest.mark.database
def test_cli_refusals_change_nothing(env: dict[str, str], tmp_path: Path) -> None:
    run_lms("cohorts", "create", "QH-1", "--name", "x", env=env)
    assert errors(run_lms("cohorts", "create", "QH-1", "--name", "again", env=env))
    assert errors(
        run_lms("cohorts", "create", "QH-2", "--name", "x", "--pathway", "nursing", env=env)
    ) == ["error: pathway: There is no pathway nursing."]
    weak = errors(
        run_lms(
            "users",
            "create",
            "weak",
            "--role",
            "volunteer",
            "--password-stdin",
            env=env,
            input_text="123\n",
        )
    )
    assert weak[0].startswith("error: password:")
    assert errors(run_lms("users", "token", "weak", env=env))  # it was not created
    assert errors(
        run_lms("users", "create", "someone", "--role", "volunteer", "--cohort", "NOPE", env=env)
    )
    roster = tmp_path / "bad.csv"
    roster.write_text(
        HEADER + "fine,甲,volunteer,,,\nfine,乙,volunteer,,,\nboss,丙,admin,,,\n", encoding="utf-8"
    )
    problems = errors(run_lms("cohorts", "import", "QH-1", str(roster), env=env))
    assert problems == [
        "error: line 3, username: fine is already on line 2.",
        "error: line 4, role: Use volunteer or trainer.",
    ]
    assert errors(run_lms("users", "reset-password", "fine", env=env))  # nothing imported
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes((HEADER + "li,李,volunteer,,,\n").encode("gb18030"))
    (line,) = errors(run_lms("cohorts", "import", "QH-1", str(gbk), env=env))
    assert "not UTF-8" in line


@pytest.mark.database
def test_demo_prints_fresh_passwords_that_work(env: dict[str, str]) -> None:
    import asyncio
    import re

    from lms.accounts import service as accounts
    from lms.config import Settings
    from lms.db import Database, create_engine_for

    def passwords() -> dict[str, str]:
        result = run_lms("demo", env=env)
        assert result.returncode == 0, result.stderr
        rows = re.findall(r"(demo-\w+)\s+│\s+(\S+)\s+│", result.stdout)
        assert len(rows) == 4, result.stdout
        return dict(rows)

    first, second = passwords(), passwords()
    assert set(first) == {"demo-volunteer", "demo-trainer", "demo-coordinator", "demo-admin"}
    assert all(first[name] != second[name] for name in first)

    async def sign_in() -> str:
        settings = Settings(
            _env_file=None,
            data_dir=env["LMS_DATA_DIR"],  # type: ignore[call-arg]
            database_url=env["LMS_DATABASE_URL"],
        )
        database = Database(create_engine_for(settings))
        try:
            async with database.session(write=True) as session:
                user = await accounts.authenticate(
                    session,
                    username="demo-coordinator",
                    password=second["demo-coordinator"],
                    address="127.0.0.1",
                )
                return user.role
        finally:
            await database.dispose()

    assert asyncio.run(sign_in()) == "coordinator"
