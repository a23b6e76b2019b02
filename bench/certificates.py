"""Certificates as PDF: one certificate, and a cohort of 2,000 on one canvas.

    .venv/bin/python bench/certificates.py [--count 2000] [--runs 15]

One certificate: ``pdf.certificate`` (a whole PDF: fonts subset and embedded, QR code),
warm, median of the runs, for a Chinese and a Uyghur name. The cohort: ``pdf.certificates``
of N certificates with varied Chinese names into a file, in a child process, so its peak
resident memory (``ru_maxrss`` of the child, which includes Python, ReportLab and the
registered fonts) is the cohort's alone. Writes the table to bench/RESULTS.md with the
machine and date.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

from lms.certificates import fonts, pdf, template
from lms.certificates.document import Bilingual, CertificateData, CourseLine
from pages import write_section  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parent.parent
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
COMPOUND = ["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "慕容", "尉迟"]
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志丹萍鹏辉玲亮红梅晨浩宇子涵欣怡梓轩佳琪雨桐一诺思远俊雅婷晓东海燕春生振德嘉懿琬琰璟珺昕玥翊瑾"  # noqa: E501
COURSES = (
    ("志愿服务基础", "Volunteering basics"),
    ("儿童权利", "Child rights"),
    ("社区重建与心理支持", "Community rebuilding and psychosocial support"),
    ("儿童保护与安全", "Child safeguarding"),
)


def name(chance: random.Random) -> str:
    surname = chance.choice(COMPOUND) if chance.random() < 0.04 else chance.choice(SURNAMES)
    return surname + "".join(chance.choice(GIVEN) for _ in range(chance.choice((1, 2, 2))))


def cohort(count: int, holder: str | None = None) -> Iterator[CertificateData]:
    chance = random.Random(7)  # noqa: S311
    shipped = template.load(ROOT / "content", "default")
    for number in range(count):
        serial = f"DEMO-2026-{number + 1:06d}-{chance.randrange(36**2):03X}"
        courses = tuple(
            CourseLine(Bilingual(zh, en), chance.choice((None, *range(60, 101))))
            for zh, en in COURSES[: chance.randint(1, len(COURSES))]
        )
        yield CertificateData(
            serial=serial,
            holder=holder or name(chance),
            pathway=Bilingual("社区志愿服务", "Community Volunteer"),
            level_code="L4",
            level=Bilingual("四级 / 中级", "Level 4 — Intermediate"),
            courses=courses,
            hours=chance.randrange(40, 400) / 2,
            issued_on=date(2026, 11, 23),
            verify_url=f"https://lms.example.org/verify/{serial}",
            template=shipped,
        )


def one(holder: str, runs: int) -> float:
    item = next(cohort(1, holder))
    pdf.certificate(item)  # warm: fonts registered, babel loaded
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        pdf.certificate(item)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def child(count: int, path: str) -> None:
    """The cohort run, in its own process: prints its figures as JSON."""
    started = time.perf_counter()
    fonts.chain()
    registered = time.perf_counter() - started
    started = time.perf_counter()
    with open(path, "wb") as out:
        pages = pdf.certificates(cohort(count), out)
    seconds = time.perf_counter() - started
    print(json.dumps({"pages": pages, "seconds": seconds, "fonts": registered}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options.count, options.child)
        return
    chinese = one("欧阳明月", options.runs)
    print(f"one certificate, Chinese name: {chinese:.1f} ms", flush=True)
    uyghur = one("ئەركىن ئابدۇللا", options.runs)
    print(f"one certificate, Uyghur name: {uyghur:.1f} ms", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "cohort.pdf")
        script = [sys.executable, __file__, "--count", str(options.count), "--child", path]
        answer = subprocess.run(script, capture_output=True, text=True, check=True)
        figures = json.loads(answer.stdout)
        size = Path(path).stat().st_size
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    pages, seconds = figures["pages"], figures["seconds"]
    print(
        f"{pages} certificates: {seconds:.1f} s, {size / 1e6:.1f} MB, "
        f"{size / pages / 1000:.2f} KB a page, {peak:.0f} MB peak",
        flush=True,
    )
    title = "## Certificates"
    write_section(
        "\n".join(
            [
                title,
                "",
                f"{datetime.now(UTC):%Y-%m-%d}, {platform.node()}, {os.cpu_count()} cores, "
                f"Python {platform.python_version()}, ReportLab, A4 landscape, the shipped "
                "default template (logo), 1–4 courses, QR code as one path "
                "(`python bench/certificates.py`). Peak memory: `ru_maxrss` of the child "
                "process that drew the cohort (Python, ReportLab and fonts included).",
                "",
                "| what | figure |",
                "| --- | --- |",
                f"| one certificate (a whole PDF), Chinese name, warm, median of {options.runs} "
                f"| {chinese:.1f} ms |",
                f"| one certificate, Uyghur name (shaped by HarfBuzz) | {uyghur:.1f} ms |",
                f"| register the fonts, once per process | {figures['fonts'] * 1000:.0f} ms |",
                f"| {pages:,} certificates on one canvas, varied Chinese names "
                f"| {seconds:.1f} s ({seconds / pages * 1000:.1f} ms a page) |",
                f"| its file | {size / 1e6:.1f} MB, {size / pages / 1000:.2f} KB a page |",
                f"| its peak memory | {peak:.0f} MB |",
                "",
            ]
        ),
        title,
    )


if __name__ == "__main__":
    main()
