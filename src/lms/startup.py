"""What must hold before the app may serve: a usable data dir, a secret, a reachable
database at the current schema. Each failure is one clear line for the operator."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from lms.config import Settings

SECRET_BYTES = 32


class StartupError(Exception):
    """A problem the operator must fix; its message is shown alone on one line."""


def prepare_data_dir(settings: Settings) -> Path:
    data_dir = settings.data_dir
    if data_dir.exists() and not data_dir.is_dir():
        raise StartupError(f"LMS_DATA_DIR {data_dir} is not a directory")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        settings.media_dir.mkdir(exist_ok=True)
    except OSError as exc:
        raise StartupError(f"cannot create data dir {data_dir}: {exc.strerror}") from exc
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise StartupError(f"data dir {data_dir} is not writable")
    return data_dir


def ensure_secret(settings: Settings) -> str:
    """The configured secret, or the one stored in the data dir (created once, atomically,
    so workers starting together agree on it)."""
    if settings.secret_key is not None:
        value = settings.secret_key.get_secret_value()
        if len(value) < 32:
            raise StartupError("LMS_SECRET_KEY must be at least 32 characters")
        return value
    path = settings.secret_file
    if not path.exists():
        prepare_data_dir(settings)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".secret-")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_urlsafe(SECRET_BYTES) + "\n")
            os.chmod(temp, 0o600)
            with contextlib.suppress(FileExistsError):  # another worker was first: theirs wins
                os.link(temp, path)
        finally:
            os.unlink(temp)
    try:
        value = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise StartupError(f"cannot read secret key file {path}: {exc}") from exc
    if len(value) < 32:
        raise StartupError(
            f"secret key file {path} is corrupt (too short); delete it to generate a new one"
        )
    return value


def describe_database_error(exc: SQLAlchemyError) -> str:
    """The driver's own words, first line only, with the password kept out."""
    original = getattr(exc, "orig", None) or exc
    first = str(original).strip().splitlines()[0] if str(original).strip() else type(exc).__name__
    return f"cannot use the database: {first}"
