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
ENDPOINTS = [
    ("/healthz", "liveness: async def returning text, touches nothing"),
    ("/", "home page: Jinja layout, gettext from the context variable"),
    ("/readyz", "readiness: one query on the database"),
    ("/missing-page", "404 page in the user's language"),
]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wrk(url: str, seconds: int, headers: dict[str, str]) -> tuple[float, float]:
    args = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    latency = float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan")
    return rate, latency


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("error: wrk is not installed (apt-get install wrk)")

    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(LMS_DATA_DIR=str(folder / "var"), LMS_LOG_LEVEL="WARNING")
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
        rows = []
        ceiling = None
        for path, what in ENDPOINTS:
            results = [
                wrk(base + path, options.seconds, {"Accept-Language": "zh-CN"})
                for _ in range(options.runs)
            ]
            rate = statistics.median(r for r, _ in results)
            p99 = statistics.median(p for _, p in results)
            ceiling = ceiling or rate
            rows.append(f"| `{path}` | {what} | {rate:,.0f} | {p99:.1f} | {rate / ceiling:.2f} |")
            print(rows[-1], flush=True)
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(folder, ignore_errors=True)

    header = [
        f"## Pages, {options.workers} worker(s)",
        "",
        f"{datetime.now(UTC):%Y-%m-%d}, {platform.node()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, SQLite; `wrk -t2 -c32 -d{options.seconds}s` "
        f"on loopback, median of {options.runs} runs (`python bench/pages.py "
        f"--workers {options.workers}`).",
        "",
        "| endpoint | what it does | req/s | p99 ms | ÷ /healthz |",
        "| --- | --- | --- | --- | --- |",
    ]
    section = "\n".join(header + rows) + "\n"
    if not options.no_write:
        write_section(section, f"## Pages, {options.workers} worker(s)")


def write_section(section: str, title: str) -> None:
    """Replace this benchmark's section of bench/RESULTS.md, keep the others."""
    results = ROOT / "bench" / "RESULTS.md"
    text = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
    parts = re.split(r"(?m)^(?=## )", text)
    kept = [p for p in parts if not p.startswith(title)]
    results.write_text("".join(kept).rstrip() + "\n\n" + section, encoding="utf-8")


if __name__ == "__main__":
    main()
