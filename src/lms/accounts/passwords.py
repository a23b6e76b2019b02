"""Password hashing (argon2id through the passlib API of libpass) and the password rule."""

from __future__ import annotations

import asyncio

from passlib.context import CryptContext
from zxcvbn import zxcvbn

from lms.i18n import gettext as _

MIN_LENGTH = 8
MAX_LENGTH = 128
MIN_SCORE = 2  # zxcvbn: 2 means "somewhat guessable" (about 10^6 guesses or more)

_context = CryptContext(schemes=["argon2"], deprecated="auto")
# Verified when the username is unknown, so a wrong username costs as long as a wrong
# password and timing does not tell which usernames exist.
_DUMMY_HASH = _context.hash("not a real password, only for timing")


def password_problem(password: str, *, hints: tuple[str | None, ...] = ()) -> str | None:
    """Why ``password`` may not be used, in the user's language; None when it may.

    Long enough, and not guessable: zxcvbn knows the 30,000 most common passwords,
    keyboard rows, dates, repeats, and is told the user's own name and username."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(n)d characters.") % {"n": MIN_LENGTH}
    if len(password) > MAX_LENGTH:
        return _("Use at most %(n)d characters.") % {"n": MAX_LENGTH}
    if not password.strip():
        return _("A password cannot be only spaces.")
    inputs = [hint for hint in hints if hint]
    if zxcvbn(password[:100], user_inputs=inputs)["score"] < MIN_SCORE:
        return _(
            "This password is too common or too easy to guess. "
            "Try a few unrelated words, or a longer sentence."
        )
    return None


async def hash_password(password: str) -> str:
    """Deliberately slow: runs in a thread so the event loop keeps serving."""
    return await asyncio.to_thread(_context.hash, password)


async def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        await asyncio.to_thread(_context.verify, password, _DUMMY_HASH)
        return False
    return await asyncio.to_thread(_context.verify, password, password_hash)
