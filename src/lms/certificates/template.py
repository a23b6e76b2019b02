"""Certificate templates: ``content/certificates/<name>.yaml``.

A template names the issuing organisation, the person who signs and their title, the
issuer code that starts every serial, and optional logo and signature images beside the
file. Everything is checked when the template is loaded, so a broken file is refused
with the file and the field named, not discovered halfway through printing a cohort.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from PIL import Image, UnidentifiedImageError

from lms.certificates.document import Bilingual, Template
from lms.errors import Invalid, NotFound

log = logging.getLogger(__name__)

NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
ISSUER_CODE = re.compile(r"[A-Z0-9]{2,8}")
IMAGE_FORMATS = {"PNG", "JPEG"}
FIELDS = {"issuer_code", "organisation", "signatory", "logo", "signature"}
MAX_TEXT = 200

Fail = Callable[[str, str], Invalid]  # (field, problem) → the error to raise


def folder(content_dir: Path) -> Path:
    return content_dir / "certificates"


def names(content_dir: Path) -> list[str]:
    """The templates in the content folder, sorted."""
    root = folder(content_dir)
    if not root.is_dir():
        return []
    return sorted(p.stem for p in root.glob("*.yaml") if NAME.fullmatch(p.stem))


def load(content_dir: Path, name: str) -> Template:
    path = folder(content_dir) / f"{name}.yaml"
    if not NAME.fullmatch(name) or not path.is_file():
        known = ", ".join(names(content_dir)) or "none"
        raise NotFound(f"There is no certificate template {name[:64]!r} (there are: {known}).")
    shown = f"{content_dir.name}/certificates/{path.name}"

    def fail(field: str, problem: str) -> Invalid:
        return Invalid(f"{shown}: {field}: {problem}", field=field)

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise Invalid(f"{shown}: not a valid YAML file in UTF-8: {exc}") from exc
    if not isinstance(data, dict):
        raise Invalid(f"{shown}: a template is a set of key: value lines")
    unknown = sorted(str(key) for key in data if key not in FIELDS)
    if unknown:
        raise fail(unknown[0], f"unknown field (the fields are {', '.join(sorted(FIELDS))})")

    code = data.get("issuer_code")
    if not isinstance(code, str) or not ISSUER_CODE.fullmatch(code):
        raise fail("issuer_code", "2 to 8 capital letters A–Z or digits, such as DEMO")
    signatory = data.get("signatory")
    if not isinstance(signatory, dict) or set(signatory) - {"name", "title"}:
        raise fail("signatory", "needs name: and title: {zh: …, en: …}, nothing else")
    return Template(
        name=name,
        issuer_code=code,
        organisation=_bilingual(data.get("organisation"), "organisation", fail),
        signatory=_text(signatory.get("name"), "signatory.name", fail),
        signatory_title=_bilingual(signatory.get("title"), "signatory.title", fail),
        logo=_image(path.parent, data.get("logo"), "logo", fail),
        signature=_image(path.parent, data.get("signature"), "signature", fail),
    )


def _text(value: Any, field: str, fail: Fail) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail(field, "missing: write the text")
    if len(value) > MAX_TEXT:
        raise fail(field, f"longer than {MAX_TEXT} characters")
    return value.strip()


def _bilingual(value: Any, field: str, fail: Fail) -> Bilingual:
    if not isinstance(value, dict):
        raise fail(field, "missing: write {zh: …, en: …}")
    extra = sorted(str(key) for key in value if key not in ("zh", "en"))
    if extra:
        raise fail(f"{field}.{extra[0]}", "unknown language (zh and en are printed)")
    return Bilingual(
        zh=_text(value.get("zh"), f"{field}.zh", fail),
        en=_text(value.get("en"), f"{field}.en", fail),
    )


def _image(base: Path, value: Any, field: str, fail: Fail) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise fail(field, "a file name beside the template, such as logo.png")
    relative = Path(value)
    if relative.is_absolute():
        raise fail(field, f"{value} must be a file name relative to the template's folder")
    image = (base / relative).resolve()
    if not image.exists():
        raise fail(field, f"file {value} does not exist")
    if not image.is_file():
        raise fail(field, f"{value} is not a file")
    try:
        with Image.open(image) as opened:
            kind = opened.format
            opened.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise fail(field, f"{value} is not an image Pillow can read ({exc})") from exc
    if kind not in IMAGE_FORMATS:
        raise fail(field, f"{value} is {kind}; use a PNG or JPEG image")
    return image


def for_reprint(content_dir: Path, name: str) -> Template:
    """The template a certificate already issued is drawn with. Its texts come from the
    certificate's own snapshot, so only the images matter here: when the template was
    renamed, removed or broken since, the default template's are used, and failing that
    none. A certificate once issued can always be printed again."""
    for candidate in (name, "default"):
        try:
            return load(content_dir, candidate)
        except (NotFound, Invalid):
            log.warning("certificate template %r cannot be loaded for a reprint", candidate)
    return Template(
        name=name,
        issuer_code="NONE",
        organisation=Bilingual(zh="", en=""),
        signatory="",
        signatory_title=Bilingual(zh="", en=""),
    )
