from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from lms.config import Settings
from lms.startup import StartupError, ensure_secret, prepare_data_dir


def make(tmp_path: Path, **values: object) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "var", **values)  # type: ignore[call-arg]


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("LMS_"):
            monkeypatch.delenv(name)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.data_dir == Path("var")
    assert settings.sqlalchemy_url == f"sqlite:///{Path('var').resolve() / 'lms.db'}"
    assert settings.time_zone == "Asia/Shanghai"
    assert settings.default_language == "zh"
    assert settings.content_dir == Path("content")
    assert settings.secret_key is None


def test_environment_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LMS_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("LMS_DATABASE_URL", "postgresql+psycopg://u:p@db/lms")
    monkeypatch.setenv("LMS_BASE_URL", "https://lms.example.org/")
    monkeypatch.setenv("LMS_DEFAULT_LANGUAGE", "en")
    monkeypatch.setenv("LMS_TIME_ZONE", "Asia/Urumqi")
    monkeypatch.setenv("LMS_CONTENT_DIR", "/srv/content")
    monkeypatch.setenv("LMS_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.sqlalchemy_url == "postgresql+psycopg://u:p@db/lms"
    assert settings.base_url == "https://lms.example.org"
    assert settings.default_language == "en"
    assert str(settings.zone) == "Asia/Urumqi"
    assert settings.proxy_list == ["10.0.0.1", "192.168.0.0/16"]
    assert settings.content_dir == Path("/srv/content")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_zone", "Mars/Olympus"),
        ("default_language", "fr"),
        ("trusted_proxies", "not-an-ip"),
        ("base_url", "lms.example.org"),
        ("max_query_string", 10),
        ("database_url", "mysql://lms@db/lms"),
        ("database_url", "not a url"),
    ],
)
def test_bad_settings_are_refused(tmp_path: Path, field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        make(tmp_path, **{field: value})


def test_secret_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    settings = make(tmp_path)
    first = ensure_secret(settings)
    assert len(first) >= 40
    assert ensure_secret(settings) == first
    mode = stat.S_IMODE(settings.secret_file.stat().st_mode)
    assert mode == 0o600
    assert ensure_secret(make(tmp_path)) == first  # another worker reads the same one


def test_configured_secret_wins_and_writes_nothing(tmp_path: Path) -> None:
    settings = make(tmp_path, secret_key="k" * 40)
    assert ensure_secret(settings) == "k" * 40
    assert not settings.secret_file.exists()


def test_short_configured_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StartupError, match="at least 32"):
        ensure_secret(make(tmp_path, secret_key="short"))


def test_corrupt_secret_file_is_reported(tmp_path: Path) -> None:
    settings = make(tmp_path)
    prepare_data_dir(settings)
    settings.secret_file.write_text("abc")
    with pytest.raises(StartupError, match="corrupt"):
        ensure_secret(settings)
    assert settings.secret_file.read_text() == "abc"  # left for the operator to look at


def test_data_dir_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "var").write_text("not a folder")
    with pytest.raises(StartupError, match="is not a directory"):
        prepare_data_dir(make(tmp_path))


def test_missing_data_dir_is_created(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "a" / "b")  # type: ignore[call-arg]
    prepare_data_dir(settings)
    assert (tmp_path / "a" / "b" / "media").is_dir()
