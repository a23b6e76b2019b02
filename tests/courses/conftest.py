"""A small two-module bilingual course to check and sync."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lms.config import Settings
from tests.support import FIXTURE_CONTENT

COURSE = """---
slug: demo
title: {en: Demo, zh: 示范}
summary: {en: A demo course., zh: 示范课程。}
order: 1
hours: 2
languages: [en, zh]
---
Introduction.
"""
MODULE = """---
title: {title}
minutes: 15
---
## Section

Body with a [link](02-second.md).
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    course = tmp_path / "courses" / "demo"
    write(course, "course.md", COURSE)
    for stem in ("01-first", "02-second"):
        write(course, f"{stem}.md", MODULE.format(title="English title"))
        write(course, f"{stem}.zh.md", MODULE.format(title="中文标题"))
    return tmp_path


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A writable copy of the fixture content: publishing writes modules back to it."""
    copy = tmp_path / "writable-content"  # tests of their own use tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, copy)
    return copy


@pytest.fixture
def settings(tmp_path: Path, database_url: str, content: Path) -> Settings:
    """The app's settings with ``content`` as the content dir (never the fixture itself)."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path / "var",
        database_url=database_url,
        base_url="http://testserver",
        content_dir=content,
    )
