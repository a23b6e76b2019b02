"""Quiz attempts under load: 32 volunteers start and submit attempts at once.

    .venv/bin/python bench/quiz_attempts.py [--workers 2] [--rounds 20] [--seconds 20]

`lms serve` on a throwaway SQLite data dir with the fixture course (its quiz copied
without the attempt limit). Each volunteer, over the API with a token of their own, starts
an attempt (GET …/quiz: a write), then submits it (POST …/quiz/attempts: graded, a write).
Three loads: 32 volunteers without pause, driven by wrk (`quiz_volunteer.lua`: one thread
and one connection a volunteer; wrk costs the two cores little); the same with httpx;
and a class at once (all start at the same moment, then all submit), with httpx. Counts
every answer that is not 200 (a "database is locked" would be a 500) and the latency of
each request. Then /healthz of the same server with wrk for scale. Writes the table to
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from pages import FIXTURE, free_port, write_section, wrk

QUIZ = "/api/v1/courses/service-records/modules/03-privacy/quiz"
ANSWERS = {
    "q1": "q1.b",
    "q2": ["q2.a", "q2.b"],
    "q3": "督导",
    "q4": 2.5,
    "q5": "q5.a",
    "q6": {"q6.l1": "q6.r1", "q6.l2": "q6.r2"},
}


async def prepare(env: dict[str, str], count: int) -> list[str]:
    """The volunteers, in a cohort on the fixture pathway, and a token each."""
    os.environ.update(env)
    from lms.accounts import service as accounts
    from lms.app import create_app
    from lms.cohorts import service as cohorts
    from lms.courses.check import load_content
    from lms.courses.sync import sync_content
    from lms.models.accounts import Role

    app = create_app()
    tokens = []
    async with app.state.session_factory(write=True) as session:
        await sync_content(session, load_content(Path(env["LMS_CONTENT_DIR"])))
        cohort = await cohorts.create_cohort(
            session, code="LOAD", name="压测", pathway="records-practice", actor=None
        )
        for index in range(count):
            user = await accounts.create_user(
                session,
                profile=accounts.Profile(username=f"load{index:02d}", name=f"志愿者{index}"),
                role=Role.volunteer,
                password=None,
            )
            await cohorts.add_member(
                session, cohort=cohort, user=user, role="volunteer", actor=None
            )
            tokens.append(await accounts.create_token(session, user=user, name="load"))
        await session.commit()
    await app.state.database.dispose()
    return tokens


async def volunteer(
    client: httpx.AsyncClient,
    token: str,
    until: float,
    latencies: dict[str, list[float]],
    failures: list[str],
) -> None:
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "zh-CN"}
    while time.perf_counter() < until:
        started = time.perf_counter()
        served = await client.get(QUIZ, headers=headers)
        latencies["start"].append(time.perf_counter() - started)
        if served.status_code != 200:
            failures.append(f"GET {served.status_code} {served.text[:120]}")
            continue
        body = {"attempt_id": served.json()["attempt_id"], "answers": ANSWERS}
        started = time.perf_counter()
        graded = await client.post(QUIZ + "/attempts", headers=headers, json=body)
        latencies["submit"].append(time.perf_counter() - started)
        if graded.status_code != 200:
            failures.append(f"POST {graded.status_code} {graded.text[:120]}")


async def burst(
    client: httpx.AsyncClient,
    tokens: list[str],
    rounds: int,
    latencies: dict[str, list[float]],
    failures: list[str],
) -> None:
    """A class at the same moment: every volunteer starts an attempt at once, then every
    volunteer submits at once; ``rounds`` times."""

    async def timed(kind: str, request: Any) -> httpx.Response:
        started = time.perf_counter()
        answer = await request
        latencies[kind].append(time.perf_counter() - started)
        if answer.status_code != 200:
            failures.append(f"{kind} {answer.status_code} {answer.text[:120]}")
        return answer

    for _ in range(rounds):
        heads = [{"Authorization": f"Bearer {t}", "Accept-Language": "zh-CN"} for t in tokens]
        served = await asyncio.gather(*(timed("start", client.get(QUIZ, headers=h)) for h in heads))
        await asyncio.gather(
            *(
                timed(
                    "submit",
                    client.post(
                        QUIZ + "/attempts",
                        headers=h,
                        json={"attempt_id": s.json()["attempt_id"], "answers": ANSWERS},
                    ),
                )
                for h, s in zip(heads, served, strict=True)
                if s.status_code == 200
            )
        )


def wrk_volunteers(base: str, tokens: list[str], seconds: int, folder: Path) -> dict[str, Any]:
    """32 volunteers without pause through wrk: counts, latency of every request, and the
    share of a core wrk used."""
    listed = folder / "tokens.txt"
    listed.write_text("\n".join(tokens) + "\n", encoding="utf-8")
    script = Path(__file__).with_name("quiz_volunteer.lua")
    answers = json.dumps(ANSWERS, ensure_ascii=False)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    count = len(tokens)
    out = subprocess.run(
        [
            "wrk",
            f"-t{count}",
            f"-c{count}",
            f"-d{seconds}s",
            "-s",
            str(script),
            "--timeout",
            "10s",
            base + QUIZ,
            "--",
            QUIZ,
            answers,
            str(listed),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / seconds
    found = re.search(
        r"RESULT starts=(\d+) submits=(\d+) failures=(\d+) p50=([\d.]+) p99=([\d.]+) "
        r"max=([\d.]+) first=(.*)",
        out,
    )
    if found is None:
        raise SystemExit(f"error: wrk printed no result:\n{out}")
    starts, submits, failures = (int(found.group(i)) for i in (1, 2, 3))
    p50, p99, top = (float(found.group(i)) for i in (4, 5, 6))
    return {
        "starts": starts,
        "submits": submits,
        "failures": failures,
        "first": found.group(7),
        "p50": p50,
        "p99": p99,
        "max": top,
        "cpu": used,
    }


def row(name: str, values: list[float], seconds: float) -> str:
    ms = sorted(v * 1000 for v in values)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return (
        f"| {name} | {len(ms):,} | {len(ms) / seconds:,.0f} | {statistics.median(ms):.1f} "
        f"| {p99:.1f} | {ms[-1]:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--volunteers", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--no-write", action="store_true", help="print only")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("error: wrk is not installed (apt-get install wrk)")
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="lms-quiz-bench-"))
    content = folder / "content"
    shutil.copytree(FIXTURE, content)
    for name in ("03-privacy.md", "03-privacy.en.md"):  # no limit on attempts here
        path = content / "courses" / "service-records" / name
        text = path.read_text(encoding="utf-8").replace("max attempts: 3\n", "")
        path.write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(
        LMS_DATA_DIR=str(folder / "var"),
        LMS_LOG_LEVEL="WARNING",
        LMS_CONTENT_DIR=str(content),
        LMS_BASE_URL=f"http://127.0.0.1:{port}",
    )
    subprocess.run([sys.executable, "-m", "lms", "db", "upgrade"], env=env, check=True)
    tokens = asyncio.run(prepare(env, options.volunteers))
    server = subprocess.Popen(
        [
            sys.executable,
            *("-m", "lms", "serve", "--port", str(port), "--workers", str(options.workers)),
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
        latencies: dict[str, list[float]] = {"start": [], "submit": []}
        bursts: dict[str, list[float]] = {"start": [], "submit": []}
        failures: list[str] = []

        async def load() -> float:
            limits = httpx.Limits(max_connections=options.volunteers)
            async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
                started = time.perf_counter()
                await burst(client, tokens, options.rounds, bursts, failures)
                spent = time.perf_counter() - started
                until = time.perf_counter() + options.seconds
                await asyncio.gather(
                    *(volunteer(client, t, until, latencies, failures) for t in tokens)
                )
            return spent

        driven = wrk_volunteers(base, tokens, options.seconds, folder)
        time.sleep(2)  # the requests wrk left in flight finish before the next load
        cpu_before, wall_before = time.process_time(), time.perf_counter()
        burst_seconds = asyncio.run(load())
        generator = (time.process_time() - cpu_before) / (time.perf_counter() - wall_before)
        health, _p50, _p99 = wrk(base + "/healthz", 5, {})
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(folder, ignore_errors=True)

    slow = sum(v > 2 for kind in (latencies, bursts) for values in kind.values() for v in values)
    slow += driven["max"] > 2000
    if driven["failures"]:
        failures.append(f"wrk: {driven['failures']} (first: {driven['first']})")
    requests = driven["starts"] + driven["submits"]
    table = [
        f"## Quiz attempts, {options.volunteers} volunteers, {options.workers} workers, SQLite",
        "",
        f"{datetime.now(UTC):%Y-%m-%d}, {platform.node()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; over the API, the load generator on the same "
        "machine (`python bench/quiz_attempts.py`). wrk: the "
        f"{options.volunteers} volunteers start and submit without pause for "
        f"{options.seconds} s, one wrk thread and connection each (`quiz_volunteer.lua`); "
        "latency of every request, starts and submits together. A class: all "
        f"{options.volunteers} volunteers start an attempt at the same moment (GET …/quiz), "
        f"then all submit at the same moment (POST …/quiz/attempts), {options.rounds} times. "
        f"httpx without pause: the same {options.volunteers} volunteers start and submit in a loop "
        f"without pause for {options.seconds} s (latency there is the queue: "
        "volunteers ÷ throughput).",
        "",
        "| load | request | count | per s | p50 ms | p99 ms | max ms |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| wrk, without pause | start or submit | {requests:,} | "
        f"{requests / options.seconds:,.0f} | {driven['p50']:.1f} | {driven['p99']:.1f} | "
        f"{driven['max']:.1f} |",
        row("a class at once | start an attempt", bursts["start"], burst_seconds),
        row("a class at once | submit and grade", bursts["submit"], burst_seconds),
        row("httpx, without pause | start an attempt", latencies["start"], options.seconds),
        row("httpx, without pause | submit and grade", latencies["submit"], options.seconds),
        "",
        f"Answers other than 200: {len(failures)}"
        + (f" (first: {failures[0]})" if failures else "")
        + f". Requests over 2 s: {slow}. `/healthz` of the same server with wrk afterwards: "
        f"{health:,.0f} req/s; attempts graded per second ÷ /healthz: "
        f"{driven['submits'] / options.seconds / health:.3f} (wrk), "
        f"{len(latencies['submit']) / options.seconds / health:.3f} (httpx). The load "
        f"generator itself used {driven['cpu']:.0%} of a core (wrk) and {generator:.0%} (httpx).",
    ]
    print("\n".join(table))
    if not options.no_write:
        write_section("\n".join(table) + "\n", table[0])
    if failures or slow:
        sys.exit(1)


if __name__ == "__main__":
    main()
