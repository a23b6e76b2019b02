"""Moodle's GIFT (lms.quizzes.gift): every feature read into the right question, every
malformation refused with its line, escapes, and the round trips GIFT -> quiz -> GIFT and
quiz block -> GIFT -> quiz; random text must never crash the reader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.i18n import current_language
from lms.quizzes import syntax
from lms.quizzes.gift import GiftResult, left_out, parse_gift, to_gift
from lms.quizzes.model import (
    MATCHING,
    MULTIPLE,
    NUMERIC,
    SHORT,
    SINGLE,
    TRUE_FALSE,
    Choice,
    Graded,
    Pair,
    Question,
    Quiz,
)

FIXTURE = Path(__file__).parent / "fixtures" / "everything.gift"
EVERYTHING = FIXTURE.read_text(encoding="utf-8")
ESSAY = "an essay question ({}) has no place in a quiz here; skipped"


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), start=1) if needle in line)


def only(text: str) -> Question:
    result = parse_gift(text)
    assert result.errors == [], result.errors
    assert len(result.quiz.questions) == 1
    return result.quiz.questions[0]


def choices(question: Question) -> list[tuple[str, bool, float, str | None]]:
    return [(c.text, c.correct, c.weight, c.feedback) for c in question.choices]


def dumps(quiz: Quiz) -> list[dict[str, Any]]:
    return [question.dump() for question in quiz.questions]


@pytest.fixture(scope="module")
def everything() -> GiftResult:
    # Made before the autouse fixture that sets English for each test: set it here too.
    token = current_language.set("en")
    try:
        return parse_gift(EVERYTHING)
    finally:
        current_language.reset(token)


def named(result: GiftResult, name: str | None) -> Question:
    return next(q for q in result.quiz.questions if q.name == name)


# -- the fixture: every feature at once ------------------------------------------------------


def test_everything_reads_with_one_warning_for_the_essay(everything: GiftResult) -> None:
    assert everything.errors == []
    assert everything.warnings == [(line_of(EVERYTHING, "::Reflection::"), ESSAY)]
    quiz = everything.quiz
    assert [(q.id, q.name, q.type) for q in quiz.questions] == [
        ("q1", "Best interests", SINGLE),
        ("q2", "Missing word", SINGLE),
        ("q3", "Right to be heard", TRUE_FALSE),
        ("q4", "Photos", TRUE_FALSE),
        ("q5", "独处", TRUE_FALSE),
        ("q6", "Play", TRUE_FALSE),
        ("q7", "Article for play", SHORT),
        ("q8", "通过地点", SHORT),
        ("q9", "Adopted", NUMERIC),
        ("q10", "Mentoring hours", NUMERIC),
        ("q11", "Ratified", NUMERIC),
        ("q12", "Articles", MATCHING),
        ("q13", "Safe practice", MULTIPLE),
        ("q14", "Escapes: braces and signs", SINGLE),
        ("q15", "HTML", SINGLE),
        ("q16", None, SINGLE),
    ]
    # Each question's line is its first line in the file, comments and category left out.
    assert quiz.questions[0].line == line_of(EVERYTHING, "::Best interests::")
    assert quiz.questions[-1].line == line_of(EVERYTHING, "中文单选")
    assert quiz.settings == Quiz().settings  # GIFT has none


def test_single_choice_with_feedback_part_marks_and_general_feedback(
    everything: GiftResult,
) -> None:
    question = named(everything, "Best interests")
    assert question.text == (
        "Which principle of the **UN Convention on the Rights of the\n"
        "Child** asks adults to weigh what is best for the child?"
    )
    assert choices(question) == [
        ("Non-discrimination", False, 0.0, "Important, but it is about equal treatment."),
        ("Best interests of the child", True, 100.0, "Right: Article 3."),
        ("Participation", False, 50.0, "Half right: the child's views inform the best interests."),
        ("Survival only", False, -50.0, "No: survival is one right among many."),
    ]
    assert [c.id for c in question.choices] == ["q1.a", "q1.b", "q1.c", "q1.d"]
    assert question.feedback.general == "The four general principles are Articles 2, 3, 6 and 12."
    assert question.feedback.correct is None and question.feedback.incorrect is None


def test_missing_word_puts_a_blank_where_the_answers_were(everything: GiftResult) -> None:
    question = named(everything, "Missing word")
    assert question.text == "A volunteer who sees signs of abuse should ____ the same day."
    assert [c.text for c in question.choices if c.correct] == [
        "tell the designated safeguarding lead"
    ]


@pytest.mark.parametrize(
    ("name", "true_is_right"),
    [("Right to be heard", True), ("Photos", False), ("独处", False), ("Play", True)],
)
def test_true_false_in_every_spelling(
    everything: GiftResult, name: str, true_is_right: bool
) -> None:
    question = named(everything, name)
    assert [(c.id, c.text, c.correct) for c in question.choices] == [
        (f"{question.id}.a", "True", true_is_right),
        (f"{question.id}.b", "False", not true_is_right),
    ]
    assert [c.weight for c in question.choices] == ([100.0, 0.0] if true_is_right else [0.0, 100.0])


def test_true_false_feedback_goes_to_the_wrong_and_the_right_choice(
    everything: GiftResult,
) -> None:
    play = named(everything, "Play")  # {TRUE#if wrong#if right}
    assert [c.feedback for c in play.choices] == ["Yes, Article 31.", "Look at Article 31 again."]
    photos = named(everything, "Photos")  # {FALSE#…}: True is the wrong choice
    assert [c.feedback for c in photos.choices] == [
        "Wrong: photos stay on the organisation's devices.",
        "Right: never on a personal phone.",
    ]
    assert only("Q {T##Only if right.}").choices[1].feedback is None
    assert only("Q {T##Only if right.}").choices[0].feedback == "Only if right."


def test_short_answers_with_part_marks_and_feedback(everything: GiftResult) -> None:
    assert choices(named(everything, "Article for play")) == [
        ("31", True, 100.0, None),
        ("Article 31", True, 100.0, None),
        ("Art. 31", True, 50.0, "Close: the number alone is enough."),
    ]
    assert choices(named(everything, "通过地点")) == [
        ("纽约", True, 100.0, None),
        ("New York", True, 100.0, None),
        ("联合国总部", True, 50.0, "请写城市名。"),
    ]


def test_numeric_tolerance_range_and_graded_answers(everything: GiftResult) -> None:
    assert named(everything, "Adopted").numeric == [Graded(1989.0, 0.0, None, 100.0)]
    assert named(everything, "Mentoring hours").numeric == [Graded(None, None, (2.0, 4.0), 100.0)]
    assert named(everything, "Ratified").numeric == [
        Graded(1992.0, 0.0, None, 100.0),
        Graded(1992.0, 1.0, None, 50.0),
    ]
    # The answer worth 100% comes first whatever its place, as in the quiz block.
    assert only("Q {#=%50%-2.5:0.5 =-3..-2.5}").numeric == [
        Graded(None, None, (-3.0, -2.5), 100.0),
        Graded(-2.5, 0.5, None, 50.0),
    ]
    assert only("Q {#1e3}").numeric == [Graded(1000.0, 0.0, None, 100.0)]


def test_matching_pairs_and_general_feedback(everything: GiftResult) -> None:
    question = named(everything, "Articles")
    assert question.pairs == [
        Pair("q12.l1", "Article 12", "q12.r1", "The right to be heard"),
        Pair("q12.l2", "Article 28", "q12.r2", "The right to education"),
        Pair("q12.l3", "Article 31", "q12.r3", "The right to play"),
    ]
    assert question.feedback.general == "Articles 12, 28 and 31 are the ones volunteers meet most."


def test_multiple_answers_with_weights_negative_and_none(everything: GiftResult) -> None:
    question = named(everything, "Safe practice")
    assert choices(question) == [
        ("Two adults in the room", True, 50.0, "Yes: the two-adult rule."),
        ("Doors or windows left open", True, 50.0, None),
        ("Private messages with a child", False, -100.0, "Never."),
        ("Photos on your own phone", False, 0.0, None),  # ~ without a weight: 0%
        ("Meeting a child alone off-site", False, 0.0, None),
    ]


def test_escapes(everything: GiftResult) -> None:
    question = named(everything, "Escapes: braces and signs")
    assert question.text == "In a GIFT file, how do you write a brace { or an equals sign =?"
    assert choices(question) == [
        ("With a backslash, as in \\{ and \\=", True, 100.0, "Right: ~ # and : too."),
        ("Double it: {{", False, 0.0, None),
        ("You cannot", False, 0.0, None),
    ]
    assert only(r"Two\nlines \\n {=a\~b ~c\#d}").text == "Two\nlines \\n"
    # A backslash before any other character stays: LaTeX survives.
    assert only(r"Is \(\frac12\) a half? {T}").text == r"Is \(\frac12\) a half?"


def test_format_prefixes_are_taken_off_and_html_is_kept(everything: GiftResult) -> None:
    assert named(everything, "HTML").text == (
        "<p>Which of these is a <em>right</em>, not a privilege?</p>\n<p>Choose one.</p>"
    )
    assert named(everything, "Photos").text.startswith("A volunteer")  # [plain]
    assert named(everything, "Best interests").text.startswith("Which")  # [markdown]
    question = only("[moodle]Q {=[html]<b>yes</b>#[plain]Fine. ~no}")
    assert question.text == "Q"
    assert choices(question)[0] == ("<b>yes</b>", True, 100.0, "Fine.")


def test_right_answer_with_part_marks_for_others_is_a_single_choice() -> None:
    question = only("Q {=a ~%33.33333%b ~%-25%c ~d}")
    assert question.type == SINGLE
    assert choices(question) == [
        ("a", True, 100.0, None),
        ("b", False, 33.33333, None),
        ("c", False, -25.0, None),
        ("d", False, 0.0, None),
    ]


def test_choices_true_and_false_are_a_true_false_question_as_in_the_quiz_block() -> None:
    question = only("志愿者必须记录服务时数。{~错 =对#没错。}")
    assert question.type == TRUE_FALSE
    assert choices(question) == [("错", False, 0.0, None), ("对", True, 100.0, "没错。")]
    assert only("Q {=True ~False ~false}").type == SINGLE  # three choices: not true/false


def test_comments_and_categories_do_not_end_a_question_but_blank_lines_do() -> None:
    text = "$CATEGORY: tom\n// one\nFirst\n// two\n{=a ~b}\n\n\n//three\n\nSecond {T}\n"
    result = parse_gift(text)
    assert result.errors == [] and result.warnings == []
    assert [(q.text, q.line) for q in result.quiz.questions] == [("First", 3), ("Second", 10)]


def test_a_description_is_skipped_with_a_warning() -> None:
    result = parse_gift("Read this first.\n\nQ {T}")
    assert result.warnings == [(1, "a description (text without answers in { }) is skipped")]
    assert [q.text for q in result.quiz.questions] == ["Q"]


def test_feedback_on_a_numeric_answer_is_left_out_with_a_warning() -> None:
    result = parse_gift("Year?\n{#\n=1989:0#Right.\n=%50%1989:2\n}")
    assert result.warnings == [(3, "feedback on a numeric answer has no place here; left out")]
    assert result.quiz.questions[0].numeric[0] == Graded(1989.0, 0.0, None, 100.0)


def test_nothing_but_an_essay_is_an_error_too() -> None:
    result = parse_gift("// c\nWhy? {####General.}\n")
    assert result.warnings == [(2, ESSAY)]
    assert result.errors == [(1, "no questions: expected one such as 'Who? {=right ~wrong}'")]


# -- malformed questions ---------------------------------------------------------------------

PREFIX = "// a first question that is fine\nFine {=a ~b}\n\n"  # errors name lines of the file


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("Q {=a ~b", 4, "expected } to close the answers opened here"),
        ("Q {\n=a\n\n~b}", 4, "expected } to close the answers opened here"),
        ("Q =a ~b}", 4, "found } before {"),
        ("Q {=a {~b}}", 4, "expected } before another {"),
        ("Q {=a ~b} and {=c ~d}", 4, "a question has one set of answers { }"),
        ("::Name Q {=a ~b}", 4, "the question's name is not closed"),
        ("{=a ~b}", 4, "expected the question's text before its answers"),
        ("Q {\n~a\n=b\n=c\n}", 7, "one answer is right (=)"),
        ("Q {=%50%a ~b}", 4, "the right answer (=) is worth 100%"),
        ("Q {=a ~%100%b}", 4, "only the right answer (=) is worth 100%"),
        ("Q {=a ~%150%b}", 4, "a weight is a percentage from -100 to 100"),
        ("Q {~a ~b}", 4, "no right answer: mark it =, or give the right ones weights"),
        ("Q {\n~%50%a\n~%40%b\n~c}", 5, "the right answers' weights add up to 90%, not 100%"),
        ("Q {=a ~}", 4, "expected the answer's text after its = or ~"),
        ("Q {\nfirst =a ~b}", 5, "expected = or ~ before 'first'"),
        ("Q {Paris}", 4, "expected = before 'Paris'"),
        ("Q {=%50%Paris}", 4, "at least one accepted answer must be worth 100%"),
        ("Q {=Paris =%0%Lyon}", 4, "an accepted answer is worth more than 0% and up to 100%"),
        ("Q {=a -> 1 =b}", 4, "expected left -> right in each pair"),
        ("Q {=a -> 1}", 4, "a matching question needs 2 to 26 pairs"),
        ("Q {\n=a -> 1\n= -> 2\n}", 6, "expected text on both sides of ->"),
        ("Q {=a -> 1 =A -> 2}", 4, "each left and each right appears once"),
        ("Q {=a -> 1#well =b -> 2}", 4, "a matching pair has no feedback"),
        ("Q {T#a#b#c}", 4, "expected at most two feedbacks"),
        ("Q {#twelve}", 4, "expected a number such as {#3.5}, {#3.5:0.1} or {#3..4}"),
        ("Q {#5..1}", 4, "the range 5..1 runs backwards"),
        ("Q {#5:-1}", 4, "a tolerance cannot be negative"),
        ("Q {#1e999}", 4, "numbers must be finite"),
        ("Q {#\n=%50%5\n}", 4, "a numeric question needs one answer worth 100%"),
        ("Q {#\n=5\n~6\n}", 6, "each numeric answer starts with ="),
        ("Q {#=5 =%0%6}", 4, "a numeric answer is worth more than 0% and up to 100%"),
        ("Q {~a =b ~%-150%c}", 4, "a weight is a percentage from -100 to 100"),
    ],
)
def test_a_malformed_question_is_an_error_naming_its_line(
    text: str, line: int, message: str
) -> None:
    result = parse_gift(PREFIX + text)
    assert [q.text for q in result.quiz.questions] == ["Fine"]
    assert len(result.errors) >= 1
    assert result.errors[0][0] == line, result.errors
    assert message in result.errors[0][1], result.errors


def test_every_malformed_question_is_reported_and_the_sound_ones_kept() -> None:
    result = parse_gift("A {=a ~b\n\nB {T}\n\nC {#x}\n\nD {=x =y}")
    assert [line for line, _message in result.errors] == [1, 5]
    assert [q.text for q in result.quiz.questions] == ["B", "D"]
    assert [q.id for q in result.quiz.questions] == ["q1", "q2"]


def test_a_quiz_of_more_than_200_questions_is_refused_at_the_201st() -> None:
    result = parse_gift("\n\n".join(f"Q{n} {{T}}" for n in range(201)))
    assert len(result.quiz.questions) == 200
    assert result.errors == [(401, "a quiz has at most 200 questions")]


# -- writing and round trips ------------------------------------------------------------------


def test_gift_to_quiz_to_gift_keeps_every_question(everything: GiftResult) -> None:
    written = to_gift(everything.quiz)
    again = parse_gift(written)
    assert again.errors == [] and again.warnings == []
    assert dumps(again.quiz) == dumps(everything.quiz)
    assert to_gift(again.quiz) == written


def test_gift_import_as_a_quiz_block_reads_back_the_same(everything: GiftResult) -> None:
    parsed = syntax.parse(syntax.write(everything.quiz))
    assert parsed.problems == []
    assert dumps(parsed.quiz) == dumps(everything.quiz)


def test_what_gift_looks_like() -> None:
    quiz = Quiz(
        questions=[
            Question(
                id="q1",
                type=MULTIPLE,
                text="Pick = the {right} ones: #1 ~ 2",
                name="Boxes: three",
                choices=[
                    Choice("q1.a", "a", True, 100 / 3, "Yes."),
                    Choice("q1.b", "b", True, 100 / 3),
                    Choice("q1.c", "c\\d", True, 100 / 3),
                    Choice("q1.d", "%50% off", False, 0.0),
                    Choice("q1.e", "e", False, -100 / 3),
                ],
            ),
            Question(
                id="q2",
                type=TRUE_FALSE,
                text="Two\nlines",
                choices=[
                    Choice("q2.a", "True", False, 0.0, "No."),
                    Choice("q2.b", "False", True, 100.0),
                ],
            ),
            Question(
                id="q3",
                type=NUMERIC,
                text="About ____ metres",
                numeric=[Graded(2.5, 0.5, None, 100.0), Graded(None, None, (1, 4), 50.0)],
            ),
        ]
    )
    assert to_gift(quiz) == (
        "::Boxes\\: three::[markdown]Pick \\= the \\{right\\} ones\\: \\#1 \\~ 2 {\n"
        "\t~%33.33333%a#Yes.\n"
        "\t~%33.33333%b\n"
        "\t~%33.33333%c\\\\d\n"
        "\t~%0%%50% off\n"
        "\t~%-33.33333%e\n"
        "}\n"
        "\n"
        "[markdown]Two\\nlines {FALSE#No.}\n"
        "\n"
        "[markdown]About {\n"
        "\t#\n"
        "\t=2.5:0.5\n"
        "\t=%50%1..4\n"
        "} metres\n"
    )


def test_escaped_text_comes_back_as_it_was() -> None:
    text = "a = b ~ c # d { e } f : g \\ h \\n i\n\nj // k ____"
    question = Question(
        id="q1",
        type=SHORT,
        text=text,
        name="::odd:: name",
        choices=[Choice("q1.a", "{=~#:}\\", True, 100.0, "#### not general")],
    )
    back = parse_gift(to_gift(Quiz(questions=[question])))
    assert back.errors == []
    assert dumps(back.quiz) == dumps(Quiz(questions=[question]))


BLOCK = """\
pass mark: 80

Title: Best interests
1. Which principle asks what is best for the child?
... Articles 2, 3, 6 and 12.
a) Non-discrimination
... Equal treatment.
*b) Best interests of the child
c) %50% Participation

Title: 独处
2. 志愿者可以单独与儿童待在关着门的房间里。
a) 对
*b) 错
... 正确：门要开着。

3. Every child has the right to play.
*a) True
... Article 31.
b) False

Title: Safe
4. Which are safe practices?
[*] Two adults in the room
[*] Doors left open
[*] Parents told
... Always.
[ ] Private messages

5. Weighted boxes
[*] %70% a
[*] %30% b
[ ] %-50% c
[ ] %0% d

6. Which article is about play?
* 31
* %50% Article thirty-one
... Write the number.

7. Which year?
= 1989 +- 1
= %50% [1980, 1999]

8. Match them.
Article 12 -> heard
Article 31 -> play
"""


def comparable(quiz: Quiz) -> list[dict[str, Any]]:
    """The questions with weights to four decimals: GIFT writes 100/3 as 33.33333."""
    found = dumps(quiz)
    for question in found:
        for choice in question["choices"]:
            choice["weight"] = round(choice["weight"], 4)
    return found


def test_quiz_block_to_gift_to_quiz_keeps_the_questions() -> None:
    parsed = syntax.parse(BLOCK)
    assert parsed.problems == []
    back = parse_gift(to_gift(parsed.quiz))
    assert back.errors == [] and back.warnings == []
    assert comparable(back.quiz) == comparable(parsed.quiz)
    boxes = back.quiz.questions[3]
    assert [c.weight for c in boxes.choices] == [33.33333, 33.33333, 33.33333, -33.33333]


def test_what_gift_cannot_say_is_listed() -> None:
    block = "shuffle answers: true\n\nPoints: 2\n1. Q\n+ Well done.\n*a) x\nb) y\n\n2. R\n* r\n"
    quiz = syntax.parse(block, first_line=10).quiz
    assert left_out(quiz, settings_line=10) == [
        (10, "GIFT has no quiz settings; they are left out"),
        (13, "question 1: GIFT has no points; left out"),
        (13, "question 1: GIFT has no feedback for right or wrong (+ and -); left out"),
    ]
    assert left_out(syntax.parse(BLOCK).quiz) == [
        (1, "GIFT has no quiz settings; they are left out")
    ]
    assert left_out(parse_gift(EVERYTHING).quiz) == []


# -- random input ----------------------------------------------------------------------------

GIFT_PIECES = [
    *"{}=~#:%\\/-> \n\r\tTFa1.[]$对",
    "->",
    "//",
    "::",
    "####",
    "[html]",
    "{#",
    "..",
    "%50%",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([*GIFT_PIECES, "\n\n", "$CATEGORY:", "TRUE"]), max_size=80))
def test_random_text_never_crashes_and_lines_are_in_the_file(pieces: list[str]) -> None:
    text = "".join(pieces)
    result = parse_gift(text)
    last = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    for line, message in [*result.errors, *result.warnings]:
        assert 1 <= line <= last and message
    if not result.errors:
        assert result.quiz.questions


WORD = st.lists(
    st.sampled_from([*"ab 1.:#=~{}%\\\n", "->", "对", "____", "%50%", "True", "a)", "Title: x"]),
    min_size=1,
    max_size=6,
).map("".join)
ANSWER = st.tuples(
    st.sampled_from(["=", "~", "~%50%", "~%-50%", "=%50%", "~%100%", "#", "=%100%"]),
    WORD,
    st.none() | WORD,
)


def escaped(text: str) -> str:
    for char in "\\~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def a_question(parts: tuple[str, list[tuple[str, str, str | None]], str]) -> str:
    before, answers, after = parts
    inside = " ".join(
        marker + escaped(text) + ("" if feedback is None else "#" + escaped(feedback))
        for marker, text, feedback in answers
    )
    return f"{escaped(before)} {{{inside}}}{escaped(after)}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(WORD, st.lists(ANSWER, min_size=1, max_size=4), WORD), max_size=3))
def test_whatever_reads_without_errors_writes_back_the_same(
    questions: list[tuple[str, list[tuple[str, str, str | None]], str]],
) -> None:
    result = parse_gift("\n\n".join(a_question(parts) for parts in questions))
    if result.errors:
        return
    again = parse_gift(to_gift(result.quiz))
    assert again.errors == []
    assert dumps(again.quiz) == dumps(result.quiz)
