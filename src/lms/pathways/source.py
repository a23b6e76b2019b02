"""Pathway files (``content/pathways/<slug>.yaml``): levels, their courses, quiz bar,
practicum hours, evaluation criteria and prerequisites. Checked here; eligibility is
computed elsewhere from the records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from lms.config import Language
from lms.courses.source import SLUG, Problem, read_text
from lms.i18n import field_problem
from lms.i18n import gettext as _

Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$")]
Title = dict[Language, Annotated[str, StringConstraints(min_length=1, max_length=200)]]


class Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    title: Title


class Evaluation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    criteria: list[Criterion] = Field(min_length=1)


class Level(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    title: Title
    requires_level: Code | None = None
    courses: list[Annotated[str, StringConstraints(pattern=SLUG)]] = Field(default_factory=list)
    min_quiz_score: float = Field(default=60, ge=0, le=100)
    practicum_hours: float = Field(default=0, ge=0, le=10_000)
    evaluation: Evaluation | None = None


class Pathway(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: Annotated[str, StringConstraints(pattern=SLUG)]
    title: Title
    levels: list[Level] = Field(min_length=1)


@dataclass
class LoadedPathways:
    pathways: list[Pathway] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def load_pathways(root: Path, course_slugs: set[str]) -> LoadedPathways:
    loaded = LoadedPathways()
    if not root.is_dir():
        return loaded
    for path in sorted(root.glob("*.yaml")):
        pathway = load_pathway(path, course_slugs, loaded.problems)
        if pathway is not None:
            loaded.pathways.append(pathway)
    return loaded


def load_pathway(path: Path, course_slugs: set[str], problems: list[Problem]) -> Pathway | None:
    own: list[Problem] = []
    text = read_text(path, own)
    if text is None:
        problems.extend(own)
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = _("not valid YAML: %(error)s") % {"error": exc.problem or exc}
        problems.append(Problem(path, mark.line + 1 if mark else 1, message))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(path, 1, _("not valid YAML: %(error)s") % {"error": exc}))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(path, 1, _("a pathway file is key: value lines")))
        return None
    try:
        pathway = Pathway.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            message = field_problem(error)
            problems.append(Problem(path, line_of(text, error["loc"]), f"{where}: {message}"))
        return None
    lines = text.split("\n")

    def line(word: str, after: int = 0) -> int:
        """The first line from ``after`` on that mentions ``word``."""
        rows = enumerate(lines[after:], start=after + 1)
        return next((n for n, row in rows if word in row), after or 1)

    if pathway.slug != path.stem:
        message = _("slug %(slug)s must be the file's name, %(name)s") % {
            "slug": pathway.slug,
            "name": path.stem,
        }
        own.append(Problem(path, line("slug"), message))
    codes = [level.code for level in pathway.levels]
    for code in {c for c in codes if codes.count(c) > 1}:
        message = _("level %(code)s is defined twice") % {"code": code}
        own.append(Problem(path, line(f"code: {code}"), message))
    known = set(codes)
    for level in pathway.levels:
        start = line(f"code: {level.code}") - 1
        if level.requires_level is not None and level.requires_level not in known:
            own.append(
                Problem(
                    path,
                    line(f"requires_level: {level.requires_level}"),
                    _("level %(code)s requires %(required)s, which this pathway does not define")
                    % {"code": level.code, "required": level.requires_level},
                )
            )
        for course in level.courses:
            if course not in course_slugs:
                own.append(
                    Problem(
                        path,
                        line(course, start),
                        _("level %(code)s: there is no course %(course)s")
                        % {"code": level.code, "course": course},
                    )
                )
        if not level.courses and not level.practicum_hours and level.evaluation is None:
            own.append(
                Problem(
                    path,
                    start + 1,
                    _(
                        "level %(code)s asks for nothing: give it courses, practicum hours "
                        "or an evaluation"
                    )
                    % {"code": level.code},
                )
            )
        if level.evaluation:
            names = [c.code for c in level.evaluation.criteria]
            for name in {n for n in names if names.count(n) > 1}:
                own.append(
                    Problem(
                        path,
                        line(f"code: {name}"),
                        _("level %(code)s: criterion %(name)s is listed twice")
                        % {"code": level.code, "name": name},
                    )
                )
    if cycle := prerequisite_cycle(pathway):
        own.append(
            Problem(
                path,
                line(f"requires_level: {cycle[1]}"),
                _("prerequisites go round in a circle: %(cycle)s") % {"cycle": " → ".join(cycle)},
            )
        )
    problems.extend(own)
    return None if own else pathway


def prerequisite_cycle(pathway: Pathway) -> list[str] | None:
    requires = {level.code: level.requires_level for level in pathway.levels}
    for start in requires:
        seen = [start]
        current = requires.get(start)
        while current is not None:
            if current in seen:
                return [*seen[seen.index(current) :], current]
            seen.append(current)
            current = requires.get(current)
    return None


def line_of(text: str, loc: tuple[int | str, ...]) -> int:
    """The line of the first key named in ``loc`` that the file contains."""
    lines = text.split("\n")
    for part in reversed(loc):
        if isinstance(part, str):
            for number, row in enumerate(lines, start=1):
                if row.strip().lstrip("- ").startswith(f"{part}:"):
                    return number
    return 1
