"""Evidence beside an hour entry: a photo (JPEG, PNG, WebP) or a PDF.

The kind is read from the file's first bytes, never from its name or declared type;
images are decoded and written again by Pillow, which drops EXIF (and the GPS position
in it) and anything hidden after the picture. A file that says it is a picture and is
not one is refused like an SVG or an HTML page.
"""

from __future__ import annotations

import asyncio
import io
import secrets
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.audit import service as audit
from lms.errors import Conflict, Forbidden, LMSError, NotFound
from lms.i18n import gettext as _
from lms.models.accounts import User
from lms.models.practicum import HourEvidence
from lms.practicum import service as hours
from lms.practicum.rules import EDITABLE

MAX_PIXELS = 50_000_000  # a 50-megapixel photo; more is a decompression bomb
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


class Unsupported(LMSError):
    status_code = 415


class TooLarge(LMSError):
    status_code = 413


def sniff(head: bytes) -> str | None:
    """The accepted type these first bytes begin, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def refused() -> Unsupported:
    return Unsupported(
        _("Only photos (JPEG, PNG, WebP) and PDF files can be evidence."), field="file"
    )


def clean(data: bytes) -> tuple[str, bytes]:
    """(content type, bytes to store): images decoded and saved again without metadata.
    Blocking (Pillow): run it in a thread."""
    kind = sniff(data[:16])
    if kind is None:
        raise refused()
    if kind == "application/pdf":
        if b"%%EOF" not in data[-2048:]:
            raise refused()
        return kind, data
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[kind]]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise refused()
                image.load()
                upright = ImageOps.exif_transpose(image)  # keep the picture the right way up
                if upright.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                    upright = upright.convert("RGB")
                if kind == "image/jpeg" and upright.mode not in ("RGB", "L"):
                    upright = upright.convert("RGB")
                out = io.BytesIO()
                options = {"quality": 90} if kind != "image/png" else {"optimize": True}
                upright.save(out, format=PILLOW_FORMATS[kind], **options)
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise refused() from exc
    return kind, out.getvalue()


def safe_filename(name: str | None, kind: str) -> str:
    """The uploaded name for the download, without paths or control characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{(stem or 'evidence')[:150]}.{EXTENSIONS[kind]}"


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_files: int


def evidence_dir(media_dir: Path) -> Path:
    return media_dir / "evidence"


async def add_evidence(
    session: AsyncSession,
    *,
    entry_id: int,
    user: User,
    data: bytes,
    filename: str | None,
    limits: Limits,
    media_dir: Path,
) -> HourEvidence:
    """Checks, cleans and stores one file beside the owner's entry. The file is written
    before the row; a failed transaction leaves a file no row names (``lms`` never serves
    it)."""
    entry = (await hours.access(session, entry_id=entry_id, user=user)).entry
    if entry.volunteer_id != user.id:
        raise Forbidden(_("Only the volunteer who logged this entry may add evidence."))
    if entry.status not in EDITABLE:
        raise Conflict(_("This entry is decided and locked: no more evidence can be added."))
    if len(data) > limits.max_bytes:
        raise TooLarge(
            _("The file is larger than %(mb)s MB.") % {"mb": f"{limits.max_bytes / 1048576:g}"},
            field="file",
        )
    if not data:
        raise refused()
    count = await session.scalar(select(func.count()).where(col(HourEvidence.entry_id) == entry.id))
    if (count or 0) >= limits.max_files:
        raise Conflict(
            _("An entry can have at most %(n)d evidence files.") % {"n": limits.max_files},
            field="file",
        )
    kind, cleaned = await asyncio.to_thread(clean, data)
    stored = f"{secrets.token_urlsafe(24)}.{EXTENSIONS[kind]}"
    folder = evidence_dir(media_dir)
    await asyncio.to_thread(_write, folder / stored, cleaned)
    evidence = HourEvidence(
        entry_id=entry.id or 0,
        stored_name=stored,
        filename=safe_filename(filename, kind),
        content_type=kind,
        size=len(cleaned),
    )
    session.add(evidence)
    await session.flush()
    await audit.record(
        session,
        actor=user,
        action="hours.evidence.add",
        object_type="hour_entry",
        object_id=entry.id or 0,
        after={"evidence": evidence.id, "filename": evidence.filename, "type": kind},
    )
    return evidence


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as handle:
        handle.write(data)


async def evidence_file(
    session: AsyncSession, *, evidence_id: int, user: User, media_dir: Path
) -> tuple[HourEvidence, Path]:
    """The file if ``user`` may see its entry (the volunteer or a decider); else 404."""
    evidence = await session.get(HourEvidence, evidence_id)
    if evidence is None:
        raise NotFound(_("There is no such evidence file."))
    try:
        await hours.access(session, entry_id=evidence.entry_id, user=user)
    except NotFound:
        raise NotFound(_("There is no such evidence file.")) from None
    path = evidence_dir(media_dir) / evidence.stored_name
    if not path.is_file():
        raise NotFound(_("There is no such evidence file."))
    return evidence, path


def remove_files(media_dir: Path, names: list[str]) -> None:
    for name in names:
        (evidence_dir(media_dir) / name).unlink(missing_ok=True)
