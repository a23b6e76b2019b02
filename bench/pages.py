"""Page throughput: `lms serve` on a throwaway SQLite data dir, measured with wrk.

    .venv/bin/python bench/pages.py [--workers 1] [--seconds 10] [--runs 3]

Needs Debian's `wrk` (apt-get install wrk). Writes the table to bench/RESULTS.md with the
machine and date. Compare each row with /healthz, the ceiling of this stack.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
MODULE = "/courses/service-records/02-a-good-entry"
# (path, what it does, signed in, gzip)
ENDPOINTS = [
    ("/healthz", "liveness: async def returning text, touches nothing", False, False),
    ("/", "home page: Jinja layout, gettext from the context variable", False, False),
    ("/readyz", "readiness: one query on the database", False, False),
    ("/missing-page", "404 page in the user's language", False, False),
    (
        MODULE,
        "module page, signed in, enrolled: session query + one query; texts cached",
        True,
        False,
    ),
    (MODULE, "the same, gzip-compressed as browsers ask for it", True, True),
    ("/courses", "catalogue, signed in: session query + 3 queries", True, False),
]
FIXTURE = ROOT / "tests" / "fixtures" / "content"
PASSWORD = "river-lantern-57-yak"  # noqa: S105  (a throwaway account, throwaway database)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wrk(url: str, seconds: int, headers: dict[str, str]) -> tuple[float, float, float]:
    args = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    if "missing" not in url and re.search(r"Non-2xx or 3xx responses", out):
        raise SystemExit(f"error: {url} answered errors under load:\n{out}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def percentile(label: str) -> float:
        found = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        return float(found.group(1)) * scale[found.group(2)] if found else float("nan")

    return rate, percentile("50"), percentile("99")


def lms(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    subprocess.run(
        [sys.executable, "-m", "lms", *args],
        env=env,
        input=stdin,
        text=True,
        check=True,
        capture_output=True,
    )


def reader_cookie(base: str, env: dict[str, str]) -> str:
    """A volunteer of a cohort on the fixture pathway, signed in: its Cookie header."""
    lms(env, "cohorts", "create", "BENCH", "--name", "压测", "--pathway", "records-practice")
    lms(
        env,
        "users",
        "create",
        "reader",
        "--role",
        "volunteer",
        "--cohort",
        "BENCH",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    with httpx.Client(base_url=base) as client:
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        signed_in = client.post(
            "/login", data={"csrf_token": token, "username": "reader", "password": PASSWORD}
        )
        assert signed_in.status_code == 303, signed_in.text
        module = client.get(MODULE)  # opened once: the visit is remembered, not rewritten
        assert module.status_code == 200 and "prose" in module.text, module.status_code
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--database-url", help="an empty PostgreSQL database (default: SQLite in a temp dir)"
    )
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("error: wrk is not installed (apt-get install wrk)")

    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    content = folder / "content"  # the shipped courses and the fixture course beside them
    shutil.copytree(ROOT / "content", content)
    shutil.copytree(FIXTURE / "courses", content / "courses", dirs_exist_ok=True)
    shutil.copytree(FIXTURE / "pathways", content / "pathways", dirs_exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(
        LMS_DATA_DIR=str(folder / "var"),
        LMS_LOG_LEVEL="WARNING",
        LMS_CONTENT_DIR=str(content),
        LMS_BASE_URL=f"http://127.0.0.1:{port}",
    )
    if options.database_url:
        env["LMS_DATABASE_URL"] = options.database_url
    backend = "PostgreSQL" if options.database_url else "SQLite"
    lms(env, "db", "upgrade")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lms",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(options.workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        cookie = reader_cookie(base, env)
        rows = []
        ceiling = None
        for path, what, signed_in, compressed in ENDPOINTS:
            headers = {"Accept-Language": "zh-CN"}
            if signed_in:
                headers["Cookie"] = cookie
            if compressed:
                headers["Accept-Encoding"] = "gzip"
            results = [wrk(base + path, options.seconds, headers) for _ in range(options.runs)]
            rate = statistics.median(r for r, _, _ in results)
            p50 = statistics.median(p for _, p, _ in results)
            p99 = statistics.median(p for _, _, p in results)
            ceiling = ceiling or rate
            ratio = rate / ceiling
            rows.append(
                f"| `{path}` | {what} | {rate:,.0f} | {p50:.1f} | {p99:.1f} | {ratio:.2f} |"
            )
            print(rows[-1], flush=True)
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(folder, ignore_errors=True)

    header = [
        f"## Pages, {options.workers} worker(s), {backend}",
        "",
        f"{datetime.now(UTC):%Y-%m-%d}, {platform.node()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {backend}; `wrk -t2 -c32 -d{options.seconds}s` "
        f"on loopback, median of {options.runs} runs (`python bench/pages.py "
        f"--workers {options.workers}`).",
        "",
        "| endpoint | what it does | req/s | p50 ms | p99 ms | ÷ /healthz |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    section = "\n".join(header + rows) + "\n"
    if not options.no_write:
        write_section(section, f"## Pages, {options.workers} worker(s), {backend}")


def write_section(section: str, title: str) -> None:
    """Replace this benchmark's section of bench/RESULTS.md, keep the others."""
    results = ROOT / "bench" / "RESULTS.md"
    text = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
    parts = re.split(r"(?m)^(?=## )", text)
    kept = [p for p in parts if not p.startswith(title)]
    results.write_text("".join(kept).rstrip() + "\n\n" + section, encoding="utf-8")


if __name__ == "__main__":
    main()
