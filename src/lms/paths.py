"""Where the non-Python parts of the project live.

In a source checkout (and an editable install) they are the top-level folders of the
repository; a built wheel carries them under ``lms/_data``. Code asks here instead of
guessing relative paths.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_WHEEL_DATA = PACKAGE_DIR / "_data"
_CHECKOUT_ROOT = PACKAGE_DIR.parent.parent


@cache
def resource(name: str) -> Path:
    """The folder or file ``name`` (``templates``, ``static``, ``alembic``, ``alembic.ini``)."""
    for base in (_WHEEL_DATA, _CHECKOUT_ROOT):
        candidate = base / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"the installed package has no {name!r}; reinstall the project")


LOCALE_DIR = PACKAGE_DIR / "locale"
