"""How long a coordinator waits when starting a cohort's print, and how long the print
takes: ``lms demo`` on a throwaway SQLite database, ``lms serve`` on a free port, the
demo coordinator signed in; each run presses "Print all valid certificates" (a POST that
records the job and starts its process after the response) and then polls the job page
until the file is ready, as the page's progress bar does.

    python bench/print_start.py [--runs 5]

Writes the table to bench/RESULTS.md with the machine and date.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from pages import write_section  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        shutil.copytree(ROOT / "content", Path(folder) / "content")
        env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
        env.update(
            LMS_DATA_DIR=f"{folder}/var",
            LMS_CONTENT_DIR=f"{folder}/content",
            LMS_BASE_URL=url,
            COLUMNS="200",
        )
        made = subprocess.run(
            [sys.executable, "-m", "lms", "demo"], env=env, capture_output=True, text=True
        )
        password = re.search(r"│ demo-coordinator\s+│ (\S+)", made.stdout)
        assert password, made.stdout + made.stderr
        server = subprocess.Popen(
            [sys.executable, "-m", "lms", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            starts, totals = run(url, password.group(1), options.runs)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"start: median {statistics.median(starts):.0f} ms, max {max(starts):.0f} ms")
    print(f"to the finished file: median {statistics.median(totals):.2f} s")
    title = "## Starting a cohort print"
    write_section(
        "\n".join(
            [
                title,
                "",
                f"{datetime.now(UTC):%Y-%m-%d}, {platform.node()}, {os.cpu_count()} cores, "
                f"Python {platform.python_version()}, SQLite, one `lms serve` worker; the demo "
                f"cohort's valid certificates, {options.runs} runs one after another "
                "(`python bench/print_start.py`).",
                "",
                "| what | median | max |",
                "| --- | --- | --- |",
                f"| POST print → redirect to the job page | {statistics.median(starts):.0f} ms "
                f"| {max(starts):.0f} ms |",
                f"| POST print → the job page offers the file (polled every 0.1 s) "
                f"| {statistics.median(totals):.2f} s | {max(totals):.2f} s |",
                "",
            ]
        ),
        title,
    )


def run(url: str, password: str, runs: int) -> tuple[list[float], list[float]]:
    for _ in range(100):
        try:
            if httpx.get(url + "/healthz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    starts, totals = [], []
    with httpx.Client(base_url=url, headers={"Accept-Language": "en"}) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token
        client.post(
            "/login",
            data={"csrf_token": token[1], "username": "demo-coordinator", "password": password},
        )
        for _ in range(runs):
            page = client.get("/cohorts/DEMO-2026/certificates")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token
            began = time.perf_counter()
            started = client.post(
                "/cohorts/DEMO-2026/certificates/print",
                data={"csrf_token": token[1], "everything": "1"},
            )
            starts.append((time.perf_counter() - began) * 1000)
            assert started.status_code == 303, started.status_code
            location = started.headers["location"]
            while "Download the PDF" not in client.get(location).text:
                time.sleep(0.1)
            totals.append(time.perf_counter() - began)
    return starts, totals


if __name__ == "__main__":
    main()
