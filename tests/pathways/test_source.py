from __future__ import annotations

from pathlib import Path

import pytest

from lms.pathways.source import load_pathways

GOOD = """slug: path
title: {en: P, zh: 路径}
levels:
  - code: L5
    title: {en: Five, zh: 五级}
    courses: [alpha]
  - code: L4
    title: {en: Four, zh: 四级}
    requires_level: L5
    courses: [alpha, beta]
    evaluation:
      criteria:
        - {code: rapport, title: {en: Rapport, zh: 信任}}
"""


def check(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "path.yaml").write_text(text, encoding="utf-8")
    loaded = load_pathways(tmp_path, {"alpha", "beta"})
    return [f"{p.line}: {p.message}" for p in loaded.problems]


def test_a_good_pathway(tmp_path: Path) -> None:
    assert check(tmp_path, GOOD) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("courses: [alpha, beta]", "courses: [alpha, nope]"),
            "10: level L4: there is no course nope",
        ),
        (("requires_level: L5", "requires_level: L9"), "9: level L4 requires L9"),
        (
            ("courses: [alpha]\n", "courses: [alpha]\n    requires_level: L4\n"),
            "prerequisites go round in a circle",
        ),
        (("code: L4", "code: L5"), "level L5 is defined twice"),
        (("slug: path", "slug: other"), "1: slug other must be the file's name"),
        (
            ("    courses: [alpha]\n", "    courses: [alpha]\n    colour: red\n"),
            "colour: unknown field",
        ),
        (("levels:", "levels: [oops"), "not valid YAML"),
        (("    courses: [alpha]\n", ""), "4: level L5 asks for nothing"),
    ],
)
def test_bad_pathways(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    found = check(tmp_path, GOOD.replace(*change, 1))
    assert any(expected in line for line in found), found
