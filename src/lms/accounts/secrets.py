"""Random keys whose hash alone is stored: sessions, API tokens, password links."""

from __future__ import annotations

import hashlib
import secrets

INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud, typed on phones
INVITE_LENGTH = 8


def new_key(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))


def normalise_invite_code(value: str) -> str:
    """Forgiving of how people type: case, spaces, dashes, full-width characters."""
    import unicodedata

    text = unicodedata.normalize("NFKC", value).upper()
    return "".join(ch for ch in text if ch.isalnum())
