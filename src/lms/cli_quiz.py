"""``lms quiz``: a module's quiz block, Moodle's GIFT and JSON, from a shell.

Problems are printed as ``FILE:line: message`` on stderr, one a line, and exit 1 with
nothing on stdout; warnings as ``FILE:line: warning: message`` do not stop a command.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from lms.courses.markdown import render
from lms.courses.source import Problem, read_text, split_front_matter
from lms.quizzes import syntax
from lms.quizzes.gift import left_out, parse_gift, to_gift
from lms.quizzes.model import Quiz

quiz_app = typer.Typer(help="Quizzes: GIFT import and export, JSON dump.", no_args_is_help=True)

GiftFile = Annotated[Path, typer.Argument(help="A GIFT file (Moodle's question format).")]
ModuleFile = Annotated[Path, typer.Argument(help="A module's Markdown file with a ```quiz block.")]


@quiz_app.command("import-gift")
def import_gift(file: GiftFile) -> None:
    """Print a ```quiz block made from a GIFT file (essays are skipped with a warning)."""
    quiz = read_gift(file)
    unwritable = [
        Problem(file, question.line, f"this question cannot become a quiz block: {message}")
        for question in quiz.questions
        for _line, message in syntax.parse(syntax.write(Quiz(questions=[question]))).problems
    ]
    if unwritable:
        refuse(unwritable)
    typer.echo("```quiz\n" + syntax.write(quiz) + "```")


@quiz_app.command("export-gift")
def export_gift(module: ModuleFile) -> None:
    """Print a module's quiz as GIFT; what GIFT cannot say is named in a warning."""
    quiz, quiz_line = read_module_quiz(module)
    for line, message in left_out(quiz, settings_line=quiz_line):
        warn(module, line, message)
    typer.echo(to_gift(quiz), nl=False)


@quiz_app.command("dump")
def dump(
    file: Annotated[Path, typer.Argument(help="A module's .md file or a GIFT file.")],
) -> None:
    """Print the questions as JSON, as the site grades them."""
    quiz = read_module_quiz(file)[0] if file.suffix.lower() == ".md" else read_gift(file)
    questions = [question.dump() for question in quiz.questions]
    typer.echo(json.dumps(questions, ensure_ascii=False, indent=2))


def read_gift(path: Path) -> Quiz:
    result = parse_gift(read_file(path))
    for line, message in result.warnings:
        warn(path, line, message)
    if result.errors:
        refuse(Problem(path, line, message) for line, message in result.errors)
    return result.quiz


def read_module_quiz(path: Path) -> tuple[Quiz, int]:
    """The module's quiz and the file line its block starts on."""
    # The front matter's own problems are for `lms content check`: here only its end counts.
    _meta, body, first_line, _raw = split_front_matter(read_file(path), path, [])
    rendered = render(body, course_url="", module_stems=frozenset(), first_line=first_line)
    if rendered.quiz is None or rendered.quiz_line is None:
        misplaced = [Problem(path, line, m) for line, m in rendered.problems if "```quiz" in m]
        refuse(misplaced or [Problem(path, 1, "the module has no ```quiz block at its end")])
    parsed = syntax.parse(rendered.quiz, rendered.quiz_line)
    if parsed.problems:
        refuse(Problem(path, line, message) for line, message in parsed.problems)
    return parsed.quiz, rendered.quiz_line


def read_file(path: Path) -> str:
    problems: list[Problem] = []
    text = read_text(path, problems)
    if text is None:
        refuse(problems)
    return text


def warn(path: Path, line: int, message: str) -> None:
    typer.echo(f"{path}:{line}: warning: {message}", err=True)


def refuse(problems: Iterable[Problem]) -> NoReturn:
    for problem in problems:
        typer.echo(str(problem), err=True)
    raise typer.Exit(1)
