"""Checking and scoring answers (lms.quizzes.grading): ``check`` refuses every malformed
answer naming its question, and ``fraction``/``grade`` give the exact scores of the
scoring rules (docs/quiz-syntax.md)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from lms.quizzes.grading import (
    MAX_TEXT_ANSWER,
    AnswerProblem,
    AnswersRejected,
    Drawn,
    check,
    fraction,
    grade,
    with_answers_of,
)
from lms.quizzes.model import Quiz
from lms.quizzes.syntax import parse
from tests.quizzes.test_syntax import ENGLISH

ALL_KINDS = """\
1. Single, with a half-right and a negative choice
*a) Right
b) %50% Half
c) %-50% Below
d) Wrong

2. Boxes without weights
[*] a
[*] b
[ ] c
[ ] d

3. Boxes with weights
[*] %60% a
[*] %40% b
[ ] %-100% c
[ ] %0% d

4. True or false
a) True
*b) False

5. Short
* Committee on the Rights of the Child
* %50% The Committee

6. Number
= 27 +- 0.5
= %50% [25, 29]
= %25% 100

7. Match
a -> 1
b -> 2
c -> 3
d -> 4
"""

RIGHT: dict[str, Any] = {
    "q1": "q1.a",
    "q2": ["q2.b", "q2.a"],
    "q3": ["q3.a", "q3.b"],
    "q4": "q4.b",
    "q5": "  Committee on the Rights of the Child ",
    "q6": 27,
    "q7": {"q7.l4": "q7.r4", "q7.l1": "q7.r1", "q7.l2": "q7.r2", "q7.l3": "q7.r3"},
}


def read(text: str) -> Quiz:
    parsed = parse(text)
    assert parsed.problems == []
    return parsed.quiz


def everything(quiz: Quiz) -> list[Drawn]:
    return [Drawn(q.id) for q in quiz.questions]


@pytest.fixture
def quiz() -> Quiz:
    return read(ALL_KINDS)


def rejected(quiz: Quiz, answers: Any, draw: list[Drawn] | None = None) -> list[AnswerProblem]:
    with pytest.raises(AnswersRejected) as caught:
        check(quiz, everything(quiz) if draw is None else draw, answers)
    return caught.value.problems


def with_answer(question_id: str, answer: Any) -> dict[str, Any]:
    return {**RIGHT, question_id: answer}


# -- check: good answers --------------------------------------------------------------------


def test_good_answers_come_back_canonical(quiz: Quiz) -> None:
    clean = check(quiz, everything(quiz), RIGHT)
    assert clean == {
        "q1": "q1.a",
        "q2": ["q2.a", "q2.b"],  # sorted
        "q3": ["q3.a", "q3.b"],
        "q4": "q4.b",
        "q5": "Committee on the Rights of the Child",  # stripped
        "q6": 27.0,
        "q7": {"q7.l1": "q7.r1", "q7.l2": "q7.r2", "q7.l3": "q7.r3", "q7.l4": "q7.r4"},
    }
    assert isinstance(clean["q6"], float)
    assert list(clean["q7"]) == ["q7.l1", "q7.l2", "q7.l3", "q7.l4"]


@pytest.mark.parametrize("number", [0, 0.0, -3, 1e300, 26.75])
def test_any_finite_number_is_an_answer(quiz: Quiz, number: float) -> None:
    assert check(quiz, everything(quiz), with_answer("q6", number))["q6"] == float(number)


def test_a_text_answer_may_be_500_characters(quiz: Quiz) -> None:
    text = "x" * MAX_TEXT_ANSWER
    assert check(quiz, everything(quiz), with_answer("q5", text))["q5"] == text


def test_only_the_drawn_questions_are_answered(quiz: Quiz) -> None:
    draw = [Drawn("q2"), Drawn("q6")]
    assert check(quiz, draw, {"q2": ["q2.c"], "q6": 1}) == {"q2": ["q2.c"], "q6": 1.0}


def test_matching_may_send_two_lefts_to_one_right(quiz: Quiz) -> None:
    """Each left needs an answer; a right may be used twice (and scores once at most)."""
    same = {"q7.l1": "q7.r1", "q7.l2": "q7.r1", "q7.l3": "q7.r1", "q7.l4": "q7.r1"}
    assert check(quiz, everything(quiz), with_answer("q7", same))["q7"] == same


# -- check: bad answers ---------------------------------------------------------------------


@pytest.mark.parametrize("answers", [[], ["q1.a"], "q1.a", None, 5])
def test_answers_must_be_an_object(quiz: Quiz, answers: Any) -> None:
    assert rejected(quiz, answers) == [
        AnswerProblem(None, "Answers must be an object keyed by question id.")
    ]


@pytest.mark.parametrize(
    ("question", "answer", "message"),
    [
        # single choice
        ("q1", ["q1.a"], "Expected one choice id, such as q1.a."),
        ("q1", 1, "Expected one choice id, such as q1.a."),
        ("q1", "q2.a", "q2.a is not a choice of this question."),
        ("q1", "q1.e", "q1.e is not a choice of this question."),
        ("q1", "a", "a is not a choice of this question."),
        # true/false
        ("q4", True, "Expected one choice id, such as q4.a."),
        ("q4", "True", "True is not a choice of this question."),
        ("q4", "q1.a", "q1.a is not a choice of this question."),
        # multiple answers
        ("q2", "q2.a", "Expected a list of choice ids."),
        ("q2", ["q2.a", 2], "Expected a list of choice ids."),
        ("q2", {"q2.a": True}, "Expected a list of choice ids."),
        ("q2", ["q2.a", "q2.a"], "A choice is ticked twice."),
        ("q2", ["q2.a", "q3.b"], "q3.b is not a choice of this question."),
        # short answer
        ("q5", 42, "Expected a text answer."),
        ("q5", ["Committee"], "Expected a text answer."),
        ("q5", "   \t ", "The answer is empty."),
        ("q5", "x" * (MAX_TEXT_ANSWER + 1), "An answer has at most 500 characters."),
        # numeric
        ("q6", "27", "Expected a number."),
        ("q6", True, "Expected a number."),
        ("q6", False, "Expected a number."),
        ("q6", [27], "Expected a number."),
        ("q6", math.nan, "Expected a finite number."),
        ("q6", math.inf, "Expected a finite number."),
        ("q6", -math.inf, "Expected a finite number."),
        # matching
        ("q7", ["q7.r1"], "Expected an object matching each left id to a right id."),
        ("q7", "q7.r1", "Expected an object matching each left id to a right id."),
        (
            "q7",
            {"q7.l1": 1, "q7.l2": "q7.r2", "q7.l3": "q7.r3", "q7.l4": "q7.r4"},
            "Expected an object matching each left id to a right id.",
        ),
        (
            "q7",
            {"q7.l1": "q7.r1", "q7.l2": "q7.r2", "q7.l3": "q7.r3"},
            "Match each of q7.l1, q7.l2, q7.l3, q7.l4 exactly once (not q7.l4).",
        ),
        (
            "q7",
            {"q7.l1": "q7.r1", "q7.l2": "q7.r2", "q7.l3": "q7.r3", "q7.l4": "q7.r4", "q6.l9": "x"},
            "Match each of q7.l1, q7.l2, q7.l3, q7.l4 exactly once (not q6.l9).",
        ),
        (
            "q7",
            {"q7.l1": "q7.r1", "q7.l2": "q7.r2", "q7.l3": "q7.r3", "q7.l4": "q7.r9"},
            "q7.r9 is not a right-hand item of this question.",
        ),
        (
            "q7",
            {"q7.l1": "q7.l2", "q7.l2": "q7.r2", "q7.l3": "q7.r3", "q7.l4": "q7.r4"},
            "q7.l2 is not a right-hand item of this question.",
        ),
    ],
)
def test_a_bad_answer_is_refused_naming_its_question(
    quiz: Quiz, question: str, answer: Any, message: str
) -> None:
    assert rejected(quiz, with_answer(question, answer)) == [AnswerProblem(question, message)]


@pytest.mark.parametrize("empty", [None, "", [], {}])
@pytest.mark.parametrize("question", ["q1", "q2", "q5", "q7"])
def test_an_empty_answer_is_a_missing_one(quiz: Quiz, question: str, empty: Any) -> None:
    assert rejected(quiz, with_answer(question, empty)) == [
        AnswerProblem(question, f"{question} has no answer.")
    ]


def test_a_left_out_answer_is_a_missing_one(quiz: Quiz) -> None:
    answers = {key: value for key, value in RIGHT.items() if key != "q6"}
    assert rejected(quiz, answers) == [AnswerProblem("q6", "q6 has no answer.")]


def test_an_unknown_question_is_refused(quiz: Quiz) -> None:
    assert rejected(quiz, {**RIGHT, "q8": "q8.a"}) == [
        AnswerProblem("q8", "q8 is not a question of this attempt.")
    ]


def test_a_question_left_out_of_the_draw_is_not_one_of_this_attempt(quiz: Quiz) -> None:
    problems = rejected(quiz, {"q1": "q1.a", "q2": ["q2.a"]}, draw=[Drawn("q1")])
    assert problems == [AnswerProblem("q2", "q2 is not a question of this attempt.")]


def test_long_ids_are_cut_to_40_characters(quiz: Quiz) -> None:
    long = "z" * 100
    problems = rejected(quiz, {**RIGHT, long: 1, "q1": long})
    assert problems == [
        AnswerProblem("z" * 40, f"{'z' * 40} is not a question of this attempt."),
        AnswerProblem("q1", f"{'z' * 40} is not a choice of this question."),
    ]


def test_every_problem_is_named_at_once(quiz: Quiz) -> None:
    with pytest.raises(AnswersRejected) as caught:
        check(quiz, everything(quiz), {"q0": 1, "q1": 2, "q6": "x"})
    problems = caught.value.problems
    assert [p.question for p in problems] == ["q0", "q1", "q2", "q3", "q4", "q5", "q6", "q7"]
    assert problems[1] == AnswerProblem("q1", "Expected one choice id, such as q1.a.")
    assert str(caught.value).startswith(
        "q0 is not a question of this attempt.; Expected one choice id, such as q1.a.; "
        "q2 has no answer."
    )


def test_an_integer_too_big_for_a_float_is_refused(quiz: Quiz) -> None:
    answers = json.loads(json.dumps(RIGHT)[:-1] + ', "q6": 1' + "0" * 400 + "}")
    assert rejected(quiz, answers) == [AnswerProblem("q6", "Expected a finite number.")]


# -- fraction: the scoring rules ------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        # single choice: the chosen choice's weight; never below 0
        ("q1", "q1.a", 1.0),
        ("q1", "q1.b", 0.5),
        ("q1", "q1.c", 0.0),  # -50% floored
        ("q1", "q1.d", 0.0),
        # true/false
        ("q4", "q4.b", 1.0),
        ("q4", "q4.a", 0.0),
        # boxes without weights, k = 2: +1/2 per right box, -1/2 per wrong one, floored
        ("q2", ["q2.a", "q2.b"], 1.0),
        ("q2", ["q2.a"], 0.5),
        ("q2", ["q2.a", "q2.b", "q2.c"], 0.5),
        ("q2", ["q2.a", "q2.c"], 0.0),
        ("q2", ["q2.a", "q2.b", "q2.c", "q2.d"], 0.0),
        ("q2", ["q2.c"], 0.0),  # -50% floored
        ("q2", ["q2.c", "q2.d"], 0.0),  # -100% floored
        # weighted boxes: the sum of the ticked weights
        ("q3", ["q3.a", "q3.b"], 1.0),
        ("q3", ["q3.a"], 0.6),
        ("q3", ["q3.b"], 0.4),
        ("q3", ["q3.a", "q3.d"], 0.6),
        ("q3", ["q3.a", "q3.b", "q3.d"], 1.0),
        ("q3", ["q3.a", "q3.b", "q3.c"], 0.0),
        ("q3", ["q3.b", "q3.c", "q3.d"], 0.0),
        # short: ignoring case, spaces and full-width letters; a weighted answer is partial
        ("q5", "Committee on the Rights of the Child", 1.0),
        ("q5", "committee ON THE rights of the child", 1.0),
        ("q5", "  Committee   on the Rights\tof the Child ", 1.0),
        ("q5", "ＣＯＭＭＩＴＴＥＥ ｏｎ ｔｈｅ Ｒｉｇｈｔｓ ｏｆ ｔｈｅ Ｃｈｉｌｄ", 1.0),
        ("q5", "Committee\u3000on the Rights of the Child", 1.0),
        ("q5", "the committee", 0.5),
        ("q5", "Committee", 0.0),
        ("q5", "Committee on the Rights of Children", 0.0),
        # numbers: tolerance, then range and other answers for partial credit
        ("q6", 27.0, 1.0),
        ("q6", 26.5, 1.0),
        ("q6", 27.5, 1.0),
        ("q6", 27.51, 0.5),
        ("q6", 25.0, 0.5),
        ("q6", 29.0, 0.5),
        ("q6", 24.99, 0.0),
        ("q6", 29.01, 0.0),
        ("q6", 100.0, 0.25),
        ("q6", -27.0, 0.0),
        # matching: the share of pairs right
        ("q7", {"q7.l1": "q7.r1", "q7.l2": "q7.r2", "q7.l3": "q7.r3", "q7.l4": "q7.r4"}, 1.0),
        ("q7", {"q7.l1": "q7.r1", "q7.l2": "q7.r2", "q7.l3": "q7.r4", "q7.l4": "q7.r3"}, 0.5),
        ("q7", {"q7.l1": "q7.r1", "q7.l2": "q7.r3", "q7.l3": "q7.r4", "q7.l4": "q7.r2"}, 0.25),
        ("q7", {"q7.l1": "q7.r1", "q7.l2": "q7.r1", "q7.l3": "q7.r1", "q7.l4": "q7.r1"}, 0.25),
        ("q7", {"q7.l1": "q7.r2", "q7.l2": "q7.r1", "q7.l3": "q7.r4", "q7.l4": "q7.r3"}, 0.0),
    ],
)
def test_fraction_follows_the_scoring_rules(
    quiz: Quiz, question: str, answer: Any, expected: float
) -> None:
    found = quiz.question(question)
    assert found is not None
    assert fraction(found, answer) == pytest.approx(expected)


def test_three_plain_boxes_score_thirds() -> None:
    question = read("1. Q\n[*] a\n[*] b\n[*] c\n[ ] d\n").questions[0]
    assert fraction(question, ["q1.a"]) == pytest.approx(1 / 3)
    assert fraction(question, ["q1.a", "q1.b"]) == pytest.approx(2 / 3)
    assert fraction(question, ["q1.a", "q1.b", "q1.d"]) == pytest.approx(1 / 3)
    assert fraction(question, ["q1.a", "q1.d"]) == 0.0


def test_a_range_as_the_full_answer_includes_its_ends() -> None:
    question = read("1. Q\n= [1.2, 1.8]\n").questions[0]
    assert [fraction(question, x) for x in (1.2, 1.5, 1.8, 1.19, 1.81)] == [1, 1, 1, 0, 0]


def test_an_exact_number_without_tolerance() -> None:
    question = read("1. Q\n= 2.5\n").questions[0]
    assert fraction(question, 2.5) == 1.0
    assert fraction(question, 2.5 + 1e-12) == 1.0  # float noise is forgiven
    assert fraction(question, 2.51) == 0.0


def test_the_best_matching_short_answer_counts() -> None:
    question = read("1. Q\n* %50% Committee\n* committee\n").questions[0]
    assert fraction(question, "COMMITTEE") == 1.0


# -- grade: the attempt's score -------------------------------------------------------------

POINTS = """\
Points: 3
1. Three points
*a) Right
b) %50% Half

2. One point
*a) Right
b) Wrong

Points: 4
3. Four points
= 10
"""


def test_the_score_is_the_points_weighted_percentage() -> None:
    quiz = read(POINTS)
    answers = {"q1": "q1.b", "q2": "q2.a", "q3": 11.0}
    result = grade(quiz, everything(quiz), answers)
    assert result.fractions == {"q1": 0.5, "q2": 1.0, "q3": 0.0}
    assert result.score == 100 * (3 * 0.5 + 1) / 8  # 31.25
    assert result.score == 31.25


def test_the_score_is_not_rounded() -> None:
    quiz = read(POINTS.replace("Points: 4", "Points: 2"))
    result = grade(quiz, everything(quiz), {"q1": "q1.a", "q2": "q2.b", "q3": 10.0})
    assert result.score == 100 * 5 / 6
    assert 83.33 < result.score < 83.34


def test_only_the_drawn_questions_count() -> None:
    quiz = read(POINTS)
    result = grade(quiz, [Drawn("q3"), Drawn("q2")], {"q2": "q2.b", "q3": 10.0})
    assert list(result.fractions) == ["q3", "q2"]
    assert result.score == 80.0  # 4 of 5 points


def test_all_right_is_100_and_all_wrong_is_0(quiz: Quiz) -> None:
    draw = everything(quiz)
    assert grade(quiz, draw, check(quiz, draw, RIGHT)).score == 100.0
    wrong = {
        "q1": "q1.c",
        "q2": ["q2.c", "q2.d"],
        "q3": ["q3.c"],
        "q4": "q4.a",
        "q5": "no",
        "q6": 0,
        "q7": {"q7.l1": "q7.r2", "q7.l2": "q7.r1", "q7.l3": "q7.r4", "q7.l4": "q7.r3"},
    }
    result = grade(quiz, draw, check(quiz, draw, wrong))
    assert result.score == 0.0
    assert set(result.fractions.values()) == {0.0}


def test_an_empty_draw_scores_0(quiz: Quiz) -> None:
    assert grade(quiz, [], {}).score == 0.0


def test_the_guide_s_worked_attempt() -> None:
    """docs/quiz-syntax.md: five questions drawn, 5 of 7 points, 71.43 ≥ 70, passed."""
    quiz = read(ENGLISH)
    draw = [Drawn(f"q{n}") for n in range(1, 6)]
    answers = {
        "q1": "q1.c",
        "q2": ["q2.a", "q2.b"],
        "q3": "q3.b",
        "q4": "committee on the rights of the child",
        "q5": 26,
    }
    result = grade(quiz, draw, check(quiz, draw, answers))
    assert result.fractions == {"q1": 0.5, "q2": 1.0, "q3": 1.0, "q4": 1.0, "q5": 0.5}
    assert result.score == pytest.approx(500 / 7)
    assert result.score >= quiz.settings.pass_mark


# -- with_answers_of: short answers of the other languages ----------------------------------

ENGLISH_SHORT = """\
1. Which body?
* Committee on the Rights of the Child
* %50% The Committee

2. Pick one
*a) Right
b) Wrong
"""
CHINESE_SHORT = """\
1. 哪个机构？
* 儿童权利委员会
* %50% 委员会
* ＣＯＭＭＩＴＴＥＥ on the rights of the child

2. 选一个
*a) 对的
b) 不对
"""


def test_short_questions_accept_the_other_language_s_answers() -> None:
    english, chinese = read(ENGLISH_SHORT), read(CHINESE_SHORT)
    single_before = list(english.questions[1].choices)
    merged = with_answers_of(english, [chinese])
    assert merged is english
    short = merged.questions[0]
    assert [(c.id, c.text, c.correct, c.weight) for c in short.choices] == [
        ("q1.a", "Committee on the Rights of the Child", True, 100.0),
        ("q1.b", "The Committee", True, 50.0),
        ("q1.x2", "儿童权利委员会", True, 100.0),
        ("q1.x3", "委员会", True, 50.0),
    ]  # the full-width English answer was already there
    assert fraction(short, "儿童权利委员会") == 1.0
    assert fraction(short, " 委员会 ") == 0.5
    assert fraction(short, "Committee on the Rights of the Child") == 1.0
    assert fraction(short, "儿童 权利委员会") == 0.0  # a space inside counts
    assert fraction(short, "儿童权利委员会。") == 0.0  # and so does a full stop
    assert merged.questions[1].choices == single_before


def test_other_languages_add_to_one_another_not_to_themselves() -> None:
    english = read(ENGLISH_SHORT)
    chinese = read(CHINESE_SHORT)
    merged = with_answers_of(english, [chinese, read(CHINESE_SHORT)])
    assert len(merged.questions[0].choices) == 4
    assert chinese.questions[0].choices[0].id == "q1.a"  # the other quiz is left alone
    assert len(chinese.questions[0].choices) == 3


def test_a_question_of_another_kind_in_the_other_language_adds_nothing() -> None:
    english = read(ENGLISH_SHORT)
    numeric = read("1. Q\n= 3\n")
    assert len(with_answers_of(english, [numeric]).questions[0].choices) == 2
    assert len(with_answers_of(read(ENGLISH_SHORT), [Quiz()]).questions[0].choices) == 2


# -- the draw's JSON ------------------------------------------------------------------------


def test_a_draw_survives_its_json() -> None:
    drawn = Drawn("q7", (), ("q7.l1", "q7.l2"), ("q7.r2", "q7.r1"))
    assert drawn.to_json() == {
        "id": "q7",
        "choices": [],
        "left": ["q7.l1", "q7.l2"],
        "right": ["q7.r2", "q7.r1"],
    }
    assert Drawn.from_json(json.loads(json.dumps(drawn.to_json()))) == drawn
