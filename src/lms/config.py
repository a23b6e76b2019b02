"""Settings read from ``LMS_*`` environment variables."""

from __future__ import annotations

import ipaddress
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LMS_", extra="ignore")

    data_dir: Path = Field(
        default=Path("var"),
        description="Database file, uploaded evidence and generated files.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; SQLite under the data dir when unset. "
        "PostgreSQL: postgresql+psycopg://user:password@host/dbname",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs sessions. Generated into <data dir>/secret_key on first run if unset.",
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public address, used in links, e-mails and certificate QR codes.",
    )
    content_dir: Path = Field(default=Path("content"), description="Courses and pathways.")
    default_language: Language = Field(default="zh", description="When the browser says nothing.")
    time_zone: str = Field(default="Asia/Shanghai", description="How dates are shown.")
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses whose X-Forwarded-For is believed; empty: none.",
    )
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0, le=600_000)
    max_query_string: int = Field(default=2048, ge=256, le=65_536)
    max_body_bytes: int = Field(
        default=8 * 1024 * 1024,
        ge=64 * 1024,
        le=1024 * 1024 * 1024,
        description="Largest request body (uploads included); larger ones get 413.",
    )
    hours_backfill_days: int = Field(
        default=14,
        ge=0,
        le=366,
        description="Hours logged more than this many days after the service are flagged.",
    )
    hours_max_age_days: int = Field(
        default=365, ge=1, le=3660, description="Service older than this cannot be logged."
    )
    evidence_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=64 * 1024,
        le=512 * 1024 * 1024,
        description="Largest evidence file (photo or PDF) beside an hour entry.",
    )
    evidence_max_files: int = Field(default=5, ge=1, le=50, description="Evidence files per entry.")
    log_level: str = Field(default="INFO")

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError as exc:
            raise ValueError("not a database URL") from exc
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            if item != "*":
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError as exc:
                    raise ValueError(f"not an address or network: {item!r}") from exc
        return value

    @field_validator("base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir.resolve() / 'lms.db'}"

    @property
    def proxy_list(self) -> list[str]:
        return [part.strip() for part in self.trusted_proxies.split(",") if part.strip()]

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def secret_file(self) -> Path:
        return self.data_dir / "secret_key"
