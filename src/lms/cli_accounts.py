"""``lms users`` and ``lms cohorts``: accounts and cohorts from a shell."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from lms.accounts import service as accounts
from lms.cohorts import service as cohorts
from lms.cohorts.roster import decode, parse_roster
from lms.db import Database, create_engine_for
from lms.errors import FormErrors, LMSError
from lms.models.accounts import Role

users_app = typer.Typer(help="Accounts: create, tokens, password links.", no_args_is_help=True)
cohorts_app = typer.Typer(help="Cohorts: create, import rosters.", no_args_is_help=True)

T = TypeVar("T")
# The role an account takes in a cohort it is created into (an admin helps run it).
MEMBER_ROLE = {
    Role.volunteer: "volunteer",
    Role.trainer: "trainer",
    Role.coordinator: "coordinator",
    Role.admin: "coordinator",
}
stderr = Console(stderr=True, highlight=False)


def in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Runs ``work`` in one transaction, committed when it returns; a refusal is printed
    one line per problem on stderr and exits 1, with nothing written."""
    from lms.cli import fail, load_settings

    settings = load_settings()

    async def run() -> T:
        database = Database(create_engine_for(settings))
        try:
            async with database.session(write=True) as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await database.dispose()

    try:
        return asyncio.run(run())
    except FormErrors as refused:
        for field, message in refused.errors.items():
            typer.echo(f"error: {field}: {message}", err=True)
        raise typer.Exit(1) from None
    except cohorts.RosterRefused as refused:
        for problem in refused.roster.problems:
            where = f"line {problem.line}" + (f", {problem.column}" if problem.column else "")
            typer.echo(f"error: {where}: {problem.message}", err=True)
        raise typer.Exit(1) from None
    except LMSError as refused:
        fail(refused.message)


def base_url() -> str:
    from lms.cli import load_settings

    return load_settings().base_url


# -- users ---------------------------------------------------------------------------------


@users_app.command("create")
def create_user(
    username: str,
    role: Annotated[Role, typer.Option(help="volunteer, trainer, coordinator or admin")],
    name: Annotated[str | None, typer.Option(help="Display name; the username if omitted.")] = None,
    cohort: Annotated[str | None, typer.Option(help="Cohort code to join or to work with.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create an account; prints its username. Without --password-stdin, prints a link to
    set the password first."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    if password_stdin and not password:
        from lms.cli import fail

        fail("no password on standard input")

    async def work(session: AsyncSession) -> tuple[str, str | None]:
        group = None
        if cohort is not None:
            group = await cohorts.find_cohort(session, cohort)
            if group is None:
                raise LMSError(f"there is no cohort {cohort}")
        user = await accounts.create_user(
            session,
            profile=accounts.Profile(username=username, name=name or username),
            role=role,
            password=password,
        )
        if group is not None:
            await cohorts.add_member(
                session, cohort=group, user=user, role=MEMBER_ROLE[role], actor=None
            )
        link = None
        if password is None:
            key = await accounts.create_password_link(session, user=user, purpose="set", actor=None)
            link = f"{base_url()}/password/{key}"
        return user.username, link

    created, link = in_session(work)
    if link:
        typer.echo(f"set-password link (valid 14 days): {link}")
    typer.echo(created)


@users_app.command("token")
def create_token(
    username: str, name: Annotated[str, typer.Option(help="What the token is for.")] = "CLI"
) -> None:
    """Create a personal API token; prints it (it is stored hashed and never shown again)."""

    async def work(session: AsyncSession) -> str:
        user = await accounts.get_user(session, username)
        return await accounts.create_token(session, user=user, name=name)

    typer.echo(in_session(work))


@users_app.command("revoke-token")
def revoke_token(
    username: str,
    prefix: Annotated[str, typer.Argument(help="The token, or its first 10 characters.")],
) -> None:
    """Revoke a personal API token."""

    async def work(session: AsyncSession) -> str:
        user = await accounts.get_user(session, username)
        token = await accounts.revoke_token(session, user=user, prefix=prefix)
        return token.prefix

    typer.echo(f"revoked {in_session(work)}")


@users_app.command("reset-password")
def reset_password(username: str) -> None:
    """Print a one-time link (valid one day) to choose a new password."""

    async def work(session: AsyncSession) -> str:
        user = await accounts.get_user(session, username)
        key = await accounts.create_password_link(session, user=user, purpose="reset", actor=None)
        return f"{base_url()}/password/{key}"

    typer.echo(in_session(work))


# -- cohorts -------------------------------------------------------------------------------


@cohorts_app.command("create")
def create_cohort(
    code: str,
    name: Annotated[str, typer.Option(help="The cohort's name, e.g. the university and term.")],
    pathway: Annotated[str | None, typer.Option(help="The pathway slug it follows.")] = None,
) -> None:
    """Create a cohort; prints its invite code."""

    async def work(session: AsyncSession) -> str:
        cohort = await cohorts.create_cohort(
            session, code=code, name=name, pathway=pathway, actor=None
        )
        return cohort.invite_code

    typer.echo(in_session(work))


@cohorts_app.command("import")
def import_roster(
    code: str,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    links: Annotated[
        Path | None, typer.Option(help="Write the set-password links here (CSV).")
    ] = None,
) -> None:
    """Import a roster CSV (username,name,role,email,phone,student_id): all rows or none.
    Prints how many people were created."""
    from lms.cli import fail
    from lms.cohorts.roster import write_links

    try:
        roster = parse_roster(decode(file.read_bytes()))
    except ValueError as refused:
        fail(str(refused))

    async def work(session: AsyncSession) -> tuple[int, list[tuple[accounts.User, str]]]:
        cohort = await cohorts.find_cohort(session, code)
        if cohort is None:
            raise LMSError(f"there is no cohort {code}")
        created = await cohorts.import_roster(session, cohort=cohort, roster=roster, actor=None)
        handed = []
        if links is not None:
            handed = await cohorts.password_links(
                session, cohort=cohort, base_url=base_url(), actor=None, only=created
            )
        return len(created), handed

    count, handed = in_session(work)
    if links is not None:
        with links.open("w", encoding="utf-8-sig", newline="") as stream:
            write_links(stream, handed)
        typer.echo(f"wrote {len(handed)} set-password links to {links}")
    typer.echo(count)


@cohorts_app.command("add-member")
def add_member(
    code: str,
    username: str,
    role: Annotated[str, typer.Option(help="volunteer, trainer or coordinator")] = "trainer",
) -> None:
    """Put an existing account in a cohort; prints the username."""

    async def work(session: AsyncSession) -> str:
        cohort = await cohorts.find_cohort(session, code)
        if cohort is None:
            raise LMSError(f"there is no cohort {code}")
        user = await cohorts.add_existing_member(
            session, cohort=cohort, username=username, role=role, actor=None
        )
        return user.username

    typer.echo(in_session(work))
