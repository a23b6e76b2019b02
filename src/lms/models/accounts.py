"""People and how they prove who they are: users, browser sessions, API tokens,
one-time password links, and the login attempts that throttling counts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from lms.models.base import timestamp_field, timestamp_type

USERNAME_MAX = 40
NAME_MAX = 100


class Role(StrEnum):
    volunteer = "volunteer"
    trainer = "trainer"
    coordinator = "coordinator"
    admin = "admin"


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=USERNAME_MAX, unique=True, description="lower case")
    name: str = Field(max_length=NAME_MAX, description="exactly as typed, any script")
    role: str = Field(max_length=20, default=Role.volunteer)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    student_id: str | None = Field(default=None, max_length=40)
    language: str | None = Field(default=None, max_length=8)
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = Field(default=True)
    created_at: datetime = timestamp_field()


class UserSession(SQLModel, table=True):
    """A signed-in browser. The cookie carries a random key; only its hash is stored, so
    a copy of the database signs nobody in. Revoking sets ``revoked_at``."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = timestamp_field()
    last_seen_at: datetime = timestamp_field()
    expires_at: datetime = timestamp_field()
    revoked_at: datetime | None = Field(default=None, sa_type=timestamp_type())
    user_agent: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=64)


class ApiToken(SQLModel, table=True):
    """A personal token for ``/api/v1`` (``Authorization: Bearer``); stored hashed."""

    __tablename__ = "api_token"
    __table_args__ = (Index("ix_api_token_user_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    name: str = Field(max_length=80)
    prefix: str = Field(max_length=16, description="shown so the owner can tell tokens apart")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = timestamp_field()
    last_used_at: datetime | None = Field(default=None, sa_type=timestamp_type())
    revoked_at: datetime | None = Field(default=None, sa_type=timestamp_type())


class PasswordLink(SQLModel, table=True):
    """A one-time link to set a first password (imported users) or reset one."""

    __tablename__ = "password_link"
    __table_args__ = (Index("ix_password_link_user_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    purpose: str = Field(max_length=10, description="set or reset")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = timestamp_field()
    expires_at: datetime = timestamp_field()
    used_at: datetime | None = Field(default=None, sa_type=timestamp_type())


class LoginAttempt(SQLModel, table=True):
    """Failed sign-ins, counted by throttling. In the database so every worker and host
    sees the same counts."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_address_at", "username", "address", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=USERNAME_MAX)
    address: str = Field(max_length=64)
    at: datetime = timestamp_field()
