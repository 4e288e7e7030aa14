"""RFC 9457 problem details: the one place where chainkg errors become HTTP responses."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.errors import BackendUnavailable, CatalogError, InvalidRequest, NotFound

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "urn:chainkg:problem:"  # a URI that identifies the kind (RFC 9457 §3.1.1)
log = logging.getLogger("chainkg.api")


def problem(status: int, slug: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": TYPE_BASE + slug, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return problem(
            404, "not-found", f"Unknown {exc.kind}", str(exc), kind=exc.kind, id=exc.record_id
        )

    @app.exception_handler(InvalidRequest)
    async def invalid(_: Request, exc: InvalidRequest) -> JSONResponse:
        return problem(
            422,
            "validation",
            "Invalid request",
            str(exc),
            errors=[{"field": exc.field, "message": exc.message}],
        )

    @app.exception_handler(RequestValidationError)
    async def validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _location(e["loc"]), "message": e["msg"]} for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "validation", "Invalid request", detail, errors=errors)

    @app.exception_handler(BackendUnavailable)
    async def unavailable(_: Request, exc: BackendUnavailable) -> JSONResponse:
        response = problem(503, "backend-unavailable", "Graph backend unavailable", str(exc))
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(CatalogError)
    async def catalog(_: Request, exc: CatalogError) -> JSONResponse:
        errors = [{"field": str(p), "message": p.message} for p in exc.problems]
        return problem(422, "catalog", "Invalid catalog", str(exc), errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = "Not found" if exc.status_code == 404 else "HTTP error"
        response = problem(exc.status_code, f"http-{exc.status_code}", title, str(exc.detail))
        # Headers the exception carries belong to the answer (`Allow` on 405, `Retry-After`,
        # `WWW-Authenticate`); the body's own framing headers stay the problem's.
        for name, value in (exc.headers or {}).items():
            if name.lower() not in {"content-type", "content-length"}:
                response.headers[name] = value
        return response

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return problem(500, "internal", "Internal error", "an unexpected error; see the log")
