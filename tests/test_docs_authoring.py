"""docs/authoring.md, the trainers' guide, checked against the code it describes.

Convention: a fenced block that the guide shows as a file is preceded by the line
``<!-- file: PATH -->``, PATH relative to the content repository's root
(``content/courses/volunteer-basics/course.md``, ``ci/publish.py``). The English and the
Chinese half each show every file, and both must show the same text. The example course
is built from those blocks and must pass the content check; the problems the guide quotes
must be the ones the check gives; the CI script must publish the course through the real
API, publish nothing when sent the same files again, and stop at a broken file as the guide
says; every relative link must lead somewhere.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from lms.accounts import service as accounts
from lms.cli import shell_language
from lms.config import Settings
from lms.courses.check import load_content
from lms.courses.export import export_content, gather
from lms.courses.source import Problem
from lms.courses.sync import sync_content
from lms.i18n import current_language, gettext
from lms.models.accounts import Role
from lms.quizzes.syntax import mismatches
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "authoring.md"
COURSE = "content/courses/volunteer-basics"
MODULE = "01-what-is-volunteering"
# The guide lists these in the course folder; a picture and a PDF cannot be shown as text,
# so the test makes stand-ins (the check looks at the name and that the file is there).
BINARY = ("images/cover.png", "handouts/code-of-conduct.pdf")
FILE_BLOCK = re.compile(
    r"^<!-- file: (?P<path>\S+) -->\n(?P<fence>`{3,})[^\n]*\n(?P<text>.*?)^(?P=fence)$",
    re.MULTILINE | re.DOTALL,
)
FENCED = re.compile(r"^(`{3,})[^\n]*\n.*?^\1$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")
LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} +(.+?) *$", re.MULTILINE)


def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def halves() -> tuple[str, str]:
    english, chinese = guide().split("\n## 中文说明\n")
    return english, chinese


def files(markdown: str) -> dict[str, str]:
    """PATH: text of every block marked as a file; a file shown twice is shown the same."""
    found: dict[str, str] = {}
    for match in FILE_BLOCK.finditer(markdown):
        path, text = match["path"], match["text"]
        assert found.setdefault(path, text) == text, f"{path} is shown twice, differently"
    return found


def the_files() -> dict[str, str]:
    english, chinese = halves()
    shown = files(english)
    assert files(chinese) == shown, "the Chinese half shows the same files as the English"
    assert {path for path in shown if path.startswith(COURSE)} == {
        f"{COURSE}/course.md",
        f"{COURSE}/course.en.md",
        f"{COURSE}/{MODULE}.md",
        f"{COURSE}/{MODULE}.en.md",
    }
    return shown


def build(root: Path, *, modules: bool = True) -> Path:
    """The example course under ``root`` as the guide shows it; the content dir."""
    for path, text in the_files().items():
        if path.startswith(COURSE) and (modules or Path(path).name.startswith("course")):
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    for name in BINARY:
        assert f"{name} " in guide(), f"the guide lists {name}"
        (root / COURSE / name).parent.mkdir(parents=True, exist_ok=True)
        (root / COURSE / name).write_bytes(b"stand-in")
    return root / "content"


def test_the_example_course_passes_the_check(tmp_path: Path) -> None:
    content = load_content(build(tmp_path))
    assert [str(problem) for problem in content.problems] == []
    [course] = content.courses
    assert (course.slug, course.meta.languages) == ("volunteer-basics", ["zh", "en"])
    assert sorted(course.intro) == ["en", "zh"]
    [module] = course.modules
    assert module.stem == MODULE
    zh, en = module.versions["zh"], module.versions["en"]
    assert zh.quiz is not None and en.quiz is not None
    assert len(zh.quiz.questions) == len(en.quiz.questions) == 2
    assert mismatches(zh.quiz, en.quiz) == []
    assert "志愿服务，是指志愿者、志愿服务组织和其他组织自愿" in zh.body.html, (
        "the wrapped Chinese line is joined without a space"
    )
    assert 'class="admonition warning"' in zh.body.html
    assert "/courses/volunteer-basics/files/handouts/code-of-conduct.pdf" in en.body.html


def problems_in(content: Path, language: str) -> list[Problem]:
    """What ``lms content check`` finds, its messages in ``language``."""
    token = current_language.set(language)  # type: ignore[arg-type]
    try:
        return load_content(content).problems
    finally:
        current_language.reset(token)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def missing_handout_and_mistyped_link(folder: Path) -> None:
    """A second module with no translation yet: only its link is a problem."""
    edit(folder / f"{MODULE}.md", "handouts/code-of-conduct.pdf", "handouts/code.pdf")
    text = "---\ntitle: 第一次上岗\nminutes: 15\n---\n见[上一单元](01-what-is-volunteer.md)。\n"
    (folder / "02-your-first-activity.md").write_text(text, encoding="utf-8")


def english_marks_true(folder: Path) -> Path:
    """The English quiz marks True where the Chinese marks 错 (false)."""
    edit(folder / f"{MODULE}.en.md", "a) True\n*b) False", "*a) True\nb) False")
    return folder / f"{MODULE}.en.md"


def unknown_field(folder: Path) -> None:
    edit(folder / "course.md", "order: 3\n", "order: 3\nauthor: 张老师\n")


def stray_file(folder: Path) -> None:
    (folder / "notes.md").write_text("Ideas for module 2\n", encoding="utf-8")


def no_default_language(folder: Path) -> None:
    (folder / f"{MODULE}.md").unlink()


def a_script(folder: Path) -> None:
    edit(folder / f"{MODULE}.md", "出发之前", "<script>alert(1)</script>\n\n出发之前")


def flat(text: str) -> str:
    """Whitespace as a reader sees it: a quote may be wrapped in the guide."""
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("mistake", "count"), [(missing_handout_and_mistyped_link, 2), (english_marks_true, 1)]
)
@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_output_the_guide_shows_is_the_check_s(
    tmp_path: Path, language: str, mistake: Callable[[Path], object], count: int
) -> None:
    """Whole lines, path and line number included."""
    half = halves()[language == "zh"]
    content = build(tmp_path)
    mistake(content / "courses" / "volunteer-basics")
    problems = problems_in(content, language)
    assert len(problems) == count
    for problem in problems:
        assert str(problem).replace(f"{tmp_path}/", "") in half


def test_a_module_without_its_translation_is_published_in_the_first_language(
    tmp_path: Path,
) -> None:
    content = build(tmp_path)
    (content / "courses" / "volunteer-basics" / f"{MODULE}.en.md").unlink()
    loaded = load_content(content)
    assert loaded.problems == []
    [module] = loaded.courses[0].modules
    assert sorted(module.versions) == ["zh"]
    assert all("no translation" not in half and "缺少译文" not in half for half in halves())


@pytest.mark.parametrize("mistake", [unknown_field, stray_file, no_default_language, a_script])
@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_messages_the_guide_quotes_are_the_check_s(
    tmp_path: Path, language: str, mistake: Callable[[Path], None]
) -> None:
    half = flat(halves()[language == "zh"])
    content = build(tmp_path)
    mistake(content / "courses" / "volunteer-basics")
    [problem] = problems_in(content, language)
    assert f"`{flat(problem.message)}`" in half


@pytest.mark.parametrize(
    ("value", "language"),
    [
        ("zh_CN.UTF-8", "zh"),
        ("zh_TW", "zh"),
        ("zh", "zh"),
        ("en_US.UTF-8", "en"),
        ("en", "en"),
        ("C.UTF-8", None),
        ("POSIX", None),
    ],
)
@pytest.mark.parametrize("site", ["zh", "en"])
def test_the_shell_language_rule_is_the_cli_s(value: str, language: str | None, site: str) -> None:
    """Each value the guide names, in both halves; None: the site's default language."""
    assert all(f"`{value}`" in half for half in halves())
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        assert shell_language({name: value}, site) == (language or site)  # type: ignore[arg-type]
    assert shell_language({}, site) == site  # type: ignore[arg-type]
    assert shell_language({"LC_ALL": value, "LANG": "en"}, site) == (language or site)  # type: ignore[arg-type]
    assert Settings.model_fields["default_language"].default == "zh"
    assert all("`LMS_DEFAULT_LANGUAGE`" in half for half in halves())


# What the editor and the history say: (msgid, its values, where the code has it).
EDITOR_MESSAGES = [
    (
        "This file is the %(file)s version; open the %(file)s tab to upload it.",
        {"file": "English"},
        "src/lms/courses/authoring_routes.py",
    ),
    (
        "This file is for the module %(stem)s, not %(this)s.",
        {"stem": MODULE, "this": "02-your-first-activity"},
        "src/lms/courses/authoring_routes.py",
    ),
    ("left out: %(languages)s", {"languages": "English"}, "templates/courses/history.html"),
]


@pytest.mark.parametrize(("msgid", "values", "where"), EDITOR_MESSAGES)
@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_editor_messages_the_guide_quotes_are_the_app_s(
    language: str, msgid: str, values: dict[str, str], where: str
) -> None:
    assert msgid in (ROOT / where).read_text(encoding="utf-8")
    token = current_language.set(language)  # type: ignore[arg-type]
    try:
        message = gettext(msgid) % values
    finally:
        current_language.reset(token)
    assert language == "en" or message != msgid % values, "translated"
    assert flat(message) in flat(halves()[language == "zh"])


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, no punctuation, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    return {slug(heading) for heading in HEADING.findall(FENCED.sub("", markdown))}


def test_every_relative_link_leads_somewhere() -> None:
    """Links outside code: to a file in the repository, and to a heading when they name one."""
    text = CODE_SPAN.sub("", FENCED.sub("", guide()))
    links = [link for link in LINK.findall(text) if not re.match(r"^[a-z]+:", link)]
    assert "quiz-syntax.md" in links and "#中文说明" in links
    for link in links:
        path, _hash, anchor = link.partition("#")
        target = (GUIDE.parent / path).resolve() if path else GUIDE
        assert target.is_relative_to(ROOT) and target.exists(), f"{link}: no such file"
        if anchor and target.suffix == ".md":
            assert anchor in anchors(target.read_text(encoding="utf-8")), f"{link}: no heading"


# -- the CI script, against the app ----------------------------------------------------------


@pytest.fixture
def server_content(tmp_path: Path) -> Path:
    """The server's content dir: the course's folder before any module is published."""
    return build(tmp_path / "server", modules=False)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, server_content: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path / "var",
        database_url=database_url,
        base_url="http://testserver",
        content_dir=server_content,
    )


class ToTheApp(httpx.BaseTransport):
    """The script's synchronous client, answered by the app on the test's event loop."""

    KEEP = ("authorization", "content-type", "if-match", "accept-language")

    def __init__(self, client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop) -> None:
        self.client, self.loop = client, loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() in self.KEEP}
        call = self.client.request(
            request.method, str(request.url), headers=headers, content=request.read()
        )
        answer = asyncio.run_coroutine_threadsafe(call, self.loop).result(timeout=60)
        kind = {"content-type": answer.headers.get("content-type", "")}
        return httpx.Response(answer.status_code, headers=kind, content=answer.content)


@pytest.mark.database
async def test_the_ci_script_publishes_the_course_once_and_stops_at_a_broken_file(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    server_content: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await sync_content(db_session, load_content(server_content))
    trainer = await make_user(db_session, username="trainer", role=Role.trainer)
    token = await accounts.create_token(db_session, user=trainer, name="content repository")
    script: dict[str, Any] = {"__name__": "ci_publish"}  # not "__main__": only the function
    exec(compile(the_files()["ci/publish.py"], "ci/publish.py", "exec"), script)  # noqa: S102
    publish: Callable[..., int] = script["publish"]
    repository = build(tmp_path / "repository")
    folder = repository / "courses" / "volunteer-basics"
    loop = asyncio.get_running_loop()

    def run(*only: str) -> int:
        with httpx.Client(
            transport=ToTheApp(client, loop),
            base_url="http://testserver",
            headers={"Authorization": f"Bearer {token}"},
        ) as sync_client:
            return publish(sync_client, folder, list(only))

    assert await asyncio.to_thread(run) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{folder}/{MODULE}.md: revision 1",
        f"{folder}/{MODULE}.en.md: revision 2",
    ], "the default language first, then the translation"
    published = server_content / "courses" / "volunteer-basics"
    for name in (f"{MODULE}.md", f"{MODULE}.en.md"):
        assert (published / name).read_text(encoding="utf-8") == (folder / name).read_text(
            encoding="utf-8"
        ), "written back to the server's course folder"
    assert load_content(server_content).problems == []

    assert await asyncio.to_thread(run) == 0, "the same files again, as CI on the next push"
    assert capsys.readouterr().out.splitlines() == [
        f"{folder}/{MODULE}.md: unchanged, revision 2 is current",
        f"{folder}/{MODULE}.en.md: unchanged, revision 2 is current",
    ]
    answer = await client.get(
        f"/api/v1/courses/volunteer-basics/modules/{MODULE}/revisions",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert [entry["revision"] for entry in answer.json()] == [2, 1], "no new revision"
    assert '`"unchanged": true`' in halves()[0] and '`"unchanged": true`' in halves()[1]

    exported = tmp_path / "export"  # `lms content export DIR`: what the site has, as files
    export_content(await gather(db_session, server_content), exported, server_content)
    assert load_content(exported).problems == []
    for path in (*the_files(), *BINARY):
        name = path.removeprefix(f"{COURSE}/")
        if not name.startswith("ci/"):
            exported_file = exported / "courses" / "volunteer-basics" / name
            assert exported_file.read_bytes() == (folder / name).read_bytes(), name

    broken = english_marks_true(folder)
    assert await asyncio.to_thread(run, broken.name) == 1
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{broken}:38: ")
    assert line.replace(f"{broken}", f"{COURSE}/{broken.name}") in guide()

    # The Chinese quiz now marks 对: the published English no longer matches and is left
    # out, and its file goes from the server's folder, which keeps passing the check.
    edit(folder / f"{MODULE}.md", "a) 对\n*b) 错", "*a) 对\nb) 错")
    assert await asyncio.to_thread(run, f"{MODULE}.md") == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{folder}/{MODULE}.md: revision 3",
        "  left out until republished: en",
    ]
    assert not (published / f"{MODULE}.en.md").exists()
    assert (published / f"{MODULE}.md").is_file()
    assert load_content(server_content).problems == []
    answer = await client.get(
        f"/api/v1/courses/volunteer-basics/modules/{MODULE}/revisions",
        headers={"Authorization": f"Bearer {token}"},
    )
    latest = answer.json()[0]
    assert (latest["revision"], latest["languages"], latest["removed"]) == (3, ["zh"], ["en"])
    assert all("`removed`" in half for half in halves())
