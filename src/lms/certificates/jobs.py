"""Printing a cohort's certificates as one PDF, in a process of its own.

The web request creates a ``print_job`` row and starts ``lms certificates run-job N``
after its commit, so it answers at once. The process claims the row, renders into a
``.part`` file, writes its progress and a heartbeat to the row about twice a second, and
renames the file into place when the last page is done. Any worker shows the progress
from the row; closing the page changes nothing. A process that died (killed, machine
restarted) stops beating: after ``STALE`` the job reads as failed, its partial file is
removed, and nothing is offered for download.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.certificates import pdf
from lms.certificates import serials as serial_rules
from lms.certificates import service as certificates
from lms.certificates import template as templates
from lms.certificates.document import CertificateData, Template
from lms.config import Settings
from lms.errors import Conflict, Invalid, LMSError, NotFound
from lms.i18n import gettext as _
from lms.models.accounts import User
from lms.models.base import utcnow
from lms.models.certificates import Certificate, PrintJob
from lms.models.cohorts import Cohort

STALE = timedelta(seconds=30)
MAX_CHOSEN = 20_000
BEAT = 0.5  # seconds between progress writes
FOLDER = "prints"
log = logging.getLogger(__name__)


def folder(settings: Settings) -> Path:
    return settings.data_dir / FOLDER


async def start(
    session: AsyncSession,
    *,
    actor: User | None,
    cohort: Cohort,
    serials: list[str] | None = None,
) -> PrintJob:
    """A queued job for the cohort's valid certificates, or the chosen ones among them.
    While the cohort has a job queued or running, that job is returned instead: a
    double click or a reload does not start a second process."""
    active = (
        await session.scalars(
            select(PrintJob).where(
                col(PrintJob.cohort_id) == cohort.id,
                col(PrintJob.state).in_(("queued", "running")),
            )
        )
    ).first()
    if active is not None:
        return active
    if serials is not None and (
        len(serials) > MAX_CHOSEN or any(len(s) > serial_rules.MAX_LENGTH for s in serials)
    ):
        raise Invalid(
            _("Choose at most %(max)d certificates, by their serials.") % {"max": MAX_CHOSEN},
            field="serials",
        )
    valid = [c for c, _user in await certificates.of_cohort(session, cohort=cohort)]
    valid = [c for c in valid if c.revoked_at is None]
    valid.sort(key=lambda c: (c.level, c.holder, c.serial))
    if serials is not None:
        chosen = set(serials)
        unknown = chosen - {c.serial for c in valid}
        if unknown:
            raise Invalid(
                _("These are not valid certificates of this cohort: %(serials)s")
                % {"serials": ", ".join(sorted(unknown)[:5])},
                field="serials",
            )
        valid = [c for c in valid if c.serial in chosen]
    if not valid:
        raise Invalid(
            _("There are no certificates to print: issue them first, or choose some."),
            field="serials",
        )
    job = PrintJob(
        cohort_id=cohort.id,
        requested_by_id=actor.id if actor else None,
        serials=[c.serial for c in valid],
        total=len(valid),
    )
    session.add(job)
    await session.flush()
    return job


def launch(job_id: int, settings: Settings) -> None:
    """Starts the job's own process (after the request committed the row). It is a new
    session: it outlives the request, and a server restart does not kill it."""
    env = dict(os.environ)
    env.update(
        LMS_DATA_DIR=str(settings.data_dir),
        LMS_DATABASE_URL=settings.sqlalchemy_url,
        LMS_BASE_URL=settings.base_url,
        LMS_CONTENT_DIR=str(settings.content_dir),
        LMS_TIME_ZONE=settings.time_zone,
    )
    logs = folder(settings)
    logs.mkdir(parents=True, exist_ok=True)
    with (logs / f"job-{job_id}.log").open("ab") as log:
        subprocess.Popen(  # noqa: S603 - our own interpreter and module, an integer argument
            [sys.executable, "-m", "lms", "certificates", "run-job", str(job_id)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


async def reap(
    session_factory: Callable[..., AbstractAsyncContextManager[AsyncSession]],
    settings: Settings,
    *,
    cohort_id: int,
    now: datetime | None = None,
) -> dict[int, str]:
    """Marks the cohort's jobs whose process died as failed, in a short write
    transaction of its own (a page that only reads must not write in its own), and
    removes what they left half-written. Returns their ids and errors: the caller's own
    transaction may still see them as they were (``shown``)."""
    now = now or utcnow()
    beat = func.coalesce(col(PrintJob.heartbeat_at), col(PrintJob.created_at))
    async with session_factory(write=True) as session:
        dead = list(
            await session.scalars(
                select(PrintJob).where(
                    col(PrintJob.cohort_id) == cohort_id,
                    col(PrintJob.state).in_(("queued", "running")),
                    beat < now - STALE,
                )
            )
        )
        reaped = {}
        for job in dead:
            message = (
                _("The print stopped before it finished: its process ended. Start it again.")
                if job.state == "running"
                else _("The print did not start. Start it again.")
            )
            await session.execute(
                update(PrintJob)
                .where(col(PrintJob.id) == job.id, col(PrintJob.state) == job.state)
                .values(state="failed", error=message, finished_at=now)
            )
            reaped[job.id or 0] = message
        await session.commit()
    for job_id in reaped:
        for part in folder(settings).glob(f"job-{job_id}-*.part"):
            part.unlink(missing_ok=True)
    return reaped


def shown(session: AsyncSession, found: list[PrintJob], reaped: dict[int, str]) -> None:
    """Shows reaped jobs as failed without writing through the reading session."""
    for job in found:
        if (job.id or 0) in reaped:
            session.expunge(job)
            job.state, job.error = "failed", reaped[job.id or 0]


def file_of(settings: Settings, job: PrintJob) -> Path | None:
    """The finished file, or None while there is none to offer."""
    if job.state != "done" or not job.file_name:
        return None
    path = folder(settings) / job.file_name
    return path if path.is_file() else None


async def recent(session: AsyncSession, *, cohort: Cohort, limit: int = 5) -> list[PrintJob]:
    """The cohort's latest jobs (``reap`` first, and a dead one reads as failed)."""
    rows = await session.scalars(
        select(PrintJob)
        .where(col(PrintJob.cohort_id) == cohort.id)
        .order_by(col(PrintJob.id).desc())
        .limit(limit)
    )
    return list(rows)


# ---------------------------------------------------------------- the job's own process


async def run(
    session_factory: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    settings: Settings,
    job_id: int,
    *,
    on_page: Callable[[int, int], None] | None = None,
) -> PrintJob:
    """Claims the queued job and renders it; returns the finished row. ``on_page(done,
    total)`` is for a terminal's progress bar. Whatever stops it after the claim (a
    template whose image went missing, a full disk) is written to the row as its error,
    and no file is left behind."""
    async with session_factory() as session:
        now = utcnow()
        claimed = await session.execute(
            update(PrintJob)
            .where(col(PrintJob.id) == job_id, col(PrintJob.state) == "queued")
            .values(state="running", pid=os.getpid(), started_at=now, heartbeat_at=now)
        )
        await session.commit()
        if not claimed.rowcount:  # type: ignore[attr-defined]
            raise NotFound(_("There is no queued print job %(id)d.") % {"id": job_id})
    target = folder(settings)
    name = f"job-{job_id}-{secrets.token_hex(8)}.pdf"
    part = target / f"{name}.part"
    try:
        items = await _documents(session_factory, settings, job_id)
        target.mkdir(parents=True, exist_ok=True)
        await _render(session_factory, job_id, items, part, on_page)
        os.replace(part, target / name)
        async with session_factory() as session:
            finished = await session.execute(
                update(PrintJob)
                .where(col(PrintJob.id) == job_id, col(PrintJob.state) == "running")
                .values(
                    state="done",
                    done=len(items),
                    file_name=name,
                    size=(target / name).stat().st_size,
                    heartbeat_at=utcnow(),
                    finished_at=utcnow(),
                )
            )
            await session.commit()
        if not finished.rowcount:  # type: ignore[attr-defined]
            (target / name).unlink(missing_ok=True)
            raise Conflict(_("The print was marked as stopped before it finished."))
    except Exception as exc:
        part.unlink(missing_ok=True)
        message = exc.message if isinstance(exc, LMSError) else str(exc) or type(exc).__name__
        async with session_factory() as session:
            await session.execute(
                update(PrintJob)
                .where(col(PrintJob.id) == job_id, col(PrintJob.state) == "running")
                .values(state="failed", error=message[:500], finished_at=utcnow())
            )
            await session.commit()
        raise
    async with session_factory() as session:
        job = await session.get(PrintJob, job_id)
        assert job is not None
        return job


async def _documents(
    session_factory: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    settings: Settings,
    job_id: int,
) -> list[CertificateData]:
    async with session_factory() as session:
        job = await session.get(PrintJob, job_id)
        assert job is not None
        rows = await session.scalars(
            select(Certificate).where(col(Certificate.serial).in_(job.serials))
        )
        by_serial = {c.serial: c for c in rows}
        loaded: dict[str, Template] = {}
        items = []
        for serial in job.serials:
            cert = by_serial[serial]
            if cert.template not in loaded:
                loaded[cert.template] = templates.for_reprint(settings.content_dir, cert.template)
            items.append(
                certificates.document(
                    cert,
                    template=loaded[cert.template],
                    base_url=settings.base_url,
                    time_zone=settings.time_zone,
                )
            )
        return items


async def _render(
    session_factory: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    job_id: int,
    items: list[CertificateData],
    part: Path,
    on_page: Callable[[int, int], None] | None,
) -> None:
    """Draws in a thread while this task writes the progress and a heartbeat."""
    progress = {"done": 0}
    finished = threading.Event()

    def page(done: int) -> None:
        progress["done"] = done
        if on_page is not None:
            on_page(done, len(items))

    def render() -> None:
        try:
            with part.open("wb") as out:
                pdf.certificates(items, out, progress=page)
        finally:
            finished.set()

    async def beat() -> None:
        while not finished.is_set():
            await asyncio.sleep(BEAT)
            try:
                async with session_factory() as session:
                    await session.execute(
                        update(PrintJob)
                        .where(col(PrintJob.id) == job_id, col(PrintJob.state) == "running")
                        .values(done=progress["done"], heartbeat_at=utcnow())
                    )
                    await session.commit()
            except Exception:  # a busy database or a dropped connection: beat again soon
                log.warning("print job %d: the heartbeat was not written", job_id, exc_info=True)

    beating = asyncio.create_task(beat())
    try:
        await asyncio.to_thread(render)
    finally:
        await beating
