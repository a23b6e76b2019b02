"""Checking what people type about themselves. Each check returns the message for the
field (in the user's language) or None. Names are kept exactly as typed."""

from __future__ import annotations

import re
import unicodedata

from lms.i18n import gettext as _
from lms.models.accounts import NAME_MAX, USERNAME_MAX

USERNAME = re.compile(rf"[a-z0-9][a-z0-9_.-]{{1,{USERNAME_MAX - 1}}}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"\+?[0-9][0-9 -]{4,30}")
STUDENT_ID_MAX = 40


def normalise_username(value: str) -> str:
    """Full-width letters and digits (typed on a Chinese keyboard) become ASCII."""
    return unicodedata.normalize("NFKC", value).strip().lower()


def username_problem(username: str) -> str | None:
    if not username:
        return _("Enter a username.")
    if len(username) > USERNAME_MAX:
        return _("A username has at most %(n)d characters.") % {"n": USERNAME_MAX}
    if not USERNAME.fullmatch(username):
        return _(
            "Use 2 or more letters a–z, digits, dots, dashes or underscores, "
            "starting with a letter or digit."
        )
    return None


def clean_name(value: str) -> str:
    return value.strip()


def name_problem(name: str) -> str | None:
    if not name:
        return _("Enter a name.")
    if len(name) > NAME_MAX:
        return _("A name has at most %(n)d characters.") % {"n": NAME_MAX}
    if any(
        unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn")
        and ch not in "\u200c\u200d\u200e\u200f"
        for ch in name
    ):
        return _("The name contains characters that cannot be shown.")
    return None


def email_problem(email: str) -> str | None:
    if email and (len(email) > 254 or not EMAIL.fullmatch(email)):
        return _("This is not an e-mail address.")
    return None


def phone_problem(phone: str) -> str | None:
    if phone and not PHONE.fullmatch(phone):
        return _("Use digits, spaces, dashes and an optional + only.")
    return None


def student_id_problem(student_id: str) -> str | None:
    if len(student_id) > STUDENT_ID_MAX:
        return _("A student number has at most %(n)d characters.") % {"n": STUDENT_ID_MAX}
    if student_id and not student_id.isprintable():
        return _("The student number contains characters that cannot be shown.")
    return None
