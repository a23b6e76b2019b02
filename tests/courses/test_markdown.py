"""The Markdown pipeline: what trainers write becomes safe HTML, whatever they write."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.courses.markdown import render

STEMS = frozenset({"01-intro", "02-listening"})


def html(text: str) -> str:
    return render(text, course_url="/courses/c", module_stems=STEMS).html


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "![x](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        "[x](JaVaScRiPt:alert(1))",
        '<div style="background:url(javascript:alert(1))">x</div>',
    ],
)
def test_no_script_survives(attack: str) -> None:
    soup = BeautifulSoup(html(f"Before {attack} after"), "html.parser")
    assert soup.find("script") is None
    assert soup.find("iframe") is None
    for element in soup.find_all(True):
        for name, value in element.attrs.items():
            assert not name.startswith("on")
            assert "javascript:" not in str(value).lower()


def test_commonmark_tables_footnotes_admonitions() -> None:
    out = html(
        "## 准备\n\n| 项目 | 时间 |\n|---|---|\n| 家访 | 2 小时 |\n\n"
        'Fact[^1].\n\n[^1]: Source.\n\n!!! warning "安全"\n    不要单独与儿童相处。\n'
    )
    soup = BeautifulSoup(out, "html.parser")
    assert soup.find("h2").text == "准备"  # type: ignore[union-attr] # h1 is the module title
    assert soup.find("table") is not None
    assert soup.select_one("section.footnotes li") is not None
    admonition = soup.select_one("div.admonition.warning")
    assert admonition is not None
    assert "不要单独与儿童相处" in admonition.text


def test_module_links_and_course_files() -> None:
    body = render(
        "[next](02-listening.md#start) and ![map](img/map.png)",
        course_url="/courses/c",
        module_stems=STEMS,
    )
    soup = BeautifulSoup(body.html, "html.parser")
    assert soup.find("a")["href"] == "/courses/c/02-listening#start"  # type: ignore[index]
    assert soup.find("img")["src"] == "/courses/c/files/img/map.png"  # type: ignore[index]
    assert [(r.target, r.image) for r in body.references] == [
        ("02-listening.md", False),
        ("img/map.png", True),
    ]


def test_quiz_block_is_kept_out_of_the_page() -> None:
    body = render(
        "Text.\n\n```quiz\n1. 问题？\n*a) 对\nb) 错\n```\n",
        course_url="/c",
        module_stems=STEMS,
        first_line=4,
    )
    assert body.quiz == "1. 问题？\n*a) 对\nb) 错\n"
    assert body.quiz_line == 7  # the line after the ```quiz fence
    assert "问题" not in body.html


def test_a_quiz_in_the_middle_is_a_problem() -> None:
    body = render(
        "```quiz\n1. x\n```\n\nmore\n", course_url="/c", module_stems=STEMS, first_line=10
    )
    assert body.problems == [(10, "the ```quiz block must be the last thing in a module")]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_any_text_renders_or_is_refused_never_crashes(text: str) -> None:
    body = render(text, course_url="/c", module_stems=STEMS)
    assert "<script" not in body.html.lower()


def test_column_alignment_is_a_class_not_a_style() -> None:
    """The CSP allows no style attributes: alignment must survive as a class."""
    body = render(
        "| a | b |\n| :-: | --: |\n| 1 | 2 |\n", course_url="/courses/c", module_stems=frozenset()
    )
    assert "style=" not in body.html
    assert '<td class="align-center">1</td>' in body.html
    assert '<td class="align-right">2</td>' in body.html


def test_a_wrapped_chinese_line_gets_no_space() -> None:
    out = html(
        "志愿者在服务结束后\n写下记录。English words\nstay apart, 中文和 English\n混排也一样。\n"
    )
    assert "志愿者在服务结束后写下记录。" in out
    assert "English words\nstay apart" in out
    assert "English\n混排" in out  # only between two Chinese characters


def test_headings_start_below_the_module_title() -> None:
    out = html("# 一\n\n## 二\n\n### 三\n")
    assert "<h2>一</h2>" in out and "<h2>二</h2>" in out and "<h3>三</h3>" in out
    assert "<h1>" not in out
