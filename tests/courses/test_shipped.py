"""The three shipped courses: long enough, bilingual, a checked quiz at the end of every
module in both languages, and sources at the end of every module."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lms.courses.check import load_content
from lms.courses.source import CourseSource
from lms.quizzes.model import CHOICE_TYPES, MATCHING, NUMERIC, SHORT, Question
from lms.quizzes.service import right_answer

ROOT = Path(__file__).resolve().parents[2]
CONTENT = load_content(ROOT / "content")
COURSES = {course.slug: course for course in CONTENT.courses}
HAN = re.compile(r"[\u4e00-\u9fff]")
QUIZ_BLOCK = re.compile(r"```quiz\n.*?```", re.S)


def prose(source: str) -> str:
    """A module's text without its front matter and its quiz."""
    body = source.split("\n---\n", 1)[1] if source.startswith("---\n") else source
    return QUIZ_BLOCK.sub("", body)


def test_the_content_check_passes() -> None:
    assert CONTENT.problems == []
    assert set(COURSES) == {"child-rights", "community-rebuilding", "volunteer-skills"}


@pytest.mark.parametrize("slug", ["child-rights", "community-rebuilding", "volunteer-skills"])
def test_a_shipped_course_is_long_enough_in_both_languages(slug: str) -> None:
    course: CourseSource = COURSES[slug]
    assert course.meta.languages == ["en", "zh"]
    assert len(course.modules) >= 4
    words = sum(len(prose(m.versions["en"].source).split()) for m in course.modules)
    han = sum(len(HAN.findall(prose(m.versions["zh"].source))) for m in course.modules)
    assert words >= 2500, f"{slug}: {words} English words"
    assert han >= 4000, f"{slug}: {han} Chinese characters"


def has_right_answer(question: Question) -> bool:
    answer = right_answer(question)
    if question.type in CHOICE_TYPES or question.type in (SHORT, MATCHING):
        return bool(answer)
    return question.type == NUMERIC and question.main is not None


@pytest.mark.parametrize("slug", ["child-rights", "community-rebuilding", "volunteer-skills"])
def test_every_module_ends_with_a_quiz_with_feedback_and_sources(slug: str) -> None:
    course = COURSES[slug]
    types = set()
    for module in course.modules:
        for language, version in module.versions.items():
            where = f"{slug}/{module.stem} ({language})"
            quiz = version.quiz
            assert quiz is not None, f"{where}: no quiz"
            assert version.source.rstrip().endswith("```"), f"{where}: the quiz is not last"
            assert len(quiz.questions) >= 3, where
            for question in quiz.questions:
                assert has_right_answer(question), f"{where} {question.id}: no right answer"
                feedback = question.feedback
                assert (
                    feedback.general
                    or feedback.correct
                    or feedback.incorrect
                    or any(c.feedback for c in question.choices)
                ), f"{where} {question.id}: no feedback"
                types.add(question.type)
            heading = "Further reading" if language == "en" else "延伸阅读"
            assert f"## {heading}" in version.source, f"{where}: no {heading}"
            assert "http://" not in version.source and "https://" not in version.source, (
                f"{where}: cites a URL; name the source instead"
            )
        english, chinese = module.versions["en"].quiz, module.versions["zh"].quiz
        assert english is not None and chinese is not None
        assert [q.type for q in english.questions] == [q.type for q in chinese.questions]
        assert [right_answer(q) for q in english.questions if q.type != SHORT] == [
            right_answer(q) for q in chinese.questions if q.type != SHORT
        ], f"{slug}/{module.stem}: the two languages have different keys"
    assert len(types) >= 3, f"{slug}: only {sorted(types)}"
