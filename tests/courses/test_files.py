"""Which course files may be served: inside the folder, of a listed type, not hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.courses.source import safe_file


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    course = tmp_path / "course"
    (course / "images").mkdir(parents=True)
    (course / "images" / "map.png").write_bytes(b"\x89PNG")
    (course / "images" / "地图.jpg").write_bytes(b"\xff\xd8")
    (course / "01-a.md").write_text("---\n", encoding="utf-8")
    (tmp_path / "secret.png").write_bytes(b"\x89PNG")
    (course / "images" / "escape.png").symlink_to(tmp_path / "secret.png")
    return course


@pytest.mark.parametrize("good", ["images/map.png", "images/地图.jpg"])
def test_pictures_in_the_folder_are_served(folder: Path, good: str) -> None:
    assert safe_file(folder, good) == (folder / good).resolve()


@pytest.mark.parametrize(
    "bad",
    [
        "../secret.png",
        "images/../../secret.png",
        "/etc/passwd",
        "images/escape.png",  # a link out of the folder
        "01-a.md",  # sources are not files to serve
        "images/.map.png",
        "images\\map.png",
        "images/missing.png",
        "images//map.png",
        "x" * 600 + ".png",
    ],
)
def test_anything_else_is_refused(folder: Path, bad: str) -> None:
    assert safe_file(folder, bad) is None
