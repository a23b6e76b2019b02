"""Static files: vendored and ours, served from this site only."""

from __future__ import annotations

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"


class VersionedStaticFiles(StaticFiles):
    """Templates link assets as ``/static/x?v=<content hash>`` (``templating.static_url``),
    so such a URL never changes content: browsers on slow networks keep it for a year and
    do not even revalidate. Plain URLs get the usual ETag revalidation."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200 and b"v=" in scope.get("query_string", b""):
            response.headers["Cache-Control"] = IMMUTABLE
        return response
