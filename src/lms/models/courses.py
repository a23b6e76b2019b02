"""Courses, modules and their revisions. Learners' progress and quiz attempts point at
the revision they saw; a new revision never rewrites an old one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from lms.models.base import timestamp_field, timestamp_type


class Course(SQLModel, table=True):
    __tablename__ = "course"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True)
    position: int = Field(default=0, description="order in the catalogue")
    hours: float = Field(default=1)
    languages: list[str] = Field(sa_column=Column(JSON, nullable=False))
    title: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    summary: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    intro_html: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    sources: dict[str, str] | None = Field(
        default=None,
        sa_column=Column(JSON, nullable=True),
        description="course.md and its translations as written, by file name",
    )
    source_digest: str = Field(max_length=64)
    updated_at: datetime = timestamp_field()


class Module(SQLModel, table=True):
    __tablename__ = "module"
    __table_args__ = (UniqueConstraint("course_id", "stem"),)

    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(foreign_key="course.id", ondelete="CASCADE")
    stem: str = Field(max_length=80, description="01-what-are-rights: the URL")
    number: int
    current_revision: int | None = Field(default=None, description="what learners see now")
    created_at: datetime = timestamp_field()


class ModuleRevision(SQLModel, table=True):
    """One published state of a module, in every language of its course."""

    __tablename__ = "module_revision"
    __table_args__ = (UniqueConstraint("module_id", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    module_id: int = Field(foreign_key="module.id", ondelete="CASCADE")
    revision: int = Field(ge=1)
    origin: str = Field(max_length=10, description="file or browser")
    file_digest: str | None = Field(
        default=None, max_length=64, description="of the files it was imported from"
    )
    author_id: int | None = Field(default=None, description="who published it in the browser")
    created_at: datetime = timestamp_field()


class ModuleText(SQLModel, table=True):
    """A revision in one language: the Markdown as written, the sanitised HTML rendered
    once, and the quiz block kept raw for the quizzes."""

    __tablename__ = "module_text"
    __table_args__ = (
        UniqueConstraint("revision_id", "language"),
        Index("ix_module_text_revision_id", "revision_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    revision_id: int = Field(foreign_key="module_revision.id", ondelete="CASCADE")
    language: str = Field(max_length=8)
    title: str = Field(max_length=300)
    minutes: int
    source: str = Field(sa_column=Column(Text, nullable=False))
    html: str = Field(sa_column=Column(Text, nullable=False))
    quiz: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    quiz_line: int | None = None
    quiz_data: dict[str, Any] | None = Field(
        default=None,
        sa_column=Column(JSON, nullable=True),
        description="the parsed quiz with its rendered HTML (lms.quizzes.model.Quiz)",
    )
    extra: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Pathway(SQLModel, table=True):
    """A pathway file as last loaded without problems (a broken file keeps this one)."""

    __tablename__ = "pathway"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True)
    title: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    definition: dict[str, Any] = Field(
        sa_column=Column(JSON, nullable=False), description="the checked file, as JSON"
    )
    source_digest: str = Field(max_length=64)
    updated_at: datetime = timestamp_field()


class ContentProblem(SQLModel, table=True):
    """What the last sync refused, for the content-errors page (replaced at each sync)."""

    __tablename__ = "content_problem"

    id: int | None = Field(default=None, primary_key=True)
    path: str = Field(max_length=500, description="relative to the content folder")
    line: int
    message: str = Field(max_length=1000)
    found_at: datetime = timestamp_field()


class Enrolment(SQLModel, table=True):
    """A learner in a course: by their own choice, or through a cohort's pathway."""

    __tablename__ = "enrolment"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        Index("ix_enrolment_course_id", "course_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    course_id: int = Field(foreign_key="course.id", ondelete="CASCADE")
    origin: str = Field(max_length=10, description="self or cohort")
    cohort_id: int | None = Field(default=None, foreign_key="cohort.id", ondelete="SET NULL")
    enrolled_at: datetime = timestamp_field()
    last_module_id: int | None = Field(
        default=None, foreign_key="module.id", ondelete="SET NULL", description="to resume"
    )
    last_visited_at: datetime | None = Field(default=None, sa_type=timestamp_type())


class ModuleProgress(SQLModel, table=True):
    """A learner's state in one module. ``revision_id`` is the revision they saw when they
    marked it read; a module read in any revision stays read."""

    __tablename__ = "module_progress"
    __table_args__ = (
        UniqueConstraint("user_id", "module_id"),
        Index("ix_module_progress_module_id", "module_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    module_id: int = Field(foreign_key="module.id", ondelete="CASCADE")
    revision_id: int = Field(foreign_key="module_revision.id", ondelete="CASCADE")
    read_at: datetime | None = Field(default=None, sa_type=timestamp_type())
    quiz_passed_at: datetime | None = Field(
        default=None, sa_type=timestamp_type(), description="set by the quizzes"
    )
