"""Certificates through the real commands and a real server on the demo data: the CLI,
the print job's own process (and one killed half-way), and rate limits shared by two
server instances."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from lms.db import sync_url
from lms.models.base import utcnow
from tests.certificates.live import demo_server
from tests.support import LiveServer, require_tool, throwaway_database

pytestmark = pytest.mark.database


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    with demo_server(tmp_path_factory.mktemp("demo")) as found:
        yield found


def lms(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(
        LMS_DATA_DIR=str(server.data_dir),
        LMS_DATABASE_URL=server.database_url,
        LMS_BASE_URL=server.url,
        LC_ALL="en_US.UTF-8",  # messages in English, as the assertions read them
        **server.extra_env,
    )
    return subprocess.run(
        [sys.executable, "-m", "lms", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def pdf_text(path: Path) -> str:
    return subprocess.run(
        [require_tool("pdftotext"), str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pages(path: Path) -> int:
    info = subprocess.run(
        [require_tool("pdfinfo"), str(path)], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    assert match, info
    return int(match.group(1))


@contextmanager
def sign_in(server: LiveServer, username: str, password: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers={"Accept-Language": "en"}) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        done = client.post(
            "/login",
            data={"csrf_token": token.group(1), "username": username, "password": password},
        )
        assert done.status_code == 303, done.text[:300]
        yield client


def test_the_cli_issues_once_refuses_the_ineligible_and_prints_and_revokes(
    demo: tuple[LiveServer, dict[str, str]], tmp_path: Path
) -> None:
    server, _passwords = demo
    made = lms(server, "certificates", "issue", "demo-stage-l5", "--pathway",
               "community-volunteer", "--level", "L5")  # fmt: skip
    assert made.returncode == 0, made.stderr
    serial = made.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"VLMS-DEMO-\d{4}-5-[0-9A-Z]{10}-[0-9A-Z]", serial), made.stdout
    again = lms(server, "certificates", "issue", "demo-stage-l5", "--pathway",
                "community-volunteer", "--level", "L5")  # fmt: skip
    assert again.returncode == 0 and again.stdout.strip().splitlines()[-1] == serial

    refused = lms(server, "certificates", "issue", "demo-stage-new", "--pathway",
                  "community-volunteer", "--level", "L5")  # fmt: skip
    assert refused.returncode == 1 and refused.stdout == ""
    assert "周小雨 is not eligible for L5 yet" in refused.stderr
    assert "20 more approved hours" in refused.stderr
    prerequisite = lms(server, "certificates", "issue", "demo-stage-l5", "--pathway",
                       "community-volunteer", "--level", "L4")  # fmt: skip
    assert prerequisite.returncode == 1 and "not eligible for L4 yet" in prerequisite.stderr

    document = tmp_path / "刘佳宁.pdf"
    written = lms(server, "certificates", "pdf", serial, "-o", str(document))
    assert written.returncode == 0 and written.stdout.strip().splitlines()[-1] == str(document)
    text_of = pdf_text(document)
    assert "刘佳宁" in text_of and serial in text_of and "REVOKED" not in text_of

    wrong = serial[:-1] + ("A" if serial[-1] != "A" else "B")
    mistyped = lms(server, "certificates", "revoke", wrong, "--reason", "测试")
    assert mistyped.returncode == 1 and "check character" in mistyped.stderr
    revoked = lms(server, "certificates", "revoke", serial, "--reason", "测试撤销")
    assert revoked.returncode == 0, revoked.stderr
    answer = httpx.get(f"{server.url}/api/v1/certificates/{serial}")
    assert answer.json()["status"] == "revoked"
    assert answer.json()["revoked_reason"] == "测试撤销"
    lms(server, "certificates", "pdf", serial, "-o", str(document))
    assert "REVOKED" in pdf_text(document)


def test_the_cli_prints_the_cohort_into_one_file(
    demo: tuple[LiveServer, dict[str, str]], tmp_path: Path
) -> None:
    server, _passwords = demo
    output = tmp_path / "cohort.pdf"
    printed = lms(server, "certificates", "print", "--cohort", "DEMO-2026", "-o", str(output))
    assert printed.returncode == 0, printed.stderr
    valid = httpx.get(f"{server.url}/healthz")  # the server is up; count valid ones by text
    assert valid.status_code == 200
    body = pdf_text(output)
    assert "阿卜杜拉·热合曼" in body and "杨帆" in body
    assert "韩雪" not in body  # revoked: not printed
    assert pages(output) >= 3
    record = tmp_path / "record.pdf"
    made = lms(server, "certificates", "service-record", "demo-stage-placed", "-o", str(record))
    assert made.returncode == 0, made.stderr
    number = made.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"VLMS-SR-DEMO-\d{4}-[0-9A-Z]{8}", number), made.stdout
    assert number in pdf_text(record) and "杨帆" in pdf_text(record)
    nobody = lms(server, "certificates", "service-record", "demo-stage-new", "-o", str(record))
    assert nobody.returncode == 1 and "no approved service" in nobody.stderr
    empty = lms(server, "cohorts", "create", "EMPTY-1", "--name", "空班")
    assert empty.returncode == 0, empty.stderr
    nothing = lms(
        server, "certificates", "print", "--cohort", "EMPTY-1", "-o", str(tmp_path / "x.pdf")
    )
    assert nothing.returncode == 1 and "no certificates to print" in nothing.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_a_print_job_runs_in_its_own_process_and_survives_the_page_closing(
    demo: tuple[LiveServer, dict[str, str]],
) -> None:
    server, passwords = demo
    with sign_in(server, "demo-coordinator", passwords["demo-coordinator"]) as client:
        page = client.get("/cohorts/DEMO-2026/certificates")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        # How long this takes is measured in bench/print_start.py, not asserted here.
        started = client.post(
            "/cohorts/DEMO-2026/certificates/print",
            data={"csrf_token": token.group(1), "everything": "1"},
        )
        assert started.status_code == 303
        location = started.headers["location"]
    # The page was closed (the client is gone); the job goes on.
    with sign_in(server, "demo-coordinator", passwords["demo-coordinator"]) as client:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            page = client.get(location)
            if "Download the PDF" in page.text or "alert-error" in page.text:
                break
            time.sleep(0.3)
        assert "Download the PDF" in page.text, page.text[-800:]
        document = client.get(location + "/file.pdf")
        assert document.status_code == 200
        assert document.content.startswith(b"%PDF") and b"%%EOF" in document.content[-64:]


def test_a_job_killed_half_way_offers_no_file(
    demo: tuple[LiveServer, dict[str, str]], tmp_path: Path
) -> None:
    server, passwords = demo
    engine = create_engine(sync_url(server.database_url))
    with engine.begin() as connection:
        serial = connection.execute(
            text("SELECT serial FROM certificate WHERE revoked_at IS NULL LIMIT 1")
        ).scalar_one()
        cohort_id = connection.execute(
            text("SELECT id FROM cohort WHERE code = 'DEMO-2026'")
        ).scalar_one()
        job_id = connection.execute(
            text(
                "INSERT INTO print_job (cohort_id, serials, total, done, state, created_at) "
                "VALUES (:cohort, :serials, :total, 0, 'queued', :now) RETURNING id"
            ),
            {
                "cohort": cohort_id,
                "serials": __import__("json").dumps([serial] * 3000),
                "total": 3000,
                "now": utcnow(),
            },
        ).scalar_one()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(
        LMS_DATA_DIR=str(server.data_dir),
        LMS_DATABASE_URL=server.database_url,
        **server.extra_env,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "lms", "certificates", "run-job", str(job_id)], env=env
    )
    prints = server.data_dir / "prints"
    try:
        deadline = time.monotonic() + 60
        done = 0
        while time.monotonic() < deadline and done < 50:
            time.sleep(0.2)
            with engine.connect() as connection:
                done = connection.execute(
                    text("SELECT done FROM print_job WHERE id = :id"), {"id": job_id}
                ).scalar_one()
        assert 0 < done < 3000
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert list(prints.glob(f"job-{job_id}-*.part")), "the half-written file was there"
    with engine.begin() as connection:  # its heartbeat is now older than the limit
        connection.execute(
            text("UPDATE print_job SET heartbeat_at = :then WHERE id = :id"),
            {"then": utcnow() - timedelta(minutes=2), "id": job_id},
        )
    with sign_in(server, "demo-coordinator", passwords["demo-coordinator"]) as client:
        page = client.get(f"/print-jobs/{job_id}")
        assert "The print stopped before it finished" in page.text
        assert "Download the PDF" not in page.text
        assert client.get(f"/print-jobs/{job_id}/file.pdf").status_code == 404
    assert not list(prints.glob(f"job-{job_id}-*"))  # neither half nor whole
    engine.dispose()


def test_two_instances_share_the_verification_rate_limit(tmp_path: Path) -> None:
    with throwaway_database(tmp_path) as url:
        servers = [LiveServer(data_dir=tmp_path / name, database_url=url) for name in ("a", "b")]
        try:
            if 60 - time.time() % 60 < 10:  # both halves in one window
                time.sleep(60 - time.time() % 60 + 0.5)
            codes = []
            for attempt in range(30):
                server = servers[attempt % 2]
                answer = httpx.get(
                    f"{server.url}/api/v1/certificates/VLMS-DEMO-2026-5-0000000000-{attempt % 10}"
                )
                codes.append(answer.status_code)
            assert codes == [404] * 30  # each instance saw only 15
            for server in servers:
                refused = httpx.get(f"{server.url}/verify/VLMS-DEMO-2026-5-0000000000-0")
                assert refused.status_code == 429
                assert int(refused.headers["Retry-After"]) >= 1
        finally:
            for server in servers:
                server.stop()
