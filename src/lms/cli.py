"""``lms``: everything an operator does from a shell.

Conventions (DESIGN.md): one line per error on stderr and a non-zero exit; a created
value is the last line of stdout, alone.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from lms.cli_accounts import cohorts_app, users_app
from lms.cli_certificates import certificates_app
from lms.cli_quiz import quiz_app
from lms.config import Language, Settings
from lms.i18n import current_language
from lms.migrate import ForeignKeyViolation
from lms.startup import StartupError, describe_database_error, ensure_secret, prepare_data_dir

app = typer.Typer(
    help="Volunteer training and certification LMS.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema (Alembic).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(cohorts_app, name="cohorts")
content_app = typer.Typer(help="Courses and pathways (Markdown and YAML).", no_args_is_help=True)
app.add_typer(content_app, name="content")
app.add_typer(quiz_app, name="quiz")
app.add_typer(certificates_app, name="certificates")

F = TypeVar("F", bound=Callable[..., Any])


@app.callback()
def main() -> None:
    """Volunteer training and certification LMS."""
    # Every command speaks the shell's language when it names one of ours, as other
    # command-line tools do, else the site's default language (LMS_DEFAULT_LANGUAGE), from
    # its first message on (content problems included).
    settings = load_settings()
    current_language.set(shell_language(os.environ, settings.default_language))


def shell_language(environ: Mapping[str, str], default: Language) -> Language:
    """The language of the first of LC_ALL, LC_MESSAGES and LANG that is set: Chinese for
    zh_CN.UTF-8, zh_TW or zh, English for en_US.UTF-8 or en; ``default`` for C, POSIX,
    another language, or nothing set (a server's usual C.UTF-8)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := environ.get(name):
            lowered = value.lower()
            if lowered.startswith("zh"):
                return "zh"
            if lowered.startswith("en"):
                return "en"
            return default
    return default


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def load_settings() -> Settings:
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = "LMS_" + str(first["loc"][0]).upper() if first["loc"] else "settings"
        fail(f"{field}: {first['msg']}")
    return settings


def operator_errors(func: F) -> F:
    """Turns the failures an operator can fix into one line on stderr and exit 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except StartupError as exc:
            fail(str(exc))
        except SQLAlchemyError as exc:
            fail(describe_database_error(exc))
        except ForeignKeyViolation as exc:
            fail(str(exc))

    return wrapper  # type: ignore[return-value]


def prepare(settings: Settings) -> None:
    """Data dir, schema and secret, once, before any worker starts. The database comes
    before the secret: a server that cannot start leaves no new secret behind."""
    from lms import migrate

    prepare_data_dir(settings)
    migrate.upgrade(settings.sqlalchemy_url)
    ensure_secret(settings)
    if settings.content_dir.is_dir():
        report = sync(settings, settings.content_dir)
        typer.echo(f"content: {report.summary()}", err=True)


def log_config(level: str) -> dict[str, Any]:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "lms": {"handlers": ["stderr"], "level": level, "propagate": False},
        },
    }


@app.command()
@operator_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Migrate the database, then serve the site."""
    import uvicorn

    settings = load_settings()
    prepare(settings)
    typer.echo(f"Serving on http://{host}:{port} (data in {settings.data_dir.resolve()})", err=True)
    uvicorn.run(
        "lms.app:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,  # the app applies LMS_TRUSTED_PROXIES itself
        access_log=False,  # the app logs each request with its timing
        server_header=False,
        log_config=log_config(settings.log_level.upper()),
    )


@app.command()
@operator_errors
def demo() -> None:
    """Create the demo cohort and accounts (new random passwords each run) and print them."""
    from rich.console import Console
    from rich.table import Table

    from lms.cli_accounts import in_session
    from lms.demo import COHORT, ensure_demo

    settings = load_settings()
    prepare(settings)
    invite, people = in_session(lambda s: ensure_demo(s, content_dir=settings.content_dir))
    table = Table(title=f"Demo accounts ({settings.base_url}/login)")
    for column in ("username", "password", "role", "name"):
        table.add_column(column)
    for person in people:
        table.add_row(person.username, person.password, person.role, person.name)
    console = Console(highlight=False)
    console.print(table)
    console.print(f"Cohort {COHORT}: invite code {invite} ({settings.base_url}/register)")


@content_app.command("check")
def content_check(
    folder: Annotated[
        Path | None, typer.Argument(help="The content dir (LMS_CONTENT_DIR).")
    ] = None,
) -> None:
    """Check every course and pathway; print each problem as path:line: message."""
    from lms.courses.check import load_content

    root = folder or load_settings().content_dir
    if not root.is_dir():
        fail(f"{root} is not a folder")
    content = load_content(root)
    for problem in content.problems:
        typer.echo(str(problem))
    modules = sum(len(c.modules) for c in content.courses)
    summary = f"{len(content.courses)} courses, {modules} modules, {len(content.pathways)} pathways"
    if content.problems:
        typer.echo(f"{len(content.problems)} problem(s); {summary} are fine", err=True)
        raise typer.Exit(1)
    typer.echo(f"no problems: {summary}")


@content_app.command("sync")
@operator_errors
def content_sync(
    folder: Annotated[Path | None, typer.Argument(help="The content dir.")] = None,
) -> None:
    """Load changed courses and modules into the database as new revisions."""
    settings = load_settings()
    prepare_data_dir(settings)
    from lms import migrate

    migrate.upgrade(settings.sqlalchemy_url)
    report = sync(settings, folder or settings.content_dir)
    typer.echo(report.summary())
    if report.problems:
        raise typer.Exit(1)


@content_app.command("export")
@operator_errors
def content_export(
    folder: Annotated[Path, typer.Argument(help="A new or empty folder to write into.")],
) -> None:
    """Write every course as the site has it now (browser edits included) as files."""
    from lms.cli_accounts import in_session
    from lms.courses.export import export_content, gather

    settings = load_settings()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        fail(f"{folder} is not an empty folder; export into a new or empty one")
    courses = in_session(lambda session: gather(session, settings.content_dir))
    report = export_content(courses, folder, settings.content_dir)
    for slug in report.missing:
        typer.echo(
            f"warning: {slug}: no course.md was kept for it; run `lms content sync` first",
            err=True,
        )
    typer.echo(f"exported {report.summary()} to {folder}")


def sync(settings: Settings, folder: Path) -> Any:
    """Check the content folder, print its problems, load what is sound."""
    from lms.cli_accounts import in_session
    from lms.courses.check import load_content
    from lms.courses.sync import sync_content

    content = load_content(folder)
    for problem in content.problems:
        typer.echo(f"content: {problem}", err=True)

    async def work(session: Any) -> Any:
        return await sync_content(session, content)

    return in_session(work)


@db_app.command("upgrade")
@operator_errors
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Bring the schema up to date."""
    from lms import migrate

    settings = load_settings()
    prepare_data_dir(settings)
    migrate.upgrade(settings.sqlalchemy_url, revision)
    typer.echo(migrate.current_revision(settings.sqlalchemy_url) or "")


@db_app.command("current")
@operator_errors
def db_current() -> None:
    """Print the schema's revision."""
    from lms import migrate

    settings = load_settings()
    typer.echo(migrate.current_revision(settings.sqlalchemy_url) or "(empty database)")


@db_app.command("check")
@operator_errors
def db_check() -> None:
    """Exit 1 if the models and the migrated schema differ."""
    from alembic.util.exc import AutogenerateDiffsDetected

    from lms import migrate

    settings = load_settings()
    try:
        migrate.check(settings.sqlalchemy_url)
    except AutogenerateDiffsDetected as exc:
        fail(str(exc).splitlines()[0])
    typer.echo("schema matches the models")
