"""Drawing helpers the certificate and the service record share: text that must fit a
width, names in any script, numbers and dates as printed."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from xml.sax.saxutils import escape

from babel.dates import format_date
from reportlab import rl_config
from reportlab.lib.colors import Color
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from lms.certificates import fonts
from lms.certificates.document import Bilingual

TEAL = Color(15 / 255, 76 / 255, 92 / 255)
GOLD = Color(184 / 255, 146 / 255, 58 / 255)
DEEP_GOLD = Color(140 / 255, 109 / 255, 42 / 255)
INK = Color(31 / 255, 42 / 255, 48 / 255)
GREY = Color(96 / 255, 106 / 255, 112 / 255)
RED = Color(178 / 255, 34 / 255, 34 / 255)
CREAM = Color(1, 253 / 255, 246 / 255)


def number(value: float) -> str:
    """24.5 → "24.5", 24.0 → "24", 12.25 → "12.25": hours and scores as people write them."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


@lru_cache(maxsize=512)
def dates(day: date) -> Bilingual:
    """2026年11月23日 and 23 November 2026."""
    return Bilingual(
        zh=format_date(day, "long", locale="zh_CN"),
        en=format_date(day, "d MMMM y", locale="en"),
    )


def _direction(word: str) -> str | None:
    for char in word:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "R"
        if kind == "L":
            return "L"
    return None


def visual(text: str) -> str:
    """``text`` with its words in display order. HarfBuzz shapes each word right to left
    when its script is, but ReportLab lays the words of a line left to right and has no
    bidi algorithm without rlbidi; so a run of right-to-left words is reversed here, and
    in a right-to-left name (the first strong letter decides) the runs too. Word-level:
    enough for names; digits inside an Arabic word stay where HarfBuzz puts them."""
    words = text.split(" ")
    kinds = [_direction(word) for word in words]
    base = next((k for k in kinds if k), "L")
    resolved: list[str] = []
    for i, kind in enumerate(kinds):
        if kind is None:  # a neutral takes its neighbours' direction when they agree
            before = next((k for k in reversed(kinds[:i]) if k), base)
            after = next((k for k in kinds[i + 1 :] if k), base)
            kind = before if before == after else base
        resolved.append(kind)
    groups: list[tuple[str, list[str]]] = []
    for word, kind in zip(words, resolved, strict=True):
        if groups and groups[-1][0] == kind:
            groups[-1][1].append(word)
        else:
            groups.append((kind, [word]))
    ordered = [list(reversed(ws)) if kind == "R" else ws for kind, ws in groups]
    if base == "R":
        ordered.reverse()
    return " ".join(word for ws in ordered for word in ws)


def needs_shaping(text: str) -> bool:
    return any(font not in (fonts.SANS, fonts.SANS_BOLD) for font, _ in fonts.runs(text))


def markup(text: str, *, bold: bool = False) -> str:
    """Paragraph markup drawing each run of ``text`` in a font that has it."""
    return "".join(
        f'<font name="{font}">{escape(chunk)}</font>'
        for font, chunk in fonts.runs(visual(text), bold=bold)
    )


def natural_width(text: str, size: float, *, bold: bool = False) -> float:
    return sum(stringWidth(chunk, font, size) for font, chunk in fonts.runs(text, bold=bold))


@lru_cache(maxsize=64)
def style(
    size: float,
    *,
    bold: bool = False,
    color: Color = INK,
    centre: bool = True,
    cjk: bool = False,
    shaping: bool = False,
    leading: float = 1.25,
) -> ParagraphStyle:
    """A paragraph style, built once per combination (ReportLab styles are not free)."""
    return ParagraphStyle(
        f"lms-{size}-{bold}-{centre}-{cjk}-{shaping}",
        fontName=fonts.SANS_BOLD if bold else fonts.SANS,
        fontSize=size,
        leading=size * leading,
        textColor=color,
        alignment=TA_CENTER if centre else TA_LEFT,
        wordWrap="CJK" if cjk else None,
        shaping=1 if shaping else 0,
        splitLongWords=1,
    )


class NameParagraph(Paragraph):
    """A paragraph that marks what it draws as standing for ``text`` (see actual_text)."""

    def __init__(self, text: str, style: ParagraphStyle, *, actual: str) -> None:
        super().__init__(text, style)
        self.actual = actual

    def draw(self) -> None:
        with actual_text(self.canv, self.actual):
            super().draw()


def name_paragraph(
    text: str, size: float, *, bold: bool = True, color: Color = INK, centre: bool = True
) -> Paragraph:
    """A person's name in any script: runs in the fallback chain, shaped when a run is
    Arabic or Tibetan, extracted and copied as the characters typed."""
    shaping = needs_shaping(text)
    return NameParagraph(
        markup(text, bold=bold),
        style(size, bold=bold, color=color, centre=centre, shaping=shaping),
        actual=text,
    )


def fit(text: str, font: str, size: float, width: float, smallest: float) -> float:
    """The largest size up to ``size`` at which ``text`` fits ``width`` (not below
    ``smallest``)."""
    natural = stringWidth(text, font, size)
    if natural <= width:
        return size
    return max(smallest, size * width / natural * 0.995)


def ellipsis(text: str, font: str, size: float, width: float) -> str:
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def centred(
    canvas: Canvas,
    text: str,
    x: float,
    y: float,
    font: str,
    size: float,
    *,
    width: float,
    smallest: float | None = None,
    spacing: float = 0,
) -> None:
    """One line centred on ``x``, shrunk to fit ``width`` and cut with … as a last resort."""
    size = fit(text, font, size, width, smallest or size * 0.7)
    text = ellipsis(text, font, size, width)
    canvas.setFont(font, size)
    if spacing:
        natural = stringWidth(text, font, size) + spacing * (len(text) - 1)
        canvas.drawString(x - natural / 2, y, text, charSpace=spacing)
    else:
        canvas.drawCentredString(x, y, text)


@contextmanager
def actual_text(canvas: Canvas, text: str) -> Iterator[None]:
    """Marks what is drawn inside as standing for ``text``: copying or extracting a shaped
    name (Uyghur, Tibetan) gives its characters, not the font's private glyph codes."""
    encoded = ("\ufeff" + text).encode("utf-16-be").hex().upper()
    canvas.addLiteral(f"/Span <</ActualText <{encoded}>>> BDC")
    try:
        yield
    finally:
        canvas.addLiteral("EMC")


@contextmanager
def binary_streams() -> Iterator[None]:
    """Compressed streams without ReportLab's ASCII85 layer on top: a quarter smaller, and
    its pure-Python encoder took a tenth of a cohort's time. Every PDF reader reads binary
    streams; the setting is global, so it is put back afterwards (a render in another
    thread meanwhile gets valid PDF either way)."""
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved
