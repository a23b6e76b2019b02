"""``/api/v1`` for accounts. Bearer tokens only (the session cookie is ignored here)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from lms.web.auth import CurrentUser

router = APIRouter(prefix="/api/v1", tags=["accounts"])


class Me(BaseModel):
    id: int
    username: str
    name: str
    role: str
    language: str | None


@router.get("/me", response_model=Me, summary="The token's owner")
async def me(user: CurrentUser) -> Me:
    return Me(
        id=user.id or 0,
        username=user.username,
        name=user.name,
        role=user.role,
        language=user.language,
    )
