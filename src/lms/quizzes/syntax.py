"""The quiz block: text2qti's plain-text convention, read and written.

::

    pass mark: 70
    max attempts: 3

    Title: Best interests
    Points: 2
    1. Which principle asks what is best for the child?
    ... General feedback, shown with the answers.
    + Shown when the answer is right.
    - Shown when it is wrong.
    a) Non-discrimination
    ... Feedback for this choice.
    *b) Best interests of the child
    c) %50% Participation (half credit)

Questions are numbered ``1.``; their kind comes from their answer lines: ``a)`` choices
(``*a)`` the correct one; True/False or 对/错 make a true/false question), ``[ ]`` and
``[*]`` boxes, ``*`` accepted short answers, ``=`` numbers (``= 1.5 +- 0.1``,
``= [1.2, 1.8]``), ``left -> right`` pairs. ``%50%`` right after a marker is a weight in
percent. Lines that are none of these continue whatever came before them, so a long
question or choice may wrap, indented or not. docs/quiz-syntax.md is the trainers' guide.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from lms.i18n import N_
from lms.i18n import gettext as _
from lms.quizzes.model import (
    MATCHING,
    MULTIPLE,
    NUMERIC,
    SHORT,
    SINGLE,
    TRUE_FALSE,
    Choice,
    Feedback,
    Graded,
    Pair,
    Question,
    Quiz,
    ShowAnswers,
)

MAX_QUESTIONS = 200
MAX_CHOICES = 26

QUESTION = re.compile(r"^(\d{1,3})[.．]\s*(.*)$")
TITLE = re.compile(r"^title\s*[:：]\s*(.*)$", re.IGNORECASE)
POINTS = re.compile(r"^points\s*[:：]\s*(.*)$", re.IGNORECASE)
CHOICE = re.compile(r"^(\*?)([a-zA-Z])\)\s*(.*)$")
BOX = re.compile(r"^\[( |\*)\]\s*(.*)$")
SHORT_ANSWER = re.compile(r"^\*(?:\s+(.*))?$")
NUMBER = re.compile(r"^=\s*(.*)$")
PAIR = re.compile(r"^(.*?\S)\s*->\s*(\S.*)$")
GENERAL = re.compile(r"^\.\.\.\s*(.*)$")
RIGHT = re.compile(r"^\+\s+(.*)$")
WRONG = re.compile(r"^-\s+(.*)$")
WEIGHT = re.compile(r"^%\s*(-?\d+(?:\.\d+)?)\s*%\s*")
SETTING = re.compile(r"^([a-zA-Z][a-zA-Z _-]*?)\s*[:：]\s*(.*)$")
NUMBER_VALUE = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
TOLERANCE = re.compile(rf"^({NUMBER_VALUE})\s*(?:(?:\+-|±|\+/-)\s*({NUMBER_VALUE}))?$")
RANGE = re.compile(rf"^\[\s*({NUMBER_VALUE})\s*[,，]\s*({NUMBER_VALUE})\s*\]$")

TRUE_WORDS = {"true", "对", "正确", "是"}
FALSE_WORDS = {"false", "错", "错误", "否"}
SETTINGS = ("pass mark", "max attempts", "shuffle answers", "pick", "show answers", "cool-down")
# What an answer line or a question is called in a message; the identifiers stay in code.
ITEM_NAMES = {
    "choice": N_("choice"),
    "box": N_("box"),
    "short": N_("short"),
    "number": N_("number"),
    "pair": N_("pair"),
}
TYPE_NAMES = {
    SINGLE: N_("single"),
    MULTIPLE: N_("multiple"),
    TRUE_FALSE: N_("true_false"),
    SHORT: N_("short"),
    NUMERIC: N_("numeric"),
    MATCHING: N_("matching"),
}


def kinds() -> str:
    """The kinds of answer line, as messages name them (in the current language)."""
    return _("a) choices, [ ] boxes, * answers, = numbers or left -> right pairs")


def letter(index: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[index]


def normalise(text: str) -> str:
    """Short answers match ignoring case, surrounding spaces, runs of spaces and
    full-width/half-width differences (NFKC folds ＡＢＣ and １２ to ABC and 12)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass
class Item:
    """An answer line as read, before the question knows its kind."""

    kind: str  # choice, box, short, number, pair
    line: int
    text: str
    correct: bool = False
    weight: float | None = None
    letter: str = ""
    feedback: list[str] = field(default_factory=list)
    right: str = ""

    def add(self, text: str) -> None:
        """A wrapped line of the choice or answer."""
        self.text = f"{self.text}\n{text}" if self.text else text


@dataclass
class Draft:
    number_line: int
    text: list[str]
    name: str | None = None
    points: float = 1.0
    general: list[str] | None = None
    correct: list[str] | None = None
    incorrect: list[str] | None = None
    items: list[Item] = field(default_factory=list)
    target: Callable[[str], None] | None = None  # where a plain line goes on


@dataclass
class Parsed:
    quiz: Quiz
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def parse(text: str, first_line: int = 1) -> Parsed:
    """Reads a quiz block; ``first_line`` is the file line of its first line, so problems
    name lines of the file. Never raises on bad input: every problem is reported."""
    parser = _Parser(first_line)
    parser.read(text)
    return Parsed(quiz=parser.quiz, problems=parser.problems)


class _Parser:
    def __init__(self, first_line: int) -> None:
        self.first_line = first_line
        self.quiz = Quiz()
        self.problems: list[tuple[int, str]] = []
        self.draft: Draft | None = None
        self.pending_name: tuple[int, str] | None = None
        self.pending_points: tuple[int, float] | None = None
        self.seen_settings: set[str] = set()
        self.pick_line = 0
        self.started = 0  # questions begun in the file, refused ones included

    def problem(self, line: int, message: str) -> None:
        self.problems.append((line, message))

    def read(self, text: str) -> None:
        for offset, raw in enumerate(text.splitlines()):
            self.read_line(self.first_line + offset, raw.strip())
        self.finish_question()
        for pending in (self.pending_name, self.pending_points):
            if pending is not None:
                self.problem(pending[0], _("Title: and Points: go right before a question '1. …'"))
        if not self.quiz.questions and not self.problems:
            self.problem(self.first_line, _("the quiz has no questions: expected 1. a question"))
        pick = self.quiz.settings.pick
        if pick is not None and self.quiz.questions and pick > len(self.quiz.questions):
            self.problem(
                self.pick_line,
                _("pick: %(pick)s is more than the %(count)s questions there are")
                % {"pick": pick, "count": len(self.quiz.questions)},
            )

    def read_line(self, line: int, text: str) -> None:
        if not text:
            draft = self.draft
            if draft is not None and not draft.items and draft.target == draft.text.append:
                draft.text.append("")  # a paragraph break in the question
            elif draft is not None:
                draft.target = None
            return
        if (found := QUESTION.match(text)) is not None:
            self.start_question(line, found.group(2))
            return
        if (found := TITLE.match(text)) is not None and self.at_question_boundary():
            self.finish_question()
            self.pending_name = (line, found.group(1).strip())
            return
        if (found := POINTS.match(text)) is not None:
            self.read_points(line, found.group(1).strip())
            return
        if self.draft is None:
            self.read_setting(line, text)
            return
        self.read_answer_line(line, text)

    def at_question_boundary(self) -> bool:
        return self.draft is None or bool(self.draft.items)

    def start_question(self, line: int, text: str) -> None:
        self.finish_question()
        self.started += 1
        self.draft = Draft(number_line=line, text=[text] if text else [])
        self.draft.target = self.draft.text.append
        if self.pending_name is not None:
            self.draft.name = self.pending_name[1]
            self.pending_name = None
        if self.pending_points is not None:
            self.draft.points = self.pending_points[1]
            self.pending_points = None

    def read_points(self, line: int, value: str) -> None:
        try:
            points = float(value)
        except ValueError:
            points = math.nan
        if not math.isfinite(points) or points <= 0 or points > 1000:
            self.problem(
                line,
                _("Points: expected a number above 0, found %(found)s") % {"found": repr(value)},
            )
            return
        if self.draft is not None and not self.draft.items:
            self.draft.points = points
        else:
            self.finish_question()
            self.pending_points = (line, points)

    # -- settings -------------------------------------------------------------------------

    def read_setting(self, line: int, text: str) -> None:
        found = SETTING.match(text)
        if found is None:
            self.problem(
                line,
                _("expected a setting such as 'pass mark: 60' or the first question, '1. …'"),
            )
            return
        key = " ".join(found.group(1).lower().replace("_", " ").split())
        key = "cool-down" if key in ("cool down", "cooldown") else key
        value = found.group(2).strip()
        if key not in SETTINGS:
            self.problem(
                line,
                _("unknown setting %(key)s: expected one of %(settings)s")
                % {"key": repr(key), "settings": ", ".join(SETTINGS)},
            )
            return
        if key in self.seen_settings:
            self.problem(line, _("%(key)s is set twice") % {"key": key})
            return
        self.seen_settings.add(key)
        settings = self.quiz.settings
        if key == "pass mark":
            mark = _number(value.rstrip("%"))
            if mark is None or not 0 <= mark <= 100:
                self.problem(
                    line,
                    _("pass mark: expected a number from 0 to 100, found %(found)s")
                    % {"found": repr(value)},
                )
            else:
                settings.pass_mark = mark
        elif key in ("max attempts", "pick", "cool-down"):
            lowest = 0 if key == "cool-down" else 1
            amount = value.removesuffix("minutes").removesuffix("min").strip()
            if not amount.isdigit() or not lowest <= int(amount) <= 10_000:
                self.problem(
                    line,
                    _("%(key)s: expected a whole number of %(lowest)s or more")
                    % {"key": key, "lowest": lowest},
                )
            elif key == "max attempts":
                settings.max_attempts = int(amount)
            elif key == "pick":
                settings.pick, self.pick_line = int(amount), line
            else:
                settings.cool_down_minutes = int(amount)
        elif key == "shuffle answers":
            if value.lower() not in ("true", "false", "yes", "no"):
                self.problem(
                    line,
                    _("shuffle answers: expected true or false, found %(found)s")
                    % {"found": repr(value)},
                )
            else:
                settings.shuffle_answers = value.lower() in ("true", "yes")
        else:
            try:
                settings.show_answers = ShowAnswers(" ".join(value.lower().split()))
            except ValueError:
                choices = " | ".join(s.value for s in ShowAnswers)
                self.problem(
                    line,
                    _("show answers: expected %(choices)s, found %(found)s")
                    % {"choices": choices, "found": repr(value)},
                )

    # -- a question's lines ---------------------------------------------------------------

    def read_answer_line(self, line: int, text: str) -> None:
        draft = self.draft
        assert draft is not None
        if (found := GENERAL.match(text)) is not None:
            last = draft.items[-1] if draft.items else None
            if last is not None and last.kind in ("choice", "box", "short"):
                last.feedback.append(found.group(1))  # a second '...' line adds to it
                draft.target = last.feedback.append
            else:
                draft.general = [*(draft.general or []), found.group(1)]
                draft.target = draft.general.append
            return
        if (found := RIGHT.match(text)) is not None:
            draft.correct = [*(draft.correct or []), found.group(1)]
            draft.target = draft.correct.append
            return
        if (found := WRONG.match(text)) is not None:
            draft.incorrect = [*(draft.incorrect or []), found.group(1)]
            draft.target = draft.incorrect.append
            return
        if (item := answer_item(line, text)) is not None:
            draft.items.append(item)
            draft.target = item.add if item.kind in ("choice", "box", "short") else None
            return
        if draft.target is not None:
            draft.target(text)
        elif not draft.items:
            draft.text.append(text)
            draft.target = draft.text.append
        elif draft.items[-1].kind == "pair":
            self.problem(
                line,
                _("expected another pair 'left -> right', found %(found)s") % {"found": repr(text)},
            )
        else:
            self.problem(
                line,
                _("expected one of %(kinds)s, or feedback, found %(found)s")
                % {"kinds": kinds(), "found": repr(text)},
            )

    # -- a question, whole ----------------------------------------------------------------

    def finish_question(self) -> None:
        draft, self.draft = self.draft, None
        if draft is None:
            return
        number = self.started  # as the trainer counts: refused questions included
        qid = f"q{number}"
        text = "\n".join(draft.text).strip()
        where = draft.number_line
        if not text:
            self.problem(
                where, _("question %(number)s has no text after its number") % {"number": number}
            )
            return
        if len(self.quiz.questions) >= MAX_QUESTIONS:
            self.problem(where, _("a quiz has at most %(max)s questions") % {"max": MAX_QUESTIONS})
            return
        found = {item.kind for item in draft.items}
        if not found:
            self.problem(
                where,
                _("question %(number)s has no answers: expected %(kinds)s")
                % {"number": number, "kinds": kinds()},
            )
            return
        if len(found) > 1:
            names = ", ".join(_(ITEM_NAMES[kind]) for kind in sorted(found))
            self.problem(
                where,
                _("question %(number)s mixes kinds of answer (%(kinds)s): use one")
                % {"number": number, "kinds": names},
            )
            return
        question = Question(
            id=qid,
            type=SINGLE,
            text=text,
            line=where,
            name=draft.name,
            points=draft.points,
            feedback=Feedback(
                general=_joined(draft.general),
                correct=_joined(draft.correct),
                incorrect=_joined(draft.incorrect),
            ),
        )
        before = len(self.problems)
        kind = found.pop()
        if kind == "choice":
            self.choices(question, draft.items)
        elif kind == "box":
            self.boxes(question, draft.items)
        elif kind == "short":
            self.short(question, draft.items)
        elif kind == "number":
            self.numbers(question, draft.items)
        else:
            self.pairs(question, draft.items)
        if len(self.problems) == before:
            self.quiz.questions.append(question)

    def choices(self, question: Question, items: list[Item]) -> None:
        n = question.id[1:]
        if len(items) < 2 or len(items) > MAX_CHOICES:
            self.problem(
                items[0].line,
                _("question %(number)s needs 2 to %(max)s choices a), b), …")
                % {"number": n, "max": MAX_CHOICES},
            )
            return
        for index, item in enumerate(items):
            if item.letter != letter(index):
                self.problem(
                    item.line,
                    _("expected choice %(expected)s) here, found %(found)s)")
                    % {"expected": letter(index), "found": item.letter},
                )
                return
            if not item.text:
                self.problem(
                    item.line, _("choice %(letter)s) has no text") % {"letter": item.letter}
                )
                return
        right = [item for item in items if item.correct]
        if len(right) != 1:
            self.problem(
                items[0].line,
                _(
                    "question %(number)s needs exactly one correct choice marked *, as in *b), "
                    "found %(found)s (for several right answers use [*] boxes)"
                )
                % {"number": n, "found": len(right)},
            )
            return
        for item in items:
            if item.correct and item.weight not in (None, 100):
                self.problem(item.line, _("the correct choice is worth 100%: leave out its weight"))
                return
            if item.weight is not None and not -100 <= item.weight <= 100:
                self.problem(item.line, _("a weight is a percentage from -100 to 100"))
                return
        question.choices = [
            Choice(
                id=f"{question.id}.{letter(i)}",
                text=item.text,
                correct=item.correct,
                weight=100.0 if item.correct else float(item.weight or 0),
                feedback=_joined(item.feedback),
            )
            for i, item in enumerate(items)
        ]
        words = {c.text.strip().casefold().rstrip(".。") for c in question.choices}
        if (
            len(items) == 2
            and any(w in TRUE_WORDS for w in words)
            and any(w in FALSE_WORDS for w in words)
        ):
            question.type = TRUE_FALSE

    def boxes(self, question: Question, items: list[Item]) -> None:
        n = question.id[1:]
        if len(items) < 2 or len(items) > MAX_CHOICES:
            self.problem(
                items[0].line,
                _("question %(number)s needs 2 to %(max)s [ ] boxes")
                % {"number": n, "max": MAX_CHOICES},
            )
            return
        if any(not item.text for item in items):
            self.problem(next(i.line for i in items if not i.text), _("a box has no text"))
            return
        right = [item for item in items if item.correct]
        if not right:
            self.problem(
                items[0].line,
                _("question %(number)s needs at least one correct box, [*]") % {"number": n},
            )
            return
        weighted = [item for item in items if item.weight is not None]
        if weighted and len(weighted) != len(items):
            line = next(item.line for item in items if item.weight is None)
            self.problem(line, _("when one box has a weight, every box needs one (%0% for none)"))
            return
        if weighted:
            for item in items:
                assert item.weight is not None
                if item.correct and not 0 < item.weight <= 100:
                    self.problem(item.line, _("a correct box [*] needs a weight above 0%"))
                    return
                if not item.correct and not -100 <= item.weight <= 0:
                    self.problem(item.line, _("a wrong box [ ] has a weight from -100% to 0%"))
                    return
            total = sum(item.weight or 0 for item in right)
            if abs(total - 100) > 0.01:
                self.problem(
                    right[0].line,
                    _("the weights of the correct boxes add up to %(total)s%%, not 100%%")
                    % {"total": f"{total:g}"},
                )
                return
            weights = [float(item.weight or 0) for item in items]
        else:
            share = 100 / len(right)
            weights = [share if item.correct else -share for item in items]
        question.type = MULTIPLE
        question.choices = [
            Choice(
                id=f"{question.id}.{letter(i)}",
                text=item.text,
                correct=item.correct,
                weight=weights[i],
                feedback=_joined(item.feedback),
            )
            for i, item in enumerate(items)
        ]

    def short(self, question: Question, items: list[Item]) -> None:
        if len(items) > MAX_CHOICES:
            self.problem(
                items[0].line,
                _("a question has at most %(max)s accepted answers") % {"max": MAX_CHOICES},
            )
            return
        for item in items:
            if not normalise(item.text):
                self.problem(item.line, _("an accepted answer '* …' has no text"))
                return
            if item.weight is not None and not 0 < item.weight <= 100:
                self.problem(
                    item.line, _("an accepted answer is worth more than 0% and up to 100%")
                )
                return
        if all(item.weight not in (None, 100) for item in items):
            self.problem(items[0].line, _("at least one accepted answer must be worth 100%"))
            return
        question.type = SHORT
        question.choices = [
            Choice(
                id=f"{question.id}.{letter(i)}",
                text=item.text,
                correct=True,
                weight=float(item.weight if item.weight is not None else 100),
                feedback=_joined(item.feedback),
            )
            for i, item in enumerate(items)
        ]

    def numbers(self, question: Question, items: list[Item]) -> None:
        graded: list[Graded] = []
        for item in items:
            value = item.text.replace("，", ",")
            weight = float(item.weight) if item.weight is not None else 100.0
            if not 0 < weight <= 100:
                self.problem(item.line, _("a numeric answer is worth more than 0% and up to 100%"))
                return
            if (found := RANGE.match(value)) is not None:
                low, high = float(found.group(1)), float(found.group(2))
                if low > high:
                    self.problem(
                        item.line,
                        _("the range [%(low)s, %(high)s] runs backwards")
                        % {"low": f"{low:g}", "high": f"{high:g}"},
                    )
                    return
                graded.append(Graded(None, None, (low, high), weight))
            elif (found := TOLERANCE.match(value)) is not None:
                tolerance = float(found.group(2)) if found.group(2) else 0.0
                if tolerance < 0:
                    self.problem(item.line, _("a tolerance cannot be negative"))
                    return
                graded.append(Graded(float(found.group(1)), tolerance, None, weight))
            else:
                self.problem(
                    item.line,
                    _(
                        "expected a number such as '= 1.5', '= 1.5 +- 0.1' or '= [1.2, 1.8]', "
                        "found %(found)s"
                    )
                    % {"found": repr(item.text)},
                )
                return
        if not all(math.isfinite(x) for g in graded for x in _numbers(g)):
            self.problem(items[0].line, _("numbers must be finite"))
            return
        full = [g for g in graded if g.weight == 100]
        if not full:
            self.problem(items[0].line, _("a numeric question needs one answer worth 100%"))
            return
        question.type = NUMERIC
        question.numeric = [full[0], *[g for g in graded if g is not full[0]]]

    def pairs(self, question: Question, items: list[Item]) -> None:
        n = question.id[1:]
        if len(items) < 2 or len(items) > MAX_CHOICES:
            message = _("question %(number)s needs 2 to %(max)s pairs left -> right") % {
                "number": n,
                "max": MAX_CHOICES,
            }
            self.problem(items[0].line, message)
            return
        lefts = [normalise(item.text) for item in items]
        rights = [normalise(item.right) for item in items]
        if len(set(lefts)) != len(lefts) or len(set(rights)) != len(rights):
            self.problem(
                items[0].line,
                _("question %(number)s: each left and each right appears once") % {"number": n},
            )
            return
        question.type = MATCHING
        question.pairs = [
            Pair(
                left_id=f"{question.id}.l{i + 1}",
                left=item.text,
                right_id=f"{question.id}.r{i + 1}",
                right=item.right,
            )
            for i, item in enumerate(items)
        ]


def answer_item(line: int, text: str) -> Item | None:
    if (found := CHOICE.match(text)) is not None:
        weight, rest = _weight(found.group(3))
        return Item(
            "choice",
            line,
            rest,
            correct=bool(found.group(1)),
            weight=weight,
            letter=found.group(2).lower(),
        )
    if (found := BOX.match(text)) is not None:
        weight, rest = _weight(found.group(2))
        return Item("box", line, rest, correct=found.group(1) == "*", weight=weight)
    if (found := SHORT_ANSWER.match(text)) is not None:
        weight, rest = _weight(found.group(1) or "")
        return Item("short", line, rest, correct=True, weight=weight)
    if (found := NUMBER.match(text)) is not None:
        weight, rest = _weight(found.group(1))
        return Item("number", line, rest, weight=weight)
    if (found := PAIR.match(text)) is not None:
        return Item("pair", line, found.group(1).strip(), right=found.group(2).strip())
    return None


def _weight(text: str) -> tuple[float | None, str]:
    found = WEIGHT.match(text)
    if found is None:
        return None, text.strip()
    return float(found.group(1)), text[found.end() :].strip()


def _joined(lines: list[str] | None) -> str | None:
    if lines is None:
        return None
    return "\n".join(lines).strip() or None


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _numbers(graded: Graded) -> list[float]:
    values = [graded.answer, graded.tolerance, *(graded.range or ())]
    return [v for v in values if v is not None]


# -- writing --------------------------------------------------------------------------------


def write(quiz: Quiz) -> str:
    """The quiz block's text for ``quiz``: ``parse(write(q))`` gives ``q`` back (its ids,
    kinds, texts, weights and feedback); settings at their defaults are left out."""
    lines: list[str] = []
    settings, default = quiz.settings, Quiz().settings
    if settings.pass_mark != default.pass_mark:
        lines.append(f"pass mark: {number_text(settings.pass_mark)}")
    if settings.max_attempts is not None:
        lines.append(f"max attempts: {settings.max_attempts}")
    if settings.shuffle_answers:
        lines.append("shuffle answers: true")
    if settings.pick is not None:
        lines.append(f"pick: {settings.pick}")
    if settings.show_answers != default.show_answers:
        lines.append(f"show answers: {settings.show_answers}")
    if settings.cool_down_minutes:
        lines.append(f"cool-down: {settings.cool_down_minutes}")
    for number, question in enumerate(quiz.questions, start=1):
        if lines:
            lines.append("")
        if question.name:
            lines.append(f"Title: {question.name}")
        if question.points != 1:
            lines.append(f"Points: {number_text(question.points)}")
        lines.extend(_marked(f"{number}. ", question.text, keep_paragraphs=True))
        feedback = question.feedback
        for marker, text in (("... ", feedback.general), ("+ ", feedback.correct)):
            if text:
                lines.extend(_marked(marker, text))
        if feedback.incorrect:
            lines.extend(_marked("- ", feedback.incorrect))
        lines.extend(_answers(question))
    return "\n".join(lines) + "\n"


def _answers(question: Question) -> list[str]:
    lines: list[str] = []
    if question.type in (SINGLE, TRUE_FALSE):
        for index, choice in enumerate(question.choices):
            star = "*" if choice.correct else ""
            weight = "" if choice.correct or not choice.weight else _weight_text(choice.weight)
            if not weight and WEIGHT.match(choice.text):  # say the weight, or the text loses it
                weight = _weight_text(choice.weight)
            lines.extend(_marked(f"{star}{letter(index)}) {weight}", choice.text))
            if choice.feedback:
                lines.extend(_marked("... ", choice.feedback))
    elif question.type == MULTIPLE:
        right = [c for c in question.choices if c.correct]
        share = 100 / len(right) if right else 0
        plain = all(
            math.isclose(c.weight, share if c.correct else -share) for c in question.choices
        ) and not any(WEIGHT.match(c.text) for c in question.choices)
        for choice in question.choices:
            box = "[*] " if choice.correct else "[ ] "
            weight = "" if plain else _weight_text(choice.weight)
            lines.extend(_marked(box + weight, choice.text))
            if choice.feedback:
                lines.extend(_marked("... ", choice.feedback))
    elif question.type == SHORT:
        for choice in question.choices:
            plain = choice.weight == 100 and not WEIGHT.match(choice.text)
            weight = "" if plain else _weight_text(choice.weight)
            lines.extend(_marked(f"* {weight}", choice.text))
            if choice.feedback:
                lines.extend(_marked("... ", choice.feedback))
    elif question.type == NUMERIC:
        for index, graded in enumerate(question.numeric):
            weight = "" if index == 0 or graded.weight == 100 else _weight_text(graded.weight)
            if graded.range is not None:
                low, high = graded.range
                value = f"[{number_text(low)}, {number_text(high)}]"
            else:
                assert graded.answer is not None
                value = number_text(graded.answer)
                if graded.tolerance:
                    value += f" +- {number_text(graded.tolerance)}"
            lines.append(f"= {weight}{value}")
    else:
        lines.extend(f"{pair.left} -> {pair.right}" for pair in question.pairs)
    return lines


def _marked(marker: str, text: str, *, keep_paragraphs: bool = False) -> list[str]:
    """``text`` after ``marker``; its further lines follow as continuation lines."""
    parts = text.split("\n")
    if not keep_paragraphs:
        parts = [part for part in parts if part.strip()]
    return [marker + parts[0].strip(), *("   " + part if part else "" for part in parts[1:])]


def _weight_text(weight: float) -> str:
    return f"%{number_text(weight)}% "


def number_text(value: float) -> str:
    """A number as written in a quiz: 3, not 3.0; 0.1, not 0.1000000001."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.10g}"


def mismatches(main: Quiz, other: Quiz) -> list[tuple[int, str]]:
    """Where a translation's quiz differs from the default language's in what grading
    depends on: the questions, their kinds and order, the number of choices and which are
    correct (with their weights), the numbers, the pairs, the settings. Texts and accepted
    short answers may differ. Lines are the translation's."""
    first = other.questions[0].line if other.questions else 1
    if main.settings != other.settings:
        return [(first, _("the quiz settings differ from the other language version's"))]
    if len(main.questions) != len(other.questions):
        return [
            (
                first,
                _("the other language version has %(other)s questions, this one %(this)s")
                % {"other": len(main.questions), "this": len(other.questions)},
            )
        ]
    found: list[tuple[int, str]] = []
    for ours, theirs in zip(main.questions, other.questions, strict=True):
        n = theirs.id[1:]
        if ours.type != theirs.type:
            message = _("question %(number)s is %(this)s here but %(other)s in the other") % {
                "number": n,
                "this": _(TYPE_NAMES[theirs.type]),
                "other": _(TYPE_NAMES[ours.type]),
            }
            found.append((theirs.line, message))
        elif ours.points != theirs.points:
            message = _("question %(number)s has other points than in the other") % {"number": n}
            found.append((theirs.line, message))
        elif ours.type != SHORT and [(c.correct, round(c.weight, 4)) for c in ours.choices] != [
            (c.correct, round(c.weight, 4)) for c in theirs.choices
        ]:
            found.append(
                (
                    theirs.line,
                    _(
                        "question %(number)s: the number of choices, the correct ones or their "
                        "weights differ from the other language version"
                    )
                    % {"number": n},
                )
            )
        elif ours.numeric != theirs.numeric:
            message = _("question %(number)s: the numeric answers differ") % {"number": n}
            found.append((theirs.line, message))
        elif len(ours.pairs) != len(theirs.pairs):
            message = _("question %(number)s: the number of pairs differs") % {"number": n}
            found.append((theirs.line, message))
    return found
