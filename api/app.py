"""create_app: the FastAPI application over one Backend."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import docs, openapi, problems
from api.cache import ResponseCache
from api.limits import Limits
from api.middleware import BodyLimit, ErrorGuard, HeadAsGet, SecurityHeaders
from api.routes import analytics, catalog, meta, planning, projects, tracking_pages, viz, window
from api.settings import Settings, get_settings
from api.startup import StartupLoad, prepare_startup
from graph.errors import BackendUnavailable
from graph.stores.factory import Backend, open_backend
from tracking.calendar import WorkingCalendar
from tracking.store import TrackingStore
from tracking.stores.sql import open_sql_store

log = logging.getLogger("chainkg.api")

DESCRIPTION = """
产业链政务服务知识图谱 API. For an enterprise position in an industry chain (industry, stage,
scenario and the answers to situational questions) it answers which matters (事项), which
materials (each asked once), which departments in what order and in parallel, how long, and what
the integration (一件事) saves. Errors are RFC 9457 `application/problem+json`. The API only
reads: no request changes the catalog. Request bodies, ids, answers and the number of answers
are bounded (CHAINKG_MAX_* settings; 413 or 422 over a limit). HEAD is answered wherever GET
is. Paths have no trailing slash: `/v1/health/` is 404, never a redirect.
"""


def create_app(
    settings: Settings | None = None,
    backend: Backend | None = None,
    startup: StartupLoad | None = None,
    tracking: TrackingStore | None = None,
) -> FastAPI:
    """The application.

    Without `backend` it opens the configured one at start, makes the start-up load (retried in
    the background while the backend cannot take it) and closes it at shutdown. With `backend`
    (tests, benchmarks, `chainkg serve`, which validates the catalog before serving) it serves
    that one as it is, making the `startup` load if one is given; the caller closes it. The
    tracking store likewise: opened from CHAINKG_TRACKING_URL (or the SQLite file under
    CHAINKG_STATE_DIR) at start unless `tracking` is given.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = None
        plan = startup
        if app.state.backend is None:
            opened = app.state.backend = open_backend(settings.backend_config())
            plan = plan or prepare_startup(settings, opened)
        held: Backend = app.state.backend
        opened_tracking = None
        if app.state.tracking is None:
            opened_tracking = app.state.tracking = await asyncio.to_thread(
                open_sql_store, settings.tracking_database()
            )
        app.state.startup = plan
        retry = None
        if plan is not None:
            await asyncio.to_thread(plan.attempt, held)
            if plan.pending:
                retry = asyncio.create_task(plan.retry_until_loaded(held))
        _warn_if_unreachable(held)
        try:
            yield
        finally:
            if retry is not None:
                retry.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await retry
            if opened is not None:
                opened.close()
            if opened_tracking is not None:
                opened_tracking.close()
                app.state.tracking = None

    app = FastAPI(
        title="chainkg",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/v1/openapi.json",
        docs_url=None,  # api/docs.py serves it, without a CDN
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        # No redirect from `/v1/x/` to `/v1/x`: Starlette's would write the request's Host
        # header into Location; a path with a trailing slash is simply not found.
        redirect_slashes=False,
    )
    app.state.backend = backend
    app.state.startup = None
    app.state.tracking = tracking
    app.state.calendar = WorkingCalendar()
    app.state.public_url = settings.public_url
    app.state.consultation_minutes = settings.consultation_minutes
    app.state.recommendations = ResponseCache(settings.recommendation_cache_mb * 1024 * 1024)
    limits = Limits.of(settings)
    problems.install(app)
    routers = (
        meta.router,
        catalog.router,
        planning.router,
        projects.router,
        window.router,
        tracking_pages.router,
        viz.router,
        analytics.router,
    )
    for router in routers:
        app.include_router(router, prefix="/v1")
    docs.install(app)
    openapi.install(app, limits)
    # Added innermost first: a request meets SecurityHeaders, HeadAsGet, ErrorGuard, BodyLimit.
    app.add_middleware(BodyLimit, limits=limits)
    app.add_middleware(ErrorGuard)
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders)
    return app


def _warn_if_unreachable(backend: Backend) -> None:
    if not backend.shared:
        return
    try:
        backend.catalog.ping()
    except BackendUnavailable as exc:
        log.error(
            "the %s backend is not reachable: %s. Serving anyway: /v1/ready answers 503 until "
            "it is back.",
            backend.name,
            exc,
        )
