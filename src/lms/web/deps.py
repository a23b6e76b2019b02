"""Dependency aliases shared by every router."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from sqlalchemy.ext.asyncio import AsyncSession

from lms.config import Settings
from lms.db import get_session

# A text form field: a generous hard cap against huge posts; the services give the real
# limits, next to the field. Empty fields reach the services too, so the message is theirs.
FormField = Annotated[str, Form(max_length=1000)]

# scope="function": the session's commit runs before the response is sent.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def undo(session: AsyncSession, *keep: object) -> None:
    """Roll back what a refused form did, then reload the objects the route still shows
    (a rollback expires them, and an async session cannot lazy-load in a template)."""
    await session.rollback()
    for instance in keep:
        await session.refresh(instance)


def client_address(request: Request) -> str:
    """The visitor's address (uvicorn has applied ``LMS_TRUSTED_PROXIES`` already)."""
    return request.client.host if request.client else "unknown"


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]
