"""Reading and checking course folders: what ``lms content check`` and the sync run.

Every problem is reported as ``path:line: message``. A broken module is left out, not
the course; a broken ``course.md`` leaves out its course, never the others.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from lms.config import Language
from lms.courses.markdown import RenderedBody, render
from lms.i18n import coerce_language, field_problem
from lms.i18n import gettext as _
from lms.quizzes import syntax as quiz_syntax
from lms.quizzes.model import Quiz
from lms.quizzes.render import with_html

MAX_FILE_BYTES = 1024 * 1024
SLUG = r"^[a-z0-9][a-z0-9-]{1,63}$"
MODULE_FILE = re.compile(
    r"(?P<number>[0-9]{2})-(?P<name>[a-z0-9][a-z0-9-]*)(?:\.(?P<lang>[a-z]{2}))?\.md\Z"
)
COURSE_FILE = re.compile(r"^course(?:\.(?P<lang>[a-z]{2}))?\.md$")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class CourseMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: Annotated[str, StringConstraints(pattern=SLUG)]
    title: dict[Language, Text]
    summary: dict[Language, Annotated[str, StringConstraints(min_length=1, max_length=1000)]]
    order: int = Field(default=0, ge=0, le=10_000)
    hours: float = Field(gt=0, le=1000, description="estimated hours of study")
    languages: list[Language] = Field(min_length=1)
    cover: str | None = None


class ModuleMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Text
    minutes: int = Field(ge=1, le=600, description="estimated minutes")


@dataclass(frozen=True, order=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class ModuleVersion:
    language: Language
    path: Path
    meta: ModuleMeta
    body: RenderedBody
    source: str
    quiz: Quiz | None = None  # parsed, with its HTML

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.source.encode("utf-8")).hexdigest()


@dataclass
class ModuleSource:
    stem: str  # 01-what-are-rights: the URL and the identity across revisions
    number: int
    versions: dict[Language, ModuleVersion] = field(default_factory=dict)


@dataclass
class CourseSource:
    folder: Path
    meta: CourseMeta
    intro: dict[Language, RenderedBody] = field(default_factory=dict)
    modules: list[ModuleSource] = field(default_factory=list)
    present: frozenset[str] = frozenset()  # every module with a file, sound or broken

    @property
    def slug(self) -> str:
        return self.meta.slug


@dataclass
class Loaded:
    courses: list[CourseSource] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# -- files ----------------------------------------------------------------------------------


def read_text(path: Path, problems: list[Problem]) -> str | None:
    """A content file as text: at most 1 MB, UTF-8 (a BOM is fine)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.append(
                Problem(
                    path,
                    1,
                    _("the file is %(size)s KB; the limit is %(limit)s KB")
                    % {"size": size // 1024, "limit": MAX_FILE_BYTES // 1024},
                )
            )
            return None
        return path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        message = _("not UTF-8 (byte %(byte)s); save the file as UTF-8") % {"byte": exc.start}
        problems.append(Problem(path, 1, message))
    except OSError as exc:
        problems.append(Problem(path, 1, _("cannot read: %(reason)s") % {"reason": exc.strerror}))
    return None


def split_front_matter(
    text: str, path: Path, problems: list[Problem]
) -> tuple[dict[str, Any] | None, str, int, str]:
    """(front matter, body, the body's first line, the front matter text)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        message = _("the file must start with front matter between --- lines")
        problems.append(Problem(path, 1, message))
        return None, text, 1, ""
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            raw = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            try:
                data = yaml.safe_load(raw) if raw.strip() else {}
            except yaml.MarkedYAMLError as exc:
                mark = exc.problem_mark or exc.context_mark
                line = mark.line + 2 if mark else 1
                message = _("front matter is not valid YAML: %(error)s") % {
                    "error": exc.problem or exc
                }
                problems.append(Problem(path, line, message))
                return None, body, index + 2, raw
            except yaml.YAMLError as exc:
                message = _("front matter is not valid YAML: %(error)s") % {"error": exc}
                problems.append(Problem(path, 2, message))
                return None, body, index + 2, raw
            if not isinstance(data, dict):
                problems.append(Problem(path, 2, _("front matter must be key: value lines")))
                return None, body, index + 2, raw
            return data, body, index + 2, raw
    problems.append(Problem(path, 1, _("the front matter is not closed with a --- line")))
    return None, text, 1, ""


def validated(
    model: type[BaseModel], data: dict[str, Any], raw: str, path: Path, problems: list[Problem]
) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            key = str(error["loc"][0]) if error["loc"] else ""
            where = ".".join(str(part) for part in error["loc"])
            message = field_problem(error)
            problems.append(Problem(path, key_line(raw, key), f"{where}: {message}"))
        return None


def key_line(raw: str, key: str) -> int:
    """The file line of a top-level front-matter key (the opening --- is line 1)."""
    for number, line in enumerate(raw.split("\n"), start=2):
        if key and re.match(rf"^{re.escape(key)}\s*:", line):
            return number
    return 2


# -- courses ----------------------------------------------------------------------------------


def load_courses(root: Path) -> Loaded:
    """Every course folder under ``root`` (the ``courses`` folder of the content dir)."""
    loaded = Loaded()
    if not root.is_dir():
        return loaded
    seen: dict[str, Path] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        course = load_course(folder, loaded.problems)
        if course is None:
            continue
        if course.slug in seen:
            loaded.problems.append(
                Problem(
                    folder / "course.md",
                    1,
                    _("slug %(slug)s is used by %(folder)s")
                    % {"slug": course.slug, "folder": seen[course.slug]},
                )
            )
            continue
        seen[course.slug] = folder
        loaded.courses.append(course)
    loaded.courses.sort(key=lambda c: (c.meta.order, c.slug))
    return loaded


def load_course(folder: Path, problems: list[Problem]) -> CourseSource | None:
    course_file = folder / "course.md"
    if not course_file.is_file():
        problems.append(Problem(course_file, 1, _("a course folder needs a course.md")))
        return None
    own: list[Problem] = []
    text = read_text(course_file, own)
    meta = None
    if text is not None:
        data, intro, first, raw = split_front_matter(text, course_file, own)
        if data is not None:
            meta = validated(CourseMeta, data, raw, course_file, own)
    if meta is not None:
        if meta.slug != folder.name:
            own.append(
                Problem(
                    course_file,
                    key_line(raw, "slug"),
                    _("slug %(slug)s must be the folder's name, %(folder)s")
                    % {"slug": meta.slug, "folder": folder.name},
                )
            )
        if len(set(meta.languages)) != len(meta.languages):
            own.append(
                Problem(course_file, key_line(raw, "languages"), _("a language is listed twice"))
            )
        for key in ("title", "summary"):
            missing = [lang for lang in meta.languages if lang not in getattr(meta, key)]
            if missing:
                message = _("%(key)s has no %(languages)s text") % {
                    "key": key,
                    "languages": ", ".join(missing),
                }
                own.append(Problem(course_file, key_line(raw, key), message))
        if meta.cover and safe_file(folder, meta.cover) is None:
            own.append(
                Problem(
                    course_file,
                    key_line(raw, "cover"),
                    _("cover %(cover)s is not a picture in the course folder")
                    % {"cover": meta.cover},
                )
            )
    if own or meta is None:
        problems.extend(own)
        return None
    course = CourseSource(folder=folder, meta=meta)
    read_modules(course, problems)
    course_url = f"/courses/{meta.slug}"
    stems = frozenset(m.stem for m in course.modules)
    course.intro[meta.languages[0]] = check_body(
        intro, first, course_file, folder, course_url, stems, problems
    )
    for path in sorted(folder.glob("course.*.md")):
        match = COURSE_FILE.match(path.name)
        lang = coerce_language(match.group("lang") if match else None)
        if lang is None or lang not in meta.languages[1:]:
            problems.append(
                Problem(
                    path,
                    1,
                    other_languages_message(str(lang), meta.languages[1:], say_none=False),
                )
            )
            continue
        translated = read_text(path, problems)
        if translated is not None:
            course.intro[lang] = check_body(
                translated,
                1,
                path,
                folder,
                course_url,
                stems,
                problems,
            )
    return course


def read_modules(course: CourseSource, problems: list[Problem]) -> None:
    default, *others = course.meta.languages
    files: dict[str, dict[str, Path]] = {}
    numbers: dict[int, str] = {}
    for path in sorted(course.folder.glob("*.md")):
        if COURSE_FILE.match(path.name):
            continue
        match = MODULE_FILE.match(path.name)
        if match is None:
            problems.append(
                Problem(
                    path,
                    1,
                    _(
                        "a module file is named NN-name.md (or "
                        "NN-name.<lang>.md), e.g. 01-what-are-rights.md"
                    ),
                )
            )
            continue
        stem = f"{match.group('number')}-{match.group('name')}"
        lang = match.group("lang") or default
        if match.group("lang") and lang not in others:
            problems.append(Problem(path, 1, other_languages_message(lang, others, say_none=True)))
            continue
        number = int(match.group("number"))
        if numbers.setdefault(number, stem) != stem:
            problems.append(
                Problem(
                    path,
                    1,
                    _("module number %(number)s is used by %(stem)s too")
                    % {"number": f"{number:02d}", "stem": numbers[number]},
                )
            )
            continue
        files.setdefault(stem, {})[lang] = path
    stems = frozenset(files)
    course.present = stems
    course_url = f"/courses/{course.slug}"
    for stem, by_language in sorted(files.items()):
        if default not in by_language:
            some = next(iter(by_language.values()))
            problems.append(
                Problem(
                    some,
                    1,
                    _("there is no %(stem)s.md in the course's first language (%(language)s)")
                    % {"stem": stem, "language": default},
                )
            )
            continue
        # A translation not written yet is no problem: its readers see the first language,
        # as they do for a module published in the browser before its translation.
        module = ModuleSource(stem=stem, number=int(stem[:2]))
        broken = False
        for lang, path in by_language.items():
            version = read_module(path, lang, course, course_url, stems, problems)  # type: ignore[arg-type]
            if version is None:
                broken = True
            else:
                module.versions[lang] = version  # type: ignore[index]
        if not broken:
            quizzes = {lang: v.body.quiz is not None for lang, v in module.versions.items()}
            if len(set(quizzes.values())) > 1:
                lacking = [lang for lang, has in quizzes.items() if not has]
                problems.append(
                    Problem(
                        by_language[lacking[0]],
                        1,
                        _("the other language version has a quiz; this one has none"),
                    )
                )
                continue
            if not quizzes_agree(module, course.meta.languages[0], problems):
                continue
            course.modules.append(module)
    course.modules.sort(key=lambda m: m.number)


def other_languages_message(language: str, others: Sequence[str], *, say_none: bool) -> str:
    """A course.<lang>.md or module file in a language the course does not list."""
    if not others and say_none:
        return _("%(lang)s is not one of the course's other languages (none)") % {"lang": language}
    return _("%(lang)s is not one of the course's other languages (%(languages)s)") % {
        "lang": language,
        "languages": ", ".join(others),
    }


def quizzes_agree(module: ModuleSource, default: str, problems: list[Problem]) -> bool:
    """Every translation's quiz asks what the default language's asks (see
    ``lms.quizzes.syntax.mismatches``), so an answer by id means the same in each."""
    main = module.versions.get(default)  # type: ignore[call-overload]
    if main is None or main.quiz is None:
        return True
    agree = True
    for language, version in module.versions.items():
        if language == default or version.quiz is None:
            continue
        for line, message in quiz_syntax.mismatches(main.quiz, version.quiz):
            problems.append(Problem(version.path, line, message))
            agree = False
    return agree


def read_module(
    path: Path,
    language: Language,
    course: CourseSource,
    course_url: str,
    stems: frozenset[str],
    problems: list[Problem],
) -> ModuleVersion | None:
    own: list[Problem] = []
    text = read_text(path, own)
    if text is None:
        problems.extend(own)
        return None
    return module_version(text, path, language, course.folder, course_url, stems, problems)


def module_version(
    text: str,
    path: Path,
    language: Language,
    folder: Path,
    course_url: str,
    stems: frozenset[str],
    problems: list[Problem],
) -> ModuleVersion | None:
    """A module file's text checked and rendered: its front matter, body and quiz. The
    sync reads it from a file; the editor and the API get it from a trainer."""
    own: list[Problem] = []
    data, body_text, first, raw = split_front_matter(text, path, own)
    meta = validated(ModuleMeta, data, raw, path, own) if data is not None else None
    body = check_body(body_text, first, path, folder, course_url, stems, own)
    quiz = None
    if body.quiz is not None:
        parsed = quiz_syntax.parse(body.quiz, body.quiz_line or 1)
        own.extend(Problem(path, line, message) for line, message in parsed.problems)
        quiz = with_html(parsed.quiz) if parsed.ok else None
    problems.extend(own)
    if own or meta is None:
        return None
    return ModuleVersion(language=language, path=path, meta=meta, body=body, source=text, quiz=quiz)


def check_body(
    text: str,
    first_line: int,
    path: Path,
    folder: Path,
    course_url: str,
    stems: frozenset[str],
    problems: list[Problem],
) -> RenderedBody:
    body = render(text, course_url=course_url, module_stems=stems, first_line=first_line)
    problems.extend(Problem(path, line, message) for line, message in body.problems)
    for reference in body.references:
        target = reference.target.split("#", 1)[0]
        if not target:
            continue
        if not reference.image and target.endswith(".md") and "/" not in target:
            stem = target[: -len(".md")]
            stem = stem.rsplit(".", 1)[0] if stem.count(".") == 1 else stem
            if stem not in stems:
                message = _("%(target)s is not a module of this course") % {
                    "target": reference.target
                }
                problems.append(Problem(path, reference.line, message))
        elif safe_file(folder, unquote(target)) is None:
            message = _(
                "%(target)s is not a file the course can serve: missing, outside "
                "the course folder, hidden, or not one of %(types)s"
            ) % {"target": reference.target, "types": " ".join(FILE_TYPES)}
            problems.append(Problem(path, reference.line, message))
    return body


# What a course folder may serve: pictures and handouts, never HTML or SVG (which can
# carry script), and never a hidden file or a Markdown source. The content check and the
# file route use this one rule, so a link the check accepts is a link readers can open.
FILE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
}
FILE_PART = re.compile(r"^[\w][\w.\- ]{0,199}$")


def safe_file(folder: Path, relative: str) -> Path | None:
    """``relative`` as a servable file inside ``folder``, or None: no hidden parts, no
    ``..``, no links out of the folder, only the listed types."""
    parts = relative.split("/")
    if len(relative) > 500 or not all(FILE_PART.match(part) for part in parts):
        return None
    if Path(relative).suffix.lower() not in FILE_TYPES:
        return None
    root = folder.resolve()
    target = (root / relative).resolve()
    if root not in target.parents or not target.is_file():
        return None
    return target
