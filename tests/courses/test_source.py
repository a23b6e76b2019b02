"""The course validator: every problem named by file and line; one broken file never
stops the rest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lms.courses.check import load_content
from tests.courses.conftest import COURSE, MODULE, write

ROOT = Path(__file__).resolve().parents[2]


def messages(root: Path) -> list[str]:
    return [f"{p.path.name}:{p.line}: {p.message}" for p in load_content(root).problems]


def test_a_good_course_loads(tree: Path) -> None:
    content = load_content(tree)
    assert content.problems == []
    (course,) = content.courses
    assert [m.stem for m in course.modules] == ["01-first", "02-second"]
    first = course.modules[0]
    assert first.versions["zh"].meta.title == "中文标题"
    assert 'href="/courses/demo/02-second"' in first.versions["en"].body.html


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "01-first.md",
            "---\ntitle: [unclosed\nminutes: 5\n---\nx\n",
            "01-first.md:3: front matter is not valid YAML",
        ),
        (
            "01-first.md",
            "---\ntitle: T\nminutes: 5\nauthor: me\n---\nx\n",
            "01-first.md:4: author: unknown field",
        ),
        (
            "01-first.md",
            "---\nminutes: 5\n---\nx\n",
            "01-first.md:2: title: this field is required",
        ),
        (
            "01-first.md",
            "---\ntitle: T\nminutes: 5\n---\n![x](../../etc/passwd)\n",
            "01-first.md:5: ../../etc/passwd is not a file the course can serve: missing, "
            "outside the course folder",
        ),
        (  # a file that exists but that the course would not serve: the check says so
            "01-first.md",
            "---\ntitle: T\nminutes: 5\n---\n![x](drawing.svg)\n",
            "01-first.md:5: drawing.svg is not a file the course can serve",
        ),
        (
            "01-first.md",
            "---\ntitle: T\nminutes: 5\n---\n[notes](.notes.png)\n",
            "01-first.md:5: .notes.png is not a file the course can serve",
        ),
        (
            "01-first.md",
            "---\ntitle: T\nminutes: 5\n---\n\n[x](09-nowhere.md)\n",
            "01-first.md:6: 09-nowhere.md is not a module of this course",
        ),
        ("01-first.md", "no front matter\n", "01-first.md:1: the file must start with"),
        ("1-bad-name.md", MODULE.format(title="T"), "1-bad-name.md:1: a module file is named"),
        ("03-third.fr.md", MODULE.format(title="T"), "03-third.fr.md:1: fr is not one of"),
    ],
)
def test_problems_name_file_and_line(tree: Path, name: str, text: str, expected: str) -> None:
    write(tree / "courses" / "demo", "drawing.svg", "<svg></svg>")  # exist, never served
    write(tree / "courses" / "demo", ".notes.png", "png")
    write(tree / "courses" / "demo", name, text)
    found = messages(tree)
    assert any(line.startswith(expected) for line in found), found


def test_a_broken_module_is_left_out_alone(tree: Path) -> None:
    write(tree / "courses" / "demo", "01-first.zh.md", "---\ntitle: T\n---\nx\n")
    content = load_content(tree)
    (course,) = content.courses
    assert [m.stem for m in course.modules] == ["02-second"]
    assert len(content.problems) == 1


def test_a_broken_course_never_stops_the_others(tree: Path) -> None:
    shutil.copytree(tree / "courses" / "demo", tree / "courses" / "other")
    write(
        tree / "courses" / "other",
        "course.md",
        COURSE.replace("slug: demo", "slug: other").replace("hours: 2", "hours: lots"),
    )
    content = load_content(tree)
    assert [c.slug for c in content.courses] == ["demo"]
    assert [str(p).split("/")[-1] for p in content.problems] == [
        "course.md:6: hours: must be a number"
    ]


def test_not_utf8_and_too_large(tree: Path) -> None:
    (tree / "courses" / "demo" / "01-first.zh.md").write_bytes("标题".encode("gb18030"))
    (tree / "courses" / "demo" / "02-second.zh.md").write_bytes(b"x" * (5 * 1024 * 1024))
    found = messages(tree)
    assert any(m.startswith("01-first.zh.md:1: not UTF-8") for m in found), found
    assert any(m.startswith("02-second.zh.md:1: the file is 5120 KB") for m in found), found


def test_html_in_markdown_is_shown_as_text(tree: Path) -> None:
    write(
        tree / "courses" / "demo",
        "01-first.md",
        "---\ntitle: T\nminutes: 5\n---\n<b>bold?</b> and `<script>` in code\n",
    )
    (course,) = load_content(tree).courses
    html = course.modules[0].versions["en"].body.html
    assert "<b>" not in html
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html
    assert "<code>&lt;script&gt;</code>" in html


@pytest.mark.parametrize(
    "line", ["<script>alert(1)</script>", '<img src="x.png" onerror="alert(1)">', "<SCRIPT >x"]
)
def test_a_script_or_event_handler_is_refused(tree: Path, line: str) -> None:
    write(
        tree / "courses" / "demo", "01-first.md", f"---\ntitle: T\nminutes: 5\n---\nHi\n\n{line}\n"
    )
    found = messages(tree)
    assert any(m.startswith("01-first.md:7: a script or an event handler") for m in found), found


def test_the_shipped_content_passes() -> None:
    content = load_content(ROOT / "content")
    assert content.problems == []
    assert {c.slug for c in content.courses} == {
        "child-rights",
        "community-rebuilding",
        "volunteer-skills",
    }
    assert [p.slug for p in content.pathways] == ["community-volunteer"]
    for course in content.courses:
        assert set(course.intro) == {"en", "zh"}


def test_a_module_not_yet_translated_is_published_in_the_first_language(tree: Path) -> None:
    write(tree / "courses" / "demo", "03-third.md", MODULE.format(title="Third"))
    content = load_content(tree)
    assert content.problems == []
    (course,) = content.courses
    third = course.modules[-1]
    assert (third.stem, sorted(third.versions)) == ("03-third", ["en"])


def test_a_module_file_name_is_ascii_and_ends_with_md() -> None:
    from lms.courses.source import MODULE_FILE

    assert MODULE_FILE.match("05-abc.md") and MODULE_FILE.match("05-abc.zh.md")
    for name in ("05-abc\n.md", "05-abc.md\n", "٠٥-abc.md", "5-abc.md", "05-Abc.md"):
        assert MODULE_FILE.match(name) is None, name


@pytest.mark.parametrize(
    "line",
    [
        "If the count <limit, set online = true.",
        "Value a<b and b onion=3",
        "Write &lt;script&gt; to show it.",
        "In code: `<script>` and `<img onerror=x>`",
    ],
)
def test_prose_about_tags_is_not_a_script(tree: Path, line: str) -> None:
    write(tree / "courses" / "demo", "01-first.md", f"---\ntitle: T\nminutes: 5\n---\n{line}\n")
    assert [m for m in messages(tree) if "script" in m] == []
