"""What a certificate or a service record prints: plain data, no database.

The service fills these from the database (a certificate from its snapshot taken when it
was issued, so a reprint years later says what the original said); ``pdf`` draws them.
Texts that appear in both languages are ``Bilingual`` pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class Bilingual:
    zh: str
    en: str


@dataclass(frozen=True)
class Template:
    """A certificate template: ``content/certificates/<name>.yaml``. Images are absolute
    paths, already checked to exist and to be PNG or JPEG when the template was loaded."""

    name: str
    issuer_code: str  # 2–8 capital letters or digits; part of every serial
    organisation: Bilingual
    signatory: str  # a person's name, printed as written
    signatory_title: Bilingual
    logo: Path | None = None
    signature: Path | None = None


@dataclass(frozen=True)
class CourseLine:
    title: Bilingual
    best_score: float | None  # 0–100: each quiz's best attempt, averaged; None: no quiz


@dataclass(frozen=True)
class Revocation:
    on: date
    reason: str


@dataclass(frozen=True)
class CertificateData:
    serial: str
    holder: str  # the name exactly as typed: any script
    pathway: Bilingual
    level_code: str
    level: Bilingual
    courses: tuple[CourseLine, ...]
    hours: float  # approved practicum hours
    issued_on: date
    verify_url: str  # what the QR code encodes
    template: Template
    revoked: Revocation | None = None


@dataclass(frozen=True)
class ServiceLine:
    """Approved service at one site in one category."""

    site: str
    category: str  # already in Chinese
    sessions: int
    hours: float
    first: date
    last: date


@dataclass(frozen=True)
class ServiceRecordData:
    """志愿服务记录证明: approved service of one volunteer, printed in Chinese."""

    number: str
    holder: str
    volunteer_number: str
    student_id: str | None
    lines: tuple[ServiceLine, ...]
    total_hours: float
    issued_on: date
    template: Template
    notes: tuple[str, ...] = field(default=())
