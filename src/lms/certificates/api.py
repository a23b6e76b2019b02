"""``/api/v1/certificates/<serial>``: anyone holding a serial may check it, no token
needed. An unknown serial, or one whose check character is wrong, is 404. Rate-limited
per address across every worker (429 with ``Retry-After``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.responses import JSONResponse

from lms.certificates import service as certificates
from lms.certificates.routes import verification_limit
from lms.i18n import current_language
from lms.web.deps import SessionDep

router = APIRouter(prefix="/api/v1", tags=["certificates"])


@router.get(
    "/certificates/{serial}",
    summary="Verify a certificate by its serial (public)",
    dependencies=[Depends(verification_limit)],
    responses={
        200: {
            "description": "The certificate as printed, valid or revoked",
            "content": {
                "application/json": {
                    "example": {
                        "serial": "VLMS-DEMO-2026-5-K7Q2M9XH4T-8",
                        "status": "valid",
                        "holder": "李小红",
                        "pathway": "community-volunteer",
                        "pathway_title": "社区志愿服务",
                        "level": "L5",
                        "level_title": "五级 / 初级",
                        "issued_at": "2026-11-20T02:30:00+00:00",
                        "issuer": "示例志愿服务培训中心",
                        "revoked_at": None,
                        "revoked_reason": None,
                    }
                }
            },
        },
        404: {"description": "No certificate has this serial, or its check character is wrong"},
        429: {"description": "Too many requests from this address; see Retry-After"},
    },
)
async def verify(session: SessionDep, serial: str) -> JSONResponse:
    certificate = await certificates.find(session, serial)
    return JSONResponse(
        certificates.public_json(certificate, language=current_language.get()),
        headers={"Cache-Control": "no-store"},
    )
