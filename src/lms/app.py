"""The application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from lms import __version__
from lms.accounts import api as accounts_api
from lms.accounts import routes as account_pages
from lms.certificates import api as certificates_api
from lms.certificates import routes as certificate_pages
from lms.cohorts import routes as cohort_pages
from lms.config import Settings
from lms.courses import api as courses_api
from lms.courses import authoring_api
from lms.courses import authoring_routes as authoring_pages
from lms.courses import routes as course_pages
from lms.courses.service import TextCache
from lms.db import Database, create_engine_for
from lms.paths import resource
from lms.pathways import api as pathways_api
from lms.pathways import routes as pathways_pages
from lms.practicum import api as practicum_api
from lms.practicum import routes as practicum_pages
from lms.quizzes import api as quizzes_api
from lms.quizzes import routes as quiz_pages
from lms.quizzes.service import QuizCache
from lms.startup import ensure_secret, prepare_data_dir
from lms.web import errors, pages
from lms.web.middleware import (
    LanguageMiddleware,
    RequestLimitMiddleware,
    RequestLogMiddleware,
    SecurityHeadersMiddleware,
    ServerErrorMiddleware,
)
from lms.web.static import VersionedStaticFiles
from lms.web.templating import build_environment

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    """Build the app. Nothing here touches the network or the database: connecting is
    lazy, and ``lms serve`` migrates before any worker starts."""
    settings = settings or Settings()
    prepare_data_dir(settings)
    secret_key = ensure_secret(settings)
    database = database or Database(create_engine_for(settings))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await database.dispose()

    app = FastAPI(
        title="Volunteer Academy API",
        version=__version__,
        summary="Volunteer training and certification",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.secret_key = secret_key
    app.state.database = database
    app.state.session_factory = database.session
    app.state.templates = build_environment(settings)
    app.state.texts = TextCache()  # published module texts, by revision (never change)
    app.state.quizzes = QuizCache()  # their parsed quizzes, likewise

    errors.install(app)
    app.mount("/static", VersionedStaticFiles(directory=resource("static")), name="static")
    app.include_router(pages.router)
    app.include_router(account_pages.router)
    app.include_router(cohort_pages.router)
    app.include_router(quiz_pages.router)
    app.include_router(practicum_pages.router)
    app.include_router(pathways_pages.router)
    app.include_router(certificate_pages.router)
    app.include_router(authoring_pages.router)
    app.include_router(course_pages.router)
    app.include_router(accounts_api.router)
    app.include_router(courses_api.router)
    app.include_router(authoring_api.router)
    app.include_router(quizzes_api.router)
    app.include_router(practicum_api.router)
    app.include_router(pathways_api.router)
    app.include_router(certificates_api.router)
    app.include_router(pages.operations)

    # Added innermost first: the last one added wraps all the others.
    app.add_middleware(
        RequestLimitMiddleware,
        query_limit=settings.max_query_string,
        body_limit=settings.max_body_bytes,
        render_error=errors.render_error,
        upload_limits=practicum_api.upload_limits(settings),
    )
    app.add_middleware(ServerErrorMiddleware, render_error=errors.render_error)
    app.add_middleware(LanguageMiddleware, settings=settings)
    app.add_middleware(SecurityHeadersMiddleware)
    # Phones on slow networks: pages, CSS and htmx go out compressed, at zlib's default
    # level rather than Starlette's 9; pictures and PDFs are compressed already.
    app.add_middleware(
        GZipMiddleware,
        minimum_size=1000,
        compresslevel=6,
        exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/pdf"),
    )
    app.add_middleware(RequestLogMiddleware)
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.proxy_list or [])
    return app


def app_factory() -> FastAPI:
    """For ``uvicorn --factory`` and ``lms serve --workers N``: settings from the environment."""
    return create_app()
