"""The fonts certificates are drawn with, and the fallback chain a name goes through.

Kurinto Sans SC (from the ``weblate-fonts`` package) draws Chinese and Latin; Kurinto
Sans draws Arabic script (Uyghur), shaped by HarfBuzz when the text goes through a
ReportLab ``Paragraph``; a Tibetan font is used when the system has one (Debian's
``fonts-tibetan-machine`` or Noto Tibetan; only TrueType, ReportLab refuses CFF ``.otf``).

ReportLab draws a character its font lacks as an empty box without any error, so a name
is checked against every font's character map (:func:`check_name`) before a certificate
is issued, and drawn run by run in the first font that has each character (:func:`runs`).
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from lms.errors import Invalid
from lms.i18n import gettext as _

SANS = "KurintoSansSC"
SANS_BOLD = "KurintoSansSC-Bold"
ARABIC = "KurintoSans"
ARABIC_BOLD = "KurintoSans-Bold"
TIBETAN = "Tibetan"

# Where Debian's packages put TrueType Tibetan fonts, best first.
TIBETAN_CANDIDATES = (
    Path("/usr/share/fonts/truetype/tibetan-machine/TibetanMachineUni.ttf"),
    Path("/usr/share/fonts/truetype/noto/NotoSerifTibetan-Regular.ttf"),
    Path("/usr/share/fonts/truetype/noto/NotoSansTibetan-Regular.ttf"),
)


@dataclass(frozen=True)
class Chain:
    """The registered fonts in the order a character looks for one; ``bold`` is the
    chain of bold faces, the same fonts where a script has no bold."""

    regular: tuple[str, ...]
    bold: tuple[str, ...]
    cmaps: dict[str, frozenset[int]]


_lock = threading.Lock()
_chain: Chain | None = None


def kurinto_folder() -> Path:
    folder = resources.files("weblate_fonts") / "static" / "weblate_fonts" / "kurinto" / "ttf"
    return Path(str(folder))


def tibetan_font() -> Path | None:
    """The first TrueType Tibetan font installed on this system, or None."""
    for candidate in TIBETAN_CANDIDATES:
        if candidate.is_file():
            return candidate
    found = sorted(Path("/usr/share/fonts").glob("**/*Tibetan*.ttf"))
    return found[0] if found else None


def chain() -> Chain:
    """Registers the fonts with ReportLab the first time; later calls cost nothing."""
    global _chain
    if _chain is not None:
        return _chain
    with _lock:
        if _chain is None:
            _chain = _register()
    return _chain


def _register() -> Chain:
    folder = kurinto_folder()
    files: dict[str, Path] = {
        SANS: folder / "KurintoSansSC-Rg.ttf",
        SANS_BOLD: folder / "KurintoSansSC-Bd.ttf",
        ARABIC: folder / "KurintoSans-Rg.ttf",
    }
    if (folder / "KurintoSans-Bd.ttf").is_file():
        files[ARABIC_BOLD] = folder / "KurintoSans-Bd.ttf"
    tibetan = tibetan_font()
    if tibetan is not None:
        files[TIBETAN] = tibetan
    cmaps: dict[str, frozenset[int]] = {}
    for name, path in files.items():
        # shapable: a Paragraph with style.shaping shapes its words with HarfBuzz (joined,
        # right-to-left Arabic; stacked Tibetan). canvas.drawString never shapes.
        font = TTFont(name, str(path), shapable=True)
        pdfmetrics.registerFont(font)
        cmaps[name] = frozenset(font.face.charToGlyph)
    regular = tuple(n for n in (SANS, ARABIC, TIBETAN) if n in files)
    bold = tuple(
        b if b in files else r
        for r, b in ((SANS, SANS_BOLD), (ARABIC, ARABIC_BOLD), (TIBETAN, TIBETAN))
        if r in files
    )
    return Chain(regular=regular, bold=bold, cmaps=cmaps)


def _invisible(char: str) -> bool:
    """Spaces and format controls (ZWJ, ZWNJ, direction marks) need no glyph."""
    return char.isspace() or unicodedata.category(char) == "Cf"


def missing(text: str) -> list[str]:
    """The characters of ``text`` that no font of the chain has, each once, in order."""
    cmaps = chain().cmaps
    found: list[str] = []
    for char in text:
        if char in found or _invisible(char):
            continue
        if not any(ord(char) in cmap for cmap in cmaps.values()):
            found.append(char)
    return found


def runs(text: str, *, bold: bool = False) -> list[tuple[str, str]]:
    """``text`` cut into (font name, chunk) runs, each character in the first font of the
    chain that has it. Spaces, marks and punctuation the current font has stay in the
    current run, so a word and the space after it are shaped together."""
    fonts = chain()
    names = fonts.bold if bold else fonts.regular
    cmaps = [fonts.cmaps[n] for n in names]
    result: list[tuple[str, str]] = []
    current = -1
    chunk: list[str] = []
    for char in text:
        code = ord(char)
        joins = current >= 0 and (
            _invisible(char) or (unicodedata.category(char)[0] in "MPZ" and code in cmaps[current])
        )
        if not joins:
            wanted = next((i for i, cmap in enumerate(cmaps) if code in cmap), max(current, 0))
            if wanted != current and chunk:
                result.append((names[current], "".join(chunk)))
                chunk = []
            current = wanted
        chunk.append(char)
    if chunk:
        result.append((names[current], "".join(chunk)))
    return result


def check_name(text: str) -> None:
    """Refuses a name a certificate could not print: ReportLab would draw boxes."""
    absent = missing(text)
    if absent:
        listed = ", ".join(f"{char} (U+{ord(char):04X})" for char in absent)
        raise Invalid(
            _(
                "The name contains characters no certificate font can draw: %(chars)s. "
                "Correct the name, or install a font that has them."
            )
            % {"chars": listed},
            field="name",
        )
