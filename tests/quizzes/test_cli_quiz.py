"""``lms quiz`` as a trainer uses it: import-gift, export-gift and dump; output on stdout,
``FILE:line: message`` on stderr for each problem, exit 1 with nothing on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lms.quizzes import syntax
from lms.quizzes.gift import parse_gift

FIXTURE = Path(__file__).parent / "fixtures" / "everything.gift"

MODULE = """\
---
title: Safeguarding
minutes: 20
---

# Safeguarding

Read the policy first.

```quiz
pass mark: 80

Title: Best interests
Points: 2
1. Which principle asks what is best for the child?
+ Yes.
a) Non-discrimination
... Equal treatment.
*b) Best interests of the child

2. 志愿者可以单独与儿童待在关着门的房间里。
a) 对
*b) 错

3. Which year?
= 1989 +- 1
= %50% [1980, 1999]

4. Match them.
Article 12 -> heard
Article 31 -> play
```
"""
QUIZ_LINE = 11  # "pass mark: 80"


def run_quiz(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    return subprocess.run(
        [sys.executable, "-m", "lms", "quiz", *map(str, args)],
        env={**clean, "LMS_DATA_DIR": str(cwd / "var"), "LANG": "en_US.UTF-8", "LC_ALL": ""},
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def refused(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    return result.stderr.splitlines()


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), start=1) if needle in line)


@pytest.fixture
def module(tmp_path: Path) -> Path:
    path = tmp_path / "01-safeguarding.md"
    path.write_text(MODULE, encoding="utf-8")
    return path


# -- import-gift -----------------------------------------------------------------------------


def test_import_gift_prints_a_quiz_block_that_reads_back(tmp_path: Path) -> None:
    result = run_quiz("import-gift", FIXTURE, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    gift = FIXTURE.read_text(encoding="utf-8")
    assert result.stderr.splitlines() == [
        f"{FIXTURE}:{line_of(gift, '::Reflection::')}: warning: "
        "an essay question ({}) has no place in a quiz here; skipped"
    ]
    assert result.stdout.startswith("```quiz\n")
    assert result.stdout.endswith("\n```\n")
    block = result.stdout.removeprefix("```quiz\n").removesuffix("```\n")
    parsed = syntax.parse(block)
    assert parsed.problems == []
    expected = parse_gift(gift).quiz
    assert [q.dump() for q in parsed.quiz.questions] == [q.dump() for q in expected.questions]
    assert len(parsed.quiz.questions) == 16


def test_import_gift_names_each_malformed_question_and_prints_nothing(tmp_path: Path) -> None:
    gift = tmp_path / "bank.gift"
    gift.write_text("Fine {T}\n\nBroken {=a ~b\n\nAlso broken {~a ~b}\n", encoding="utf-8")
    assert refused(run_quiz("import-gift", gift, cwd=tmp_path)) == [
        f"{gift}:3: expected }} to close the answers opened here (a blank line ends a question)",
        f"{gift}:5: no right answer: mark it =, or give the right ones weights ~%50%",
    ]


def test_import_gift_refuses_a_question_the_quiz_block_cannot_hold(tmp_path: Path) -> None:
    gift = tmp_path / "bank.gift"
    gift.write_text("Fine {T}\n\nPick one:\na) the first\n{=yes ~no}\n", encoding="utf-8")
    lines = refused(run_quiz("import-gift", gift, cwd=tmp_path))
    assert lines == [
        f"{gift}:3: this question cannot become a quiz block: expected choice b) here, found a)"
    ]


@pytest.mark.parametrize("command", ["import-gift", "export-gift", "dump"])
def test_a_file_that_is_not_utf8_is_one_line(tmp_path: Path, command: str) -> None:
    path = tmp_path / ("bank.gift" if command == "import-gift" else "01-m.md")
    path.write_bytes("Qui a écrit ? {=Hugo ~Zola}\n".encode("latin-1"))
    assert refused(run_quiz(command, path, cwd=tmp_path)) == [
        f"{path}:1: not UTF-8 (byte 6); save the file as UTF-8"
    ]


@pytest.mark.parametrize("command", ["import-gift", "export-gift", "dump"])
def test_a_missing_file_is_one_line(tmp_path: Path, command: str) -> None:
    path = tmp_path / "nowhere.gift"
    assert refused(run_quiz(command, path, cwd=tmp_path)) == [
        f"{path}:1: cannot read: No such file or directory"
    ]


# -- export-gift -----------------------------------------------------------------------------


def test_export_gift_writes_the_module_quiz_and_warns_what_gift_leaves_out(
    tmp_path: Path, module: Path
) -> None:
    result = run_quiz("export-gift", module, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    first = line_of(MODULE, "1. Which principle")
    assert result.stderr.splitlines() == [
        f"{module}:{QUIZ_LINE}: warning: GIFT has no quiz settings; they are left out",
        f"{module}:{first}: warning: question 1: GIFT has no points; left out",
        f"{module}:{first}: warning: question 1: GIFT has no feedback for right or wrong "
        "(+ and -); left out",
    ]
    assert result.stdout.startswith(
        "::Best interests::[markdown]Which principle asks what is best for the child? {\n"
        "\t~Non-discrimination#Equal treatment.\n"
        "\t=Best interests of the child\n"
        "}\n"
    )
    back = parse_gift(result.stdout)
    assert back.errors == [] and back.warnings == []
    quiz = syntax.parse(MODULE.split("```quiz\n")[1].split("```")[0]).quiz
    for question in quiz.questions:  # what GIFT cannot say, as the warnings told
        question.points, question.feedback.correct = 1.0, None
    assert [q.dump() for q in back.quiz.questions] == [q.dump() for q in quiz.questions]


def test_export_gift_names_the_file_line_of_a_quiz_problem(tmp_path: Path, module: Path) -> None:
    module.write_text(MODULE.replace("*b) 错", "b) 错"), encoding="utf-8")
    problem_line = line_of(MODULE, "a) 对")
    assert refused(run_quiz("export-gift", module, cwd=tmp_path)) == [
        f"{module}:{problem_line}: question 2 needs exactly one correct choice marked *, as in "
        "*b), found 0 (for several right answers use [*] boxes)"
    ]


def test_export_gift_without_a_quiz_is_an_error(tmp_path: Path, module: Path) -> None:
    module.write_text(MODULE.split("```quiz")[0], encoding="utf-8")
    assert refused(run_quiz("export-gift", module, cwd=tmp_path)) == [
        f"{module}:1: the module has no ```quiz block at its end"
    ]
    module.write_text(MODULE + "\nA last paragraph.\n", encoding="utf-8")
    assert refused(run_quiz("export-gift", module, cwd=tmp_path)) == [
        f"{module}:10: the ```quiz block must be the last thing in a module"
    ]


# -- dump ------------------------------------------------------------------------------------

QUESTION_KEYS = [
    "id",
    "name",
    "type",
    "text",
    "points",
    "feedback",
    "choices",
    "answer",
    "tolerance",
    "range",
    "graded",
    "pairs",
]


def test_dump_a_module_prints_every_field(tmp_path: Path, module: Path) -> None:
    result = run_quiz("dump", module, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    questions = json.loads(result.stdout)
    assert "志愿者" in result.stdout  # not \u escapes
    assert result.stdout.startswith('[\n  {\n    "id": "q1",\n')
    assert [list(q) for q in questions] == [QUESTION_KEYS] * 4
    first, second, numeric, matching = questions
    assert first == {
        "id": "q1",
        "name": "Best interests",
        "type": "single",
        "text": "Which principle asks what is best for the child?",
        "points": 2.0,
        "feedback": {"general": None, "correct": "Yes.", "incorrect": None},
        "choices": [
            {
                "id": "q1.a",
                "text": "Non-discrimination",
                "correct": False,
                "weight": 0.0,
                "feedback": "Equal treatment.",
            },
            {
                "id": "q1.b",
                "text": "Best interests of the child",
                "correct": True,
                "weight": 100.0,
                "feedback": None,
            },
        ],
        "answer": None,
        "tolerance": None,
        "range": None,
        "graded": [],
        "pairs": [],
    }
    assert second["type"] == "true_false"
    assert [c["text"] for c in second["choices"]] == ["对", "错"]
    assert (numeric["answer"], numeric["tolerance"], numeric["range"]) == (1989.0, 1.0, None)
    assert numeric["graded"] == [
        {"answer": None, "tolerance": None, "range": [1980.0, 1999.0], "weight": 50.0}
    ]
    assert matching["pairs"] == [
        {"left_id": "q4.l1", "left": "Article 12", "right_id": "q4.r1", "right": "heard"},
        {"left_id": "q4.l2", "left": "Article 31", "right_id": "q4.r2", "right": "play"},
    ]


def test_dump_a_gift_file(tmp_path: Path) -> None:
    result = run_quiz("dump", FIXTURE, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "warning: an essay question" in result.stderr
    questions = json.loads(result.stdout)
    expected = parse_gift(FIXTURE.read_text(encoding="utf-8")).quiz
    assert questions == [q.dump() for q in expected.questions]
    assert [list(q) for q in questions] == [QUESTION_KEYS] * len(questions)
    by_name = {q["name"]: q for q in questions}
    assert by_name["Ratified"]["graded"] == [
        {"answer": 1992.0, "tolerance": 1.0, "range": None, "weight": 50.0}
    ]
    assert by_name["Mentoring hours"]["range"] == [2.0, 4.0]


def test_dump_a_malformed_gift_file_is_an_error(tmp_path: Path) -> None:
    gift = tmp_path / "bank.txt"
    gift.write_text("// header\n\nWhich year? {#nineteen}\n", encoding="utf-8")
    assert refused(run_quiz("dump", gift, cwd=tmp_path)) == [
        f"{gift}:3: expected a number such as {{#3.5}}, {{#3.5:0.1}} or {{#3..4}}, found 'nineteen'"
    ]
