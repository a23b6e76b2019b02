"""Certificate serials: readable, parseable, unguessable, and checked.

    VLMS-DEMO-2026-5-K7Q2M9XH4T-8
    │    │    │    │ │          └ check character, ISO/IEC 7064 MOD 37,36 over the rest
    │    │    │    │ └ 10 random characters, Crockford base32: 50 bits from ``secrets``
    │    │    │    └ level digit (the digit in the level code, L5 → 5; 0 if it has none)
    │    │    └ year of issue
    │    └ issuer code, 2–8 capital letters or digits, from the certificate template
    └ our prefix: never mistaken for an official certificate number

The fields follow the order of China's vocational certificate numbers (issuer, year,
level), so the number reads the way coordinators expect; the prefix and the random part
make it ours and impossible to enumerate. A mistyped character is caught by the check
character (every single substitution and every swap of neighbours), before the
database is asked. Lower case, spaces and the look-alikes O→0, I/L→1 are forgiven in
the random part when reading.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from stdnum.iso7064 import mod_37_36

PREFIX = "VLMS"
RANDOM_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
RANDOM_LENGTH = 10  # 10 × 5 = 50 bits
ISSUER = re.compile(r"[A-Z0-9]{2,8}")
SHAPE = re.compile(
    rf"{PREFIX}-(?P<issuer>[A-Z0-9]{{2,8}})-(?P<year>\d{{4}})-(?P<level>\d)"
    rf"-(?P<random>[{RANDOM_ALPHABET}]{{{RANDOM_LENGTH}}})-(?P<check>[0-9A-Z])"
)
MAX_LENGTH = 40


@dataclass(frozen=True)
class Serial:
    issuer: str
    year: int
    level: int
    random: str
    check: str

    def __str__(self) -> str:
        return f"{PREFIX}-{self.issuer}-{self.year}-{self.level}-{self.random}-{self.check}"


class BadSerial(ValueError):
    """Not a serial: ``reason`` is "shape" or "check"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def level_digit(code: str) -> int:
    digits = [c for c in code if c.isdigit()]
    return int(digits[-1]) if digits else 0


def _body(issuer: str, year: int, level: int, random: str) -> str:
    return f"{PREFIX}{issuer}{year:04d}{level}{random}"


def new(*, issuer: str, year: int, level_code: str) -> Serial:
    if not ISSUER.fullmatch(issuer):
        raise ValueError(f"issuer code {issuer!r}: 2–8 capital letters or digits")
    random = "".join(secrets.choice(RANDOM_ALPHABET) for _ in range(RANDOM_LENGTH))
    level = level_digit(level_code)
    check = mod_37_36.calc_check_digit(_body(issuer, year, level, random))
    return Serial(issuer, year, level, random, check)


def normalise(text: str) -> str:
    """Upper case, no spaces; look-alikes mapped in the random part only."""
    value = re.sub(r"\s+", "", text).upper()
    parts = value.split("-")
    if len(parts) == 6:
        parts[4] = parts[4].translate(str.maketrans("OIL", "011"))
        value = "-".join(parts)
    return value


def parse(text: str) -> Serial:
    """The serial ``text`` names, or ``BadSerial``."""
    if len(text) > MAX_LENGTH + 10:
        raise BadSerial("shape")
    match = SHAPE.fullmatch(normalise(text))
    if match is None:
        raise BadSerial("shape")
    found = Serial(
        issuer=match["issuer"],
        year=int(match["year"]),
        level=int(match["level"]),
        random=match["random"],
        check=match["check"],
    )
    body = _body(found.issuer, found.year, found.level, found.random)
    if not mod_37_36.is_valid(body + found.check):
        raise BadSerial("check")
    return found
