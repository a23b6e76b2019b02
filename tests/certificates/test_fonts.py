"""The font fallback chain: what a name is drawn with, and what it refuses."""

from __future__ import annotations

import pytest

from lms.certificates import fonts
from lms.errors import Invalid
from tests.support import require_tool

RARE_SURNAME = "\U00020bb7"  # 𠮷, a real surname character outside the BMP


def test_the_rare_surname_character_is_missing_from_every_font() -> None:
    """Checked, not assumed: if a font of the chain gains it, pick another character."""
    assert fonts.missing(f"{RARE_SURNAME}野家") == [RARE_SURNAME]
    assert fonts.missing("\ue000") == ["\ue000"]  # private use: no font has it


def test_check_name_names_each_missing_character_and_its_code_point() -> None:
    with pytest.raises(Invalid) as caught:
        fonts.check_name(f"{RARE_SURNAME}田\ue000{RARE_SURNAME}")
    assert caught.value.field == "name"
    assert f"{RARE_SURNAME} (U+20BB7)" in caught.value.message
    assert "U+E000" in caught.value.message
    assert caught.value.message.count("U+20BB7") == 1


@pytest.mark.parametrize(
    "name",
    ["欧阳明月", "Zhang Wei", "ئەركىن ئابدۇللا", "Мария", "李 Lǐ", "阿依古丽·买买提", "王‍五"],
)
def test_ordinary_names_pass(name: str) -> None:
    fonts.check_name(name)
    assert fonts.missing(name) == []


def test_runs_keep_each_script_in_a_font_that_has_it() -> None:
    runs = fonts.runs("张伟 ئەركىن Erkin")
    assert runs == [
        (fonts.SANS, "张伟 "),
        (fonts.ARABIC, "ئەركىن "),
        (fonts.SANS, "Erkin"),
    ]
    assert "".join(chunk for _, chunk in runs) == "张伟 ئەركىن Erkin"
    bold = fonts.runs("张伟 ئەركىن", bold=True)
    assert [font for font, _ in bold] == [fonts.SANS_BOLD, fonts.ARABIC_BOLD]


def test_tibetan_finds_the_system_font() -> None:
    path = fonts.tibetan_font()
    require_tool(str(path or fonts.TIBETAN_CANDIDATES[0]))  # fonts-tibetan-machine
    assert fonts.runs("བཀྲ་ཤིས་") == [(fonts.TIBETAN, "བཀྲ་ཤིས་")]
    assert fonts.missing("བཀྲ་ཤིས་ བདེ་ལེགས") == []


def test_registering_twice_is_free() -> None:
    assert fonts.chain() is fonts.chain()
