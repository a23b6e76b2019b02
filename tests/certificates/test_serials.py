"""Serials: the documented shape, 50 random bits, and a check character that catches a
mistyped character or two swapped neighbours."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.certificates import serials

SHAPE = re.compile(r"VLMS-[A-Z0-9]{2,8}-\d{4}-\d-[0-9A-HJKMNP-TV-Z]{10}-[0-9A-Z]")
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def test_a_serial_has_the_documented_shape_and_parses_back() -> None:
    made = serials.new(issuer="DEMO", year=2026, level_code="L5")
    text = str(made)
    assert SHAPE.fullmatch(text), text
    assert text.startswith("VLMS-DEMO-2026-5-")
    assert serials.parse(text) == made
    assert serials.parse(" " + text.lower() + " ") == made  # as typed from paper


def test_the_level_digit_comes_from_the_level_code() -> None:
    assert serials.level_digit("L5") == 5
    assert serials.level_digit("L3") == 3
    assert serials.level_digit("basic") == 0
    assert str(serials.new(issuer="AB", year=2027, level_code="L4")).startswith("VLMS-AB-2027-4-")


def test_random_parts_do_not_repeat() -> None:
    seen = {serials.new(issuer="DEMO", year=2026, level_code="L5").random for _ in range(2000)}
    assert len(seen) == 2000


def test_look_alike_letters_in_the_random_part_are_forgiven() -> None:
    made = serials.new(issuer="DEMO", year=2026, level_code="L5")
    text = str(made)
    if "0" in made.random or "1" in made.random:
        typed = text.replace(made.random, made.random.replace("0", "O").replace("1", "I"))
        assert serials.parse(typed) == made


@pytest.mark.parametrize(
    "bad",
    ["", "VLMS", "ABCD-DEMO-2026-5-K7Q2M9XH4T-8", "VLMS-D-2026-5-K7Q2M9XH4T-8", "x" * 500],
)
def test_what_is_not_a_serial_is_refused_as_such(bad: str) -> None:
    with pytest.raises(serials.BadSerial) as refused:
        serials.parse(bad)
    assert refused.value.reason == "shape"


@given(st.integers(min_value=0, max_value=27), st.sampled_from(ALNUM))
def test_any_single_mistyped_character_is_caught(position: int, replacement: str) -> None:
    made = str(serials.new(issuer="DEMO", year=2026, level_code="L5"))
    places = [i for i, c in enumerate(made) if c != "-" and i >= 5]  # after the prefix
    at = places[position % len(places)]
    if made[at] == replacement:
        return
    typed = made[:at] + replacement + made[at + 1 :]
    if serials.normalise(typed) == made:  # O for 0, I or L for 1: the same serial
        return
    with pytest.raises(serials.BadSerial):
        serials.parse(typed)


def test_swapping_two_neighbours_is_caught() -> None:
    made = str(serials.new(issuer="DEMO", year=2026, level_code="L5"))
    random_start = made.index("-", 15) + 1
    for at in range(random_start, random_start + 9):
        if made[at] == made[at + 1]:
            continue
        typed = made[:at] + made[at + 1] + made[at] + made[at + 2 :]
        with pytest.raises(serials.BadSerial) as refused:
            serials.parse(typed)
        assert refused.value.reason == "check"


def test_a_bad_issuer_code_cannot_make_a_serial() -> None:
    with pytest.raises(ValueError, match="issuer"):
        serials.new(issuer="demo!", year=2026, level_code="L5")


def test_the_example_serial_in_the_docs_is_a_real_one() -> None:
    """README, docs/certificates.md and the API's example show this serial."""
    assert str(serials.parse("VLMS-DEMO-2026-5-K7Q2M9XH4T-8")) == "VLMS-DEMO-2026-5-K7Q2M9XH4T-8"
