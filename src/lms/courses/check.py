"""The whole content folder at once: courses, then pathways that name them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lms.courses.source import CourseSource, Problem, load_courses
from lms.pathways.source import Pathway, load_pathways


@dataclass
class Content:
    root: Path
    courses: list[CourseSource]
    pathways: list[Pathway]
    problems: list[Problem]


def load_content(root: Path) -> Content:
    courses = load_courses(root / "courses")
    pathways = load_pathways(root / "pathways", {c.slug for c in courses.courses})
    return Content(
        root=root,
        courses=courses.courses,
        pathways=pathways.pathways,
        problems=sorted(courses.problems + pathways.problems),
    )
