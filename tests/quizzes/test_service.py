"""The draw of an attempt and when answers may be shown: rules the API tests reach only
through one fixture quiz."""

from __future__ import annotations

import pytest

from lms.quizzes.model import ShowAnswers
from lms.quizzes.service import Standing, answers_shown, draw
from lms.quizzes.syntax import parse

QUIZ = """pick: 2
shuffle answers: true

1. One
*a) a
b) b
c) c
d) d

2. Two
[*] a
[ ] b
[*] c

3. Three
* x

4. Four
A -> 1
B -> 2
C -> 3
D -> 4
"""


def test_pick_draws_that_many_questions_in_the_file_s_order() -> None:
    quiz = parse(QUIZ).quiz
    seen = set()
    for _ in range(60):
        ids = [d.id for d in draw(quiz)]
        assert len(ids) == 2 and ids == sorted(ids)
        seen.add(tuple(ids))
    assert len(seen) > 1  # not always the same two (6 pairs; 60 draws)


def test_shuffled_choices_and_matching_are_permutations_that_vary() -> None:
    quiz = parse(QUIZ.replace("pick: 2\n", "")).quiz
    orders, rights = set(), set()
    for _ in range(60):
        served = {d.id: d for d in draw(quiz)}
        assert sorted(served["q1"].choices) == ["q1.a", "q1.b", "q1.c", "q1.d"]
        assert served["q3"].choices == ()  # short answers are never served
        assert served["q4"].left == ("q4.l1", "q4.l2", "q4.l3", "q4.l4")
        assert sorted(served["q4"].right) == ["q4.r1", "q4.r2", "q4.r3", "q4.r4"]
        orders.add(served["q1"].choices)
        rights.add(served["q4"].right)
    assert len(orders) > 1 and len(rights) > 1


def test_without_shuffle_choices_keep_their_order_but_matching_is_shuffled() -> None:
    quiz = parse(QUIZ.replace("pick: 2\nshuffle answers: true\n", "")).quiz
    rights = set()
    for _ in range(60):
        served = {d.id: d for d in draw(quiz)}
        assert served["q1"].choices == ("q1.a", "q1.b", "q1.c", "q1.d")
        rights.add(served["q4"].right)
    assert len(rights) > 1  # otherwise the order would give the answer away


@pytest.mark.parametrize(
    ("rule", "state", "shown"),
    [
        (ShowAnswers.after_pass, Standing(passed=True), True),
        (ShowAnswers.after_pass, Standing(passed=False, attempts_left=0), False),
        (ShowAnswers.after_last_attempt, Standing(passed=True, attempts_left=1), False),
        (ShowAnswers.after_last_attempt, Standing(passed=False, attempts_left=0), True),
        (ShowAnswers.after_last_attempt, Standing(attempts_left=None), False),  # no limit
        (ShowAnswers.never, Standing(passed=True, attempts_left=0), False),
    ],
)
def test_when_answers_are_shown(rule: ShowAnswers, state: Standing, shown: bool) -> None:
    quiz = parse("1. Q\n*a) x\nb) y\n").quiz
    quiz.settings.show_answers = rule
    assert answers_shown(quiz, state) is shown
