"""Moodle's GIFT format, read and written, so trainers can bring question banks from
Moodle and take ours back to it.

One question per paragraph (a blank line ends it)::

    // a comment line
    ::Best interests::[markdown]Which principle asks what is best for the child? {
        =Best interests#Right.
        ~%50%Participation#Half right.
        ~Non-discrimination
        ####General feedback.
    }

How GIFT maps to our questions: ``=`` with ``~`` is a single choice (``~%50%`` a wrong
choice worth half); ``~`` alone with weights is multiple answers (positive weights are the
right boxes; a ``~`` without one is a wrong box worth 0%); ``{T}``/``{F}`` is true/false
with choices True and False, its ``#if wrong#if right`` feedback on the False and True
choices (as Moodle keeps it); only ``=`` is short answer; ``{#…}`` numeric; ``=a -> b``
matching. Text on both sides of the braces is a missing-word question: the braces become
``____``. An essay ``{}`` or a description (no braces) has no place in our model and is
skipped with a warning, never guessed at.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass, field

from lms.i18n import gettext as _
from lms.quizzes import syntax
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
)

BLANK = "____"
ESCAPED = "~=#{}:\\"  # \n is a newline too
FORMAT = re.compile(r"^\s*\[(?:markdown|html|plain|moodle)\]", re.IGNORECASE)
WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
RANGE = re.compile(rf"^({NUMBER})\s*\.\.\s*({NUMBER})$")
TOLERANCE = re.compile(rf"^({NUMBER})(?:\s*:\s*({NUMBER}))?$")
TRUE_KEYS = ("t", "true")
FALSE_KEYS = ("f", "false")


@dataclass
class GiftResult:
    quiz: Quiz
    warnings: list[tuple[int, str]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Block:
    """One question's lines, comments left out; offsets in ``text`` map to file lines."""

    text: str
    numbers: list[int]  # the file line of each line of text
    starts: list[int]  # the offset in text where each line starts

    def line_at(self, offset: int) -> int:
        return self.numbers[max(bisect_right(self.starts, offset) - 1, 0)]


@dataclass
class _Answer:
    marker: str  # = or ~
    line: int
    text: str | None
    weight: float | None = None
    feedback: str | None = None


class _Refused(Exception):
    """A malformed question: its line and what was expected."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


def parse_gift(text: str) -> GiftResult:
    """Reads a GIFT file; lines are 1-based lines of ``text``. Never raises on bad input:
    a malformed question is an error, a question our model cannot hold a warning."""
    result = GiftResult(quiz=Quiz())
    for block in _blocks(text):
        if len(result.quiz.questions) >= syntax.MAX_QUESTIONS:
            message = _("a quiz has at most %(max)s questions") % {"max": syntax.MAX_QUESTIONS}
            result.errors.append((block.line_at(0), message))
            break
        try:
            question = _question(block, f"q{len(result.quiz.questions) + 1}", result.warnings)
        except _Refused as refused:
            result.errors.append((refused.line, refused.message))
            continue
        if question is not None:
            result.quiz.questions.append(question)
    if not result.quiz.questions and not result.errors:
        result.errors.append((1, _("no questions: expected one such as 'Who? {=right ~wrong}'")))
    return result


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    lines: list[tuple[int, str]] = []
    raw_lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, raw in enumerate([*raw_lines, ""], start=1):
        line = raw.strip()
        if line.startswith("//") or line.startswith("$CATEGORY:"):
            continue  # a comment or a category does not end the question around it
        if line:
            lines.append((number, line))
            continue
        if lines:
            starts = [0]
            for _number, kept in lines[:-1]:
                starts.append(starts[-1] + len(kept) + 1)
            joined = "\n".join(kept for _number, kept in lines)
            blocks.append(_Block(joined, [number for number, _kept in lines], starts))
            lines = []
    return blocks


def _question(block: _Block, qid: str, warnings: list[tuple[int, str]]) -> Question | None:
    text, first = block.text, block.line_at(0)
    name, start = None, 0
    if text.startswith("::"):
        end = _find(text, "::", 2)
        if end < 0:
            raise _Refused(first, _("the question's name is not closed: expected ::name:: first"))
        name = " ".join(_unescape(text[2:end]).split()) or None
        start = end + 2
    opening, closing = _find(text, "{", start), _find(text, "}", start)
    if opening < 0 and closing < 0:
        warnings.append((first, _("a description (text without answers in { }) is skipped")))
        return None
    if closing >= 0 and (opening < 0 or closing < opening):
        message = _("found } before {: write \\} for a brace in text")
        raise _Refused(block.line_at(closing), message)
    if closing < 0:
        message = _("expected } to close the answers opened here (a blank line ends a question)")
        raise _Refused(block.line_at(opening), message)
    if 0 <= (nested := _find(text, "{", opening + 1)) < closing:
        message = _("expected } before another {: write \\{ for a brace in an answer")
        raise _Refused(block.line_at(nested), message)
    after = text[closing + 1 :]
    if (extra := min(_end(after, "{"), _end(after, "}"))) < len(after):
        message = _("a question has one set of answers { }: write \\{ and \\} in its text")
        raise _Refused(block.line_at(closing + 1 + extra), message)
    before = _unescape(FORMAT.sub("", text[start:opening], count=1))
    wording = (before + BLANK + _unescape(after) if after.strip() else before).strip()
    inside = text[opening + 1 : closing]
    general = None
    if (cut := _find(inside, "####")) >= 0:
        general = _clean(inside[cut + 4 :])
        inside = inside[:cut]
    if not inside.strip():
        warnings.append((first, _("an essay question ({}) has no place in a quiz here; skipped")))
        return None
    if not wording:
        raise _Refused(first, _("expected the question's text before its answers { }"))
    question = Question(
        id=qid, type=SINGLE, text=wording, line=first, name=name, feedback=Feedback(general)
    )
    answers = _Answers(block, inside, opening + 1)
    if inside.strip().startswith("#"):
        answers.numeric(question, warnings)
    elif _find(inside, "~") >= 0:
        answers.choices(question)
    elif _find(inside, "=") >= 0 and _find(inside, "->") >= 0:
        answers.pairs(question)
    elif _unescape(inside[: _end(inside, "#")]).strip().casefold() in TRUE_KEYS + FALSE_KEYS:
        answers.true_false(question)
    else:
        answers.short(question)
    return question


class _Answers:
    """The text between a question's braces, read as the kind of answers it holds."""

    def __init__(self, block: _Block, text: str, offset: int) -> None:
        self.block, self.text, self.offset = block, text, offset

    def line(self, offset: int) -> int:
        return self.block.line_at(self.offset + offset)

    def pieces(
        self, markers: str, text: str | None = None, offset: int = 0
    ) -> list[tuple[str, int, str]]:
        """Each answer from its marker on: (text, line, marker); text before the first
        marker is refused."""
        lead, *pieces = _split(self.text if text is None else text, markers)
        if found := lead[0].strip():
            where = offset + lead[1] + len(lead[0]) - len(lead[0].lstrip())
            if len(markers) > 1:
                message = _("expected %(first)s or %(second)s before %(found)s") % {
                    "first": markers[0],
                    "second": markers[1],
                    "found": repr(found[:40]),
                }
            else:
                message = _("expected %(marker)s before %(found)s") % {
                    "marker": markers,
                    "found": repr(found[:40]),
                }
            raise _Refused(self.line(where), message)
        return [(raw, self.line(offset + start - 1), marker) for raw, start, marker in pieces]

    def split(self, markers: str, text: str | None = None, offset: int = 0) -> list[_Answer]:
        """Each answer with its weight, text and feedback."""
        answers = []
        for raw, line, marker in self.pieces(markers, text, offset):
            answer = _Answer(marker, line, None)
            body = raw.strip()
            if (found := WEIGHT.match(body)) is not None:
                answer.weight = float(found.group(1))
                body = body[found.end() :]
            if (cut := _find(body, "#")) >= 0:
                answer.feedback = _clean(body[cut + 1 :])
                body = body[:cut]
            answer.text = _clean(body)
            answers.append(answer)
        return answers

    def choices(self, question: Question) -> None:
        answers = self.split("=~")
        if not 2 <= len(answers) <= syntax.MAX_CHOICES:
            message = _("a multiple-choice question needs 2 to %(max)s answers") % {
                "max": syntax.MAX_CHOICES
            }
            raise _Refused(question.line, message)
        for answer in answers:
            if answer.text is None:
                raise _Refused(answer.line, _("expected the answer's text after its = or ~"))
            if answer.weight is not None and not -100 <= answer.weight <= 100:
                raise _Refused(answer.line, _("a weight is a percentage from -100 to 100"))
        right = [answer for answer in answers if answer.marker == "="]
        if len(right) > 1:
            message = _("one answer is right (=); for several, give the right ones ~%50% weights")
            raise _Refused(right[1].line, message)
        if right and right[0].weight not in (None, 100):
            message = _("the right answer (=) is worth 100%: for part marks use ~%50%")
            raise _Refused(right[0].line, message)
        if right:
            for answer in answers:
                if answer.marker == "~" and answer.weight == 100:
                    raise _Refused(answer.line, _("only the right answer (=) is worth 100%"))
            weights = [100.0 if a.marker == "=" else a.weight or 0.0 for a in answers]
            correct = [a.marker == "=" for a in answers]
        else:
            weights = [answer.weight or 0.0 for answer in answers]
            correct = [weight > 0 for weight in weights]
            if not any(correct):
                message = _("no right answer: mark it =, or give the right ones weights ~%50%")
                raise _Refused(answers[0].line, message)
            total = sum(weight for weight in weights if weight > 0)
            if abs(total - 100) > 0.01:
                line = next(a.line for a, c in zip(answers, correct, strict=True) if c)
                message = _("the right answers' weights add up to %(total)s%%, not 100%%") % {
                    "total": f"{total:g}"
                }
                raise _Refused(line, message)
            question.type = MULTIPLE
        question.choices = [
            Choice(
                id=f"{question.id}.{syntax.letter(i)}",
                text=answer.text or "",
                correct=correct[i],
                weight=weights[i],
                feedback=answer.feedback,
            )
            for i, answer in enumerate(answers)
        ]
        words = {c.text.strip().casefold().rstrip(".。") for c in question.choices}
        if (
            question.type == SINGLE
            and len(question.choices) == 2
            and words & syntax.TRUE_WORDS
            and words & syntax.FALSE_WORDS
        ):
            question.type = TRUE_FALSE  # as the quiz block reads {=True ~False}

    def true_false(self, question: Question) -> None:
        key, *feedback = (_clean(raw) for raw, _start, _marker in _split(self.text, "#"))
        if len(feedback) > 2:
            message = _("expected at most two feedbacks: {T#if wrong#if right}")
            raise _Refused(question.line, message)
        wrong, right = [*feedback, None, None][:2]
        true = (key or "").casefold() in TRUE_KEYS
        if_true, if_false = (right, wrong) if true else (wrong, right)
        question.type = TRUE_FALSE
        question.choices = [
            Choice(f"{question.id}.a", "True", true, 100.0 if true else 0.0, if_true),
            Choice(f"{question.id}.b", "False", not true, 0.0 if true else 100.0, if_false),
        ]

    def short(self, question: Question) -> None:
        answers = self.split("=")
        if len(answers) > syntax.MAX_CHOICES:
            message = _("at most %(max)s accepted answers") % {"max": syntax.MAX_CHOICES}
            raise _Refused(question.line, message)
        for answer in answers:
            if answer.text is None or not syntax.normalise(answer.text):
                raise _Refused(answer.line, _("expected the accepted answer's text after ="))
            if answer.weight is not None and not 0 < answer.weight <= 100:
                message = _("an accepted answer is worth more than 0% and up to 100%")
                raise _Refused(answer.line, message)
        if all(answer.weight not in (None, 100) for answer in answers):
            message = _("at least one accepted answer must be worth 100%")
            raise _Refused(question.line, message)
        question.type = SHORT
        question.choices = [
            Choice(
                id=f"{question.id}.{syntax.letter(i)}",
                text=answer.text or "",
                correct=True,
                weight=100.0 if answer.weight is None else answer.weight,
                feedback=answer.feedback,
            )
            for i, answer in enumerate(answers)
        ]

    def numeric(self, question: Question, warnings: list[tuple[int, str]]) -> None:
        start = self.text.index("#") + 1
        rest = self.text[start:]
        if _find(rest, "=") >= 0 or _find(rest, "~") >= 0:
            answers = self.split("=~", rest, start)
        else:
            answers = self.split("=", "=" + rest, start - 1)
        graded: list[Graded] = []
        for answer in answers:
            if answer.marker == "~":
                message = _("each numeric answer starts with =, as in =%50%3:1")
                raise _Refused(answer.line, message)
            weight = 100.0 if answer.weight is None else answer.weight
            if not 0 < weight <= 100:
                message = _("a numeric answer is worth more than 0% and up to 100%")
                raise _Refused(answer.line, message)
            if answer.feedback is not None:
                message = _("feedback on a numeric answer has no place here; left out")
                warnings.append((answer.line, message))
            value = " ".join((answer.text or "").split())
            if (found := RANGE.match(value)) is not None:
                low, high = float(found.group(1)), float(found.group(2))
                if low > high:
                    message = _("the range %(range)s runs backwards") % {"range": value}
                    raise _Refused(answer.line, message)
                graded.append(Graded(None, None, (low, high), weight))
            elif (found := TOLERANCE.match(value)) is not None:
                tolerance = float(found.group(2)) if found.group(2) else 0.0
                if tolerance < 0:
                    raise _Refused(answer.line, _("a tolerance cannot be negative"))
                graded.append(Graded(float(found.group(1)), tolerance, None, weight))
            else:
                message = _(
                    "expected a number such as {#3.5}, {#3.5:0.1} or {#3..4}, found %(found)s"
                ) % {"found": repr(value)}
                raise _Refused(answer.line, message)
        values = [v for g in graded for v in (g.answer, g.tolerance, *(g.range or ()))]
        if not all(math.isfinite(v) for v in values if v is not None):
            raise _Refused(question.line, _("numbers must be finite"))
        full = next((g for g in graded if g.weight == 100), None)
        if full is None:
            message = _("a numeric question needs one answer worth 100%")
            raise _Refused(question.line, message)
        question.type = NUMERIC
        question.numeric = [full, *(g for g in graded if g is not full)]

    def pairs(self, question: Question) -> None:
        pairs: list[tuple[str, str]] = []
        for raw, line, _marker in self.pieces("="):
            if (arrow := _find(raw, "->")) < 0:
                raise _Refused(line, _("expected left -> right in each pair"))
            if _find(raw, "#") >= 0:
                raise _Refused(line, _("a matching pair has no feedback: write \\# for a #"))
            left, right = _clean(raw[:arrow]), _clean(raw[arrow + 2 :])
            if left is None or right is None:
                message = _(
                    "expected text on both sides of -> (extra unmatched answers are not kept)"
                )
                raise _Refused(line, message)
            pairs.append((left, right))
        if not 2 <= len(pairs) <= syntax.MAX_CHOICES:
            message = _("a matching question needs 2 to %(max)s pairs =left -> right") % {
                "max": syntax.MAX_CHOICES
            }
            raise _Refused(question.line, message)
        for side in (0, 1):
            texts = [syntax.normalise(pair[side]) for pair in pairs]
            if len(set(texts)) != len(texts):
                raise _Refused(question.line, _("each left and each right appears once"))
        question.type = MATCHING
        question.pairs = [
            Pair(f"{question.id}.l{i}", left, f"{question.id}.r{i}", right)
            for i, (left, right) in enumerate(pairs, start=1)
        ]


# -- escapes --------------------------------------------------------------------------------


def _escaped_at(text: str, index: int) -> bool:
    return text[index] == "\\" and index + 1 < len(text) and text[index + 1] in ESCAPED + "n"


def _find(text: str, target: str, start: int = 0) -> int:
    """Where ``target`` first occurs, unescaped, from ``start``; -1 when it does not."""
    index = start
    while index < len(text):
        if _escaped_at(text, index):
            index += 2
        elif text.startswith(target, index):
            return index
        else:
            index += 1
    return -1


def _end(text: str, target: str) -> int:
    found = _find(text, target)
    return len(text) if found < 0 else found


def _split(text: str, markers: str) -> list[tuple[str, int, str]]:
    """``text`` cut before each unescaped marker: (piece, its offset, the marker before
    it); the first piece, before any marker, has the marker ''."""
    pieces: list[tuple[str, int, str]] = []
    start, marker, index = 0, "", 0
    while index < len(text):
        if _escaped_at(text, index):
            index += 2
            continue
        if text[index] in markers:
            pieces.append((text[start:index], start, marker))
            start, marker = index + 1, text[index]
        index += 1
    pieces.append((text[start:], start, marker))
    return pieces


def _unescape(text: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(text):
        if _escaped_at(text, index):
            following = text[index + 1]
            out.append("\n" if following == "n" else following)
            index += 2
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def _clean(raw: str) -> str | None:
    """An answer's or a feedback's text: format prefix off, unescaped; None when empty."""
    return _unescape(FORMAT.sub("", raw.strip(), count=1)).strip() or None


def _escape(text: str) -> str:
    out = text.replace("\r", "").replace("\\", "\\\\")
    for char in "~=#{}:":
        out = out.replace(char, "\\" + char)
    return out.replace("\n", "\\n")


# -- writing --------------------------------------------------------------------------------


def to_gift(quiz: Quiz) -> str:
    """GIFT for every question; what GIFT cannot say is listed by ``left_out``."""
    return "\n".join(_question_gift(question) for question in quiz.questions)


def left_out(quiz: Quiz, *, settings_line: int = 1) -> list[tuple[int, str]]:
    """What ``to_gift`` cannot write, by line: settings, points, right/wrong feedback."""
    found: list[tuple[int, str]] = []
    if quiz.settings != Quiz().settings:
        found.append((settings_line, _("GIFT has no quiz settings; they are left out")))
    for question in quiz.questions:
        n = question.id[1:]
        if question.points != 1:
            message = _("question %(number)s: GIFT has no points; left out") % {"number": n}
            found.append((question.line, message))
        if question.feedback.correct or question.feedback.incorrect:
            message = _(
                "question %(number)s: GIFT has no feedback for right or wrong (+ and -); left out"
            ) % {"number": n}
            found.append((question.line, message))
    return found


def _question_gift(question: Question) -> str:
    head = f"::{_escape(question.name)}::" if question.name else ""
    before, blank, after = question.text.partition(BLANK)
    if not blank or not after.strip():
        before, after = question.text, ""
    general = f"####{_escape(question.feedback.general)}" if question.feedback.general else ""
    inline = _inline_answers(question)
    if inline is not None:
        answers = "{" + inline + general + "}"
    else:
        lines = [*_answer_lines(question), *([general] if general else [])]
        answers = "{\n" + "".join(f"\t{line}\n" for line in lines) + "}"
    space = "" if after else " "
    return f"{head}[markdown]{_escape(before)}{space}{answers}{_escape(after)}\n"


def _inline_answers(question: Question) -> str | None:
    """True/false with choices True and False, or one numeric answer: GIFT's short forms."""
    if question.type == TRUE_FALSE and [c.text for c in question.choices] == ["True", "False"]:
        true, false = question.choices
        weights = (100.0, 0.0) if true.correct else (0.0, 100.0)
        if true.correct == false.correct or (true.weight, false.weight) != weights:
            return None  # written as choices, {=True ~%50%False}
        right, wrong = (true, false) if true.correct else (false, true)
        feedback = ""
        if wrong.feedback or right.feedback:
            feedback = f"#{_escape(wrong.feedback or '')}"
            feedback += f"#{_escape(right.feedback)}" if right.feedback else ""
        return ("TRUE" if true.correct else "FALSE") + feedback
    if question.type == NUMERIC and len(question.numeric) == 1:
        return "#" + _number(question.numeric[0])
    return None


def _answer_lines(question: Question) -> list[str]:
    if question.type == NUMERIC:
        return ["#", *(f"={_weight(g.weight, 100)}{_number(g)}" for g in question.numeric)]
    if question.type == MATCHING:
        return [f"={_escape(p.left)} -> {_escape(p.right)}" for p in question.pairs]
    lines = []
    for choice in question.choices:
        if question.type == SHORT:
            marker, weight = "=", _weight(choice.weight, 100)
        elif question.type == MULTIPLE or not choice.correct:
            marker, weight = "~", _weight(choice.weight, 0)
        else:
            marker, weight = "=", ""
        if not weight and WEIGHT.match(choice.text):
            weight = f"%{_percent(100 if marker == '=' else 0)}%"  # the text is no weight
        feedback = f"#{_escape(choice.feedback)}" if choice.feedback else ""
        lines.append(f"{marker}{weight}{_escape(choice.text)}{feedback}")
    return lines


def _weight(weight: float, default: float) -> str:
    return "" if weight == default else f"%{_percent(weight)}%"


def _percent(weight: float) -> str:
    """Five decimals, as Moodle writes a third: 33.33333."""
    return f"{weight:.5f}".rstrip("0").rstrip(".")


def _number(graded: Graded) -> str:
    if graded.range is not None:
        low, high = graded.range
        return f"{syntax.number_text(low)}..{syntax.number_text(high)}"
    assert graded.answer is not None
    value = syntax.number_text(graded.answer)
    return f"{value}:{syntax.number_text(graded.tolerance)}" if graded.tolerance else value
