"""A quiz as the parsers produce it and the database keeps it (as JSON, per revision and
language): settings and questions with positional ids (``q1``, ``q1.a``, ``q1.l1``).

The JSON of a question is the one ``lms quiz dump`` prints (see docs/quiz-syntax.md);
``html`` fields are added when a module is published, so a page never renders Markdown.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

SINGLE = "single"
MULTIPLE = "multiple"
TRUE_FALSE = "true_false"
SHORT = "short"
NUMERIC = "numeric"
MATCHING = "matching"
CHOICE_TYPES = (SINGLE, MULTIPLE, TRUE_FALSE)


class ShowAnswers(StrEnum):
    after_pass = "after pass"  # noqa: S105 (not a password)
    after_last_attempt = "after last attempt"
    never = "never"


DEFAULT_PASS_MARK = 60.0


@dataclass
class Settings:
    pass_mark: float = DEFAULT_PASS_MARK
    max_attempts: int | None = None  # None: as many as the learner likes
    shuffle_answers: bool = False
    pick: int | None = None  # draw this many questions per attempt; None: all
    show_answers: ShowAnswers = ShowAnswers.after_pass
    cool_down_minutes: int = 0  # wait after a failed attempt before the next


@dataclass
class Feedback:
    general: str | None = None
    correct: str | None = None
    incorrect: str | None = None


@dataclass
class Choice:
    """A choice (single, multiple, true/false) or an accepted answer (short)."""

    id: str
    text: str
    correct: bool
    weight: float  # percent of the question's points; negative only for multiple answers
    feedback: str | None = None
    html: str | None = None


@dataclass
class Graded:
    """A numeric answer: a value with a tolerance, or a range; worth ``weight`` percent."""

    answer: float | None
    tolerance: float | None
    range: tuple[float, float] | None
    weight: float

    def accepts(self, value: float) -> bool:
        if self.range is not None:
            low, high = self.range
            return low <= value <= high
        assert self.answer is not None
        return abs(value - self.answer) <= (self.tolerance or 0.0) + 1e-9


@dataclass
class Pair:
    left_id: str
    left: str
    right_id: str
    right: str
    left_html: str | None = None
    right_html: str | None = None


@dataclass
class Question:
    id: str
    type: str
    text: str
    line: int = 0  # in the file it came from; 0 when unknown
    name: str | None = None
    points: float = 1.0
    feedback: Feedback = field(default_factory=Feedback)
    choices: list[Choice] = field(default_factory=list)
    # numeric: the full-credit answer first, then the others with their weights
    numeric: list[Graded] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    html: str | None = None

    @property
    def main(self) -> Graded | None:
        return self.numeric[0] if self.numeric else None

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)

    def dump(self) -> dict[str, Any]:
        """The JSON of ``lms quiz dump`` (documented in docs/quiz-syntax.md)."""
        main = self.main
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "text": self.text,
            "points": self.points,
            "feedback": asdict(self.feedback),
            "choices": [
                {
                    "id": c.id,
                    "text": c.text,
                    "correct": c.correct,
                    "weight": c.weight,
                    "feedback": c.feedback,
                }
                for c in self.choices
            ],
            "answer": main.answer if main else None,
            "tolerance": main.tolerance if main else None,
            "range": list(main.range) if main and main.range else None,
            "graded": [
                {
                    "answer": g.answer,
                    "tolerance": g.tolerance,
                    "range": list(g.range) if g.range else None,
                    "weight": g.weight,
                }
                for g in self.numeric[1:]
            ],
            "pairs": [
                {"left_id": p.left_id, "left": p.left, "right_id": p.right_id, "right": p.right}
                for p in self.pairs
            ],
        }


@dataclass
class Quiz:
    settings: Settings = field(default_factory=Settings)
    questions: list[Question] = field(default_factory=list)

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def to_json(self) -> dict[str, Any]:
        """For the database: everything, the rendered HTML included."""
        return {
            "settings": {**asdict(self.settings), "show_answers": str(self.settings.show_answers)},
            "questions": [
                {
                    **asdict(q),
                    "numeric": [
                        {**asdict(g), "range": list(g.range) if g.range else None}
                        for g in q.numeric
                    ],
                }
                for q in self.questions
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Quiz:
        settings = dict(data["settings"])
        settings["show_answers"] = ShowAnswers(settings["show_answers"])
        questions = []
        for raw in data["questions"]:
            item = dict(raw)
            item["feedback"] = Feedback(**item["feedback"])
            item["choices"] = [Choice(**c) for c in item["choices"]]
            item["numeric"] = [
                Graded(**{**g, "range": tuple(g["range"]) if g["range"] else None})
                for g in item["numeric"]
            ]
            item["pairs"] = [Pair(**p) for p in item["pairs"]]
            questions.append(Question(**item))
        return cls(settings=Settings(**settings), questions=questions)
