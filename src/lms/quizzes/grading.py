"""Checking a learner's answers and scoring them, on the server only.

Single choice and true/false score the chosen choice's weight (100 for the correct one).
Multiple answers score the sum of the ticked boxes' weights (without written weights the
parser gives each correct box +100/k and each wrong one -100/k, k correct boxes). Short
answers, numbers and matching score full, weighted partial or nothing (matching: the share
of pairs right). A question never scores below 0; the attempt's score is the
points-weighted percentage, compared with the pass mark unrounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from lms.i18n import gettext as _
from lms.quizzes.model import (
    MATCHING,
    MULTIPLE,
    NUMERIC,
    SHORT,
    SINGLE,
    TRUE_FALSE,
    Choice,
    Question,
    Quiz,
)
from lms.quizzes.syntax import normalise

MAX_TEXT_ANSWER = 500


@dataclass(frozen=True)
class AnswerProblem:
    question: str | None
    message: str


class AnswersRejected(Exception):
    """Malformed answers: nothing is recorded and the attempt stays open."""

    def __init__(self, problems: list[AnswerProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Drawn:
    """A question as one attempt serves it: which, and in what order its parts came."""

    id: str
    choices: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    right: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "choices": list(self.choices),
            "left": list(self.left),
            "right": list(self.right),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Drawn:
        return cls(
            id=data["id"],
            choices=tuple(data["choices"]),
            left=tuple(data["left"]),
            right=tuple(data["right"]),
        )


@dataclass(frozen=True)
class Graded:
    score: float  # 0-100, unrounded
    fractions: dict[str, float]  # per question, 0-1


def check(quiz: Quiz, draw: list[Drawn], answers: Any) -> dict[str, Any]:
    """The answers in their canonical form, or AnswersRejected naming every problem:
    an id that is not a question of this attempt, a choice of another question, a missing
    answer or one of the wrong type."""
    if not isinstance(answers, dict):
        raise AnswersRejected(
            [AnswerProblem(None, _("Answers must be an object keyed by question id."))]
        )
    problems: list[AnswerProblem] = []
    drawn = {d.id for d in draw}
    for key in answers:
        if key not in drawn:
            problems.append(
                AnswerProblem(
                    str(key)[:40],
                    _("%(id)s is not a question of this attempt.") % {"id": str(key)[:40]},
                )
            )
    clean: dict[str, Any] = {}
    for served in draw:
        question = quiz.question(served.id)
        if question is None:  # the draw was made from this revision: cannot happen
            raise LookupError(served.id)
        if served.id not in answers or answers[served.id] in (None, "", [], {}):
            problems.append(
                AnswerProblem(served.id, _("%(id)s has no answer.") % {"id": served.id})
            )
            continue
        try:
            clean[served.id] = _canonical(question, answers[served.id])
        except ValueError as error:
            problems.append(AnswerProblem(served.id, str(error)))
    if problems:
        raise AnswersRejected(problems)
    return clean


def _canonical(question: Question, answer: Any) -> Any:
    ids = {choice.id for choice in question.choices}
    if question.type in (SINGLE, TRUE_FALSE):
        if not isinstance(answer, str):
            raise ValueError(
                _("Expected one choice id, such as %(id)s.") % {"id": f"{question.id}.a"}
            )
        if answer not in ids:
            raise ValueError(
                _("%(choice)s is not a choice of this question.") % {"choice": answer[:40]}
            )
        return answer
    if question.type == MULTIPLE:
        if not isinstance(answer, list) or not all(isinstance(a, str) for a in answer):
            raise ValueError(_("Expected a list of choice ids."))
        if len(set(answer)) != len(answer):
            raise ValueError(_("A choice is ticked twice."))
        strangers = [a for a in answer if a not in ids]
        if strangers:
            raise ValueError(
                _("%(choice)s is not a choice of this question.") % {"choice": strangers[0][:40]}
            )
        return sorted(answer)
    if question.type == SHORT:
        if not isinstance(answer, str):
            raise ValueError(_("Expected a text answer."))
        if not answer.strip():
            raise ValueError(_("The answer is empty."))
        if len(answer) > MAX_TEXT_ANSWER:
            raise ValueError(_("An answer has at most %(n)s characters.") % {"n": MAX_TEXT_ANSWER})
        return answer.strip()
    if question.type == NUMERIC:
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            raise ValueError(_("Expected a number."))
        try:
            finite = math.isfinite(answer)
        except OverflowError:  # an integer beyond any float
            finite = False
        if not finite:
            raise ValueError(_("Expected a finite number."))
        return float(answer)
    if question.type == MATCHING:
        lefts = {pair.left_id for pair in question.pairs}
        rights = {pair.right_id for pair in question.pairs}
        if not isinstance(answer, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in answer.items()
        ):
            raise ValueError(_("Expected an object matching each left id to a right id."))
        if set(answer) != lefts:
            missing = sorted(lefts - set(answer)) or sorted(set(answer) - lefts)
            raise ValueError(
                _("Match each of %(lefts)s exactly once (not %(id)s).")
                % {"lefts": ", ".join(sorted(lefts)), "id": missing[0][:40]}
            )
        strangers = [v for v in answer.values() if v not in rights]
        if strangers:
            raise ValueError(
                _("%(choice)s is not a right-hand item of this question.")
                % {"choice": strangers[0][:40]}
            )
        return dict(sorted(answer.items()))
    raise ValueError(question.type)


def fraction(question: Question, answer: Any) -> float:
    """What a checked answer earns of the question's points, 0-1."""
    if question.type in (SINGLE, TRUE_FALSE):
        choice = question.choice(answer)
        value = choice.weight / 100 if choice else 0.0
    elif question.type == MULTIPLE:
        value = sum(c.weight for c in question.choices if c.id in answer) / 100
    elif question.type == SHORT:
        given = normalise(answer)
        value = max(
            (c.weight / 100 for c in question.choices if normalise(c.text) == given), default=0.0
        )
    elif question.type == NUMERIC:
        value = max((g.weight / 100 for g in question.numeric if g.accepts(answer)), default=0.0)
    else:
        right = {pair.left_id: pair.right_id for pair in question.pairs}
        value = sum(answer.get(left) == target for left, target in right.items()) / len(right)
    return min(1.0, max(0.0, value))


def grade(quiz: Quiz, draw: list[Drawn], answers: dict[str, Any]) -> Graded:
    """Scores checked answers over the questions of this draw."""
    fractions: dict[str, float] = {}
    earned = total = 0.0
    for served in draw:
        question = quiz.question(served.id)
        assert question is not None
        fractions[served.id] = fraction(question, answers[served.id])
        earned += question.points * fractions[served.id]
        total += question.points
    return Graded(score=100 * earned / total if total else 0.0, fractions=fractions)


def with_answers_of(quiz: Quiz, others: list[Quiz]) -> Quiz:
    """``quiz`` whose short questions also accept the other languages' answers, so a
    learner who wrote 儿童权利委员会 on the English page is marked right."""
    for other in others:
        for question in quiz.questions:
            twin = other.question(question.id)
            if question.type != SHORT or twin is None or twin.type != SHORT:
                continue
            known = {normalise(c.text) for c in question.choices}
            for choice in twin.choices:
                if normalise(choice.text) not in known:
                    known.add(normalise(choice.text))
                    question.choices.append(
                        Choice(
                            id=f"{question.id}.{other_language_id(len(question.choices))}",
                            text=choice.text,
                            correct=True,
                            weight=choice.weight,
                        )
                    )
    return quiz


def other_language_id(index: int) -> str:
    return f"x{index}"
