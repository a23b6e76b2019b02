"""``lms certificates``: issue, print, revoke and record from a shell.

A refusal is one line on stderr and exit 1, with nothing written; a command that makes
something prints what it made alone on its last line (a serial, a service record's
number, a file's path).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.db import Database, create_engine_for
from lms.errors import LMSError, NotFound
from lms.models.accounts import User

if TYPE_CHECKING:
    from lms.certificates.service import Issued

# ReportLab and the certificate modules are imported by the commands that use them:
# every other `lms` command starts without them.

certificates_app = typer.Typer(
    help="Certificates: issue, PDF, revoke, cohort print, service records.",
    no_args_is_help=True,
)


async def volunteer_named(session: AsyncSession, username: str) -> User:
    user = (
        await session.scalars(select(User).where(col(User.username) == username.strip().lower()))
    ).first()
    if user is None:
        raise NotFound(f"there is no user {username}")
    return user


def write_atomically(path: Path, data: bytes) -> None:
    part = path.with_name(path.name + ".part")
    part.write_bytes(data)
    os.replace(part, path)


@certificates_app.command("issue")
def issue(
    username: str,
    pathway: Annotated[str, typer.Option(help="The pathway's slug.")],
    level: Annotated[str, typer.Option(help="The level's code, e.g. L5.")],
    template: Annotated[str, typer.Option(help="content/certificates/<name>.yaml")] = "default",
) -> None:
    """Issue a level's certificate; an existing valid one is returned as it is."""
    from lms.certificates import service as certificates
    from lms.cli import load_settings
    from lms.cli_accounts import in_session

    settings = load_settings()

    async def work(session: AsyncSession) -> Issued:
        volunteer = await volunteer_named(session, username)
        return await certificates.issue(
            session,
            actor=None,
            volunteer=volunteer,
            pathway=pathway,
            level=level,
            content_dir=settings.content_dir,
            template=template,
            time_zone=settings.time_zone,
        )

    issued = in_session(work)
    cert = issued.certificate
    if not issued.created:
        typer.echo(f"{cert.holder} already holds {cert.pathway} {cert.level}, issued before:")
    else:
        typer.echo(f"issued {cert.pathway} {cert.level} to {cert.holder}")
    typer.echo(cert.serial)


@certificates_app.command("pdf")
def certificate_pdf(
    serial: str,
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the PDF.")],
) -> None:
    """Write one certificate's PDF (a revoked one carries the REVOKED mark)."""
    from lms.certificates import pdf
    from lms.certificates import service as certificates
    from lms.certificates import template as templates
    from lms.cli import load_settings
    from lms.cli_accounts import in_session

    settings = load_settings()

    async def work(session: AsyncSession) -> bytes:
        cert = await certificates.find(session, serial)
        item = certificates.document(
            cert,
            template=templates.for_reprint(settings.content_dir, cert.template),
            base_url=settings.base_url,
            time_zone=settings.time_zone,
        )
        return await asyncio.to_thread(pdf.certificate, item)

    write_atomically(output, in_session(work))
    typer.echo(str(output))


@certificates_app.command("revoke")
def revoke(
    serial: str,
    reason: Annotated[str, typer.Option(help="Why: shown on the verification page.")],
) -> None:
    """Revoke a certificate (kept, marked revoked, in the audit log)."""
    from lms.certificates import service as certificates
    from lms.cli_accounts import in_session

    async def work(session: AsyncSession) -> str:
        cert = await certificates.find(session, serial)
        await certificates.revoke(session, actor=None, certificate=cert, reason=reason)
        return cert.serial

    typer.echo(f"revoked {in_session(work)}")


@certificates_app.command("print")
def print_cohort(
    cohort: Annotated[str, typer.Option(help="The cohort's code.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the PDF.")],
    serial: Annotated[
        list[str] | None, typer.Option(help="Only these certificates (repeatable).")
    ] = None,
) -> None:
    """Print a cohort's valid certificates (or the chosen ones) as one PDF."""
    from lms.certificates import jobs
    from lms.cli import fail, load_settings
    from lms.cli_accounts import in_session
    from lms.cohorts import service as cohorts

    settings = load_settings()

    async def queue(session: AsyncSession) -> int:
        found = await cohorts.find_cohort(session, cohort)
        if found is None:
            raise NotFound(f"there is no cohort {cohort}")
        job = await jobs.start(session, actor=None, cohort=found, serials=serial)
        return job.id or 0

    job_id = in_session(queue)

    async def render(bar: Progress) -> Path:
        database = Database(create_engine_for(settings))
        task = bar.add_task("certificates", total=None)
        try:
            job = await jobs.run(
                lambda: database.session(write=True),
                settings,
                job_id,
                on_page=lambda done, total: bar.update(task, completed=done, total=total),
            )
        finally:
            await database.dispose()
        found = jobs.file_of(settings, job)
        assert found is not None
        return found

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), transient=True) as bar:
        try:
            made = asyncio.run(render(bar))
        except LMSError as refused:
            fail(refused.message)
    # A copy: the job's own file stays downloadable from the cohort's page, and the
    # output may be on another file system than the data dir.
    part = output.with_name(output.name + ".part")
    shutil.copyfile(made, part)
    os.replace(part, output)
    typer.echo(str(output))


@certificates_app.command("run-job", hidden=True)
def run_job(job_id: int) -> None:
    """The process a web request starts for a print job."""
    from lms.certificates import jobs
    from lms.cli import load_settings

    settings = load_settings()

    async def work() -> None:
        database = Database(create_engine_for(settings))
        try:
            await jobs.run(lambda: database.session(write=True), settings, job_id)
        finally:
            await database.dispose()

    asyncio.run(work())


@certificates_app.command("service-record")
def service_record(
    username: str,
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the PDF.")],
) -> None:
    """Number and print a volunteer's record of approved service (志愿服务记录证明)."""
    from lms.certificates import pdf, records
    from lms.cli import load_settings
    from lms.cli_accounts import in_session

    settings = load_settings()

    async def work(session: AsyncSession) -> tuple[str, bytes]:
        volunteer = await volunteer_named(session, username)
        record = await records.create(
            session,
            actor=None,
            volunteer=volunteer,
            content_dir=settings.content_dir,
            time_zone=settings.time_zone,
        )
        data = records.document(
            record, content_dir=settings.content_dir, time_zone=settings.time_zone
        )
        return record.number, await asyncio.to_thread(pdf.service_record, data)

    number, document = in_session(work)
    write_atomically(output, document)
    typer.echo(f"wrote {output}")
    typer.echo(number)
