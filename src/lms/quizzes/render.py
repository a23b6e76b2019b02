"""A quiz's Markdown to safe HTML, once when it is loaded (a page never renders Markdown).

Question texts are Markdown blocks; choices, short answers and matching items are inline
Markdown. All of it goes through the same sanitiser as module pages.
"""

from __future__ import annotations

from lms.courses.markdown import clean, parser
from lms.quizzes.model import Quiz


def block(text: str) -> str:
    return clean(parser().render(text))


def inline(text: str) -> str:
    return clean(parser().renderInline(text))


def with_html(quiz: Quiz) -> Quiz:
    for question in quiz.questions:
        question.html = block(question.text)
        for choice in question.choices:
            choice.html = inline(choice.text)
        for pair in question.pairs:
            pair.left_html = inline(pair.left)
            pair.right_html = inline(pair.right)
    return quiz
