"""RFC 9457 problem details: the one place where chainkg errors become HTTP responses.

Whatever a request carried, a problem response can be encoded and stays small: every text of the
body goes through `echo`, which replaces what UTF-8 cannot encode (lone surrogates, which a JSON
body may spell as escapes) and cuts an echoed value at ECHO_CHARS characters, saying so; a
validation problem lists at most MAX_ERRORS errors, saying how many more there were.
"""

from __future__ import annotations

import http
import logging
import re
from typing import Any

import fastapi.routing
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api.auth import Unauthenticated
from api.limits import BODY_SETTING
from graph.errors import BackendUnavailable, CatalogError, ChainKGError, InvalidRequest, NotFound
from tracking.store import AlreadyAnswered, VersionConflict
from tracking.workflow import LABELS, NotPermitted, TransitionRefused

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "urn:chainkg:problem:"  # a URI that identifies the kind (RFC 9457 §3.1.1)
ECHO_CHARS = 200  # the longest piece of input a problem repeats
TEXT_CHARS = 2000  # the longest text member of a problem (a message quoting a few values)
MAX_ERRORS = 20  # validation errors listed in `errors`
DETAIL_ERRORS = 3  # of which repeated in `detail`
log = logging.getLogger("chainkg.api")

Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: {"description": "An id names nothing in the catalog"}}
"""`responses=` of a route that looks ids up; api/openapi.py documents the problem it answers."""
CONFLICT: Responses = {409: {"description": "The change conflicts with the current state"}}
"""`responses=` of a route whose change may conflict with the current state (409)."""
VERSIONED: Responses = {**CONFLICT, 428: {"description": "The version read is required"}}
"""`responses=` of a route that changes a versioned record (409, and 428 without a version)."""


class PreconditionRequired(ChainKGError):
    """A change sent without the version it was made from (or with an unreadable one)."""


_UNENCODABLE = re.compile("[\ud800-\udfff]")  # lone surrogates: no UTF-8 for them


def echo(value: object, limit: int = ECHO_CHARS) -> str:
    """`value` as a problem may repeat it: encodable, and cut at `limit` characters, saying so."""
    text = _UNENCODABLE.sub("\ufffd", str(value))
    if len(text) > limit:
        return f"{text[:limit]}… (cut: {len(text)} characters in all)"
    return text


def _encodable(value: Any) -> Any:
    """Every string in a problem body (keys too) made encodable and bounded."""
    if isinstance(value, str):
        return echo(value, TEXT_CHARS)
    if isinstance(value, dict):
        return {echo(k, ECHO_CHARS): _encodable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encodable(v) for v in value]
    return value


def problem(status: int, slug: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": TYPE_BASE + slug, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(_encodable(body), status_code=status, media_type=PROBLEM_JSON)


def body_too_large(limit: int) -> JSONResponse:
    """413 for a body over CHAINKG_MAX_BODY_BYTES (api/middleware.py BodyLimit sends it)."""
    response = problem(
        413,
        "body-too-large",
        "Request body too large",
        f"the request body is larger than {limit} bytes, the limit set by {BODY_SETTING}",
        limit=limit,
        setting=BODY_SETTING,
    )
    response.headers["Connection"] = "close"  # the rest of the body is not read
    return response


def unexpected() -> JSONResponse:
    """500 without internals: what went wrong is in the log only."""
    return problem(500, "internal", "Internal error", "an unexpected error; see the log")


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [echo(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def _listed(errors: list[dict[str, str]]) -> tuple[list[dict[str, str]], str]:
    """The errors a problem lists (at most MAX_ERRORS), and a detail naming the first few."""
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:DETAIL_ERRORS])
    if len(errors) > DETAIL_ERRORS:
        detail += f" (and {len(errors) - DETAIL_ERRORS} more)"
    if len(errors) > MAX_ERRORS:
        detail += f"; `errors` lists the first {MAX_ERRORS} of {len(errors)}"
        errors = errors[:MAX_ERRORS]
    return errors, detail


def _allow(value: str) -> str:
    """An `Allow` header naming HEAD wherever it names GET (middleware.HeadAsGet answers it)."""
    methods = [m.strip() for m in value.split(",") if m.strip()]
    if "GET" in methods and "HEAD" not in methods:
        methods.insert(methods.index("GET") + 1, "HEAD")
    return ", ".join(methods)


def _methods_of_path(request: Request) -> list[str]:
    """Every method some route answers at the request's path (a path may have several)."""
    found: list[str] = []
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)  # FastAPI >= 0.16x
    routes = contexts(request.app.routes) if contexts is not None else request.app.routes
    for route in routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            found += [m for m in sorted(getattr(route, "methods", None) or ()) if m not in found]
    return found


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        shown = echo(exc.record_id)
        detail = str(exc).replace(exc.record_id, shown) if exc.record_id else str(exc)
        return problem(404, "not-found", f"Unknown {exc.kind}", detail, kind=exc.kind, id=shown)

    @app.exception_handler(InvalidRequest)
    async def invalid(_: Request, exc: InvalidRequest) -> JSONResponse:
        field = echo(exc.field)
        return problem(
            422,
            "validation",
            "Invalid request",
            f"{field}: {exc.message}",
            errors=[{"field": field, "message": exc.message}],
        )

    @app.exception_handler(RequestValidationError)
    async def validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        found = [{"field": _location(e["loc"]), "message": e["msg"]} for e in exc.errors()]
        errors, detail = _listed(found)
        return problem(422, "validation", "Invalid request", detail, errors=errors)

    @app.exception_handler(BackendUnavailable)
    async def unavailable(_: Request, exc: BackendUnavailable) -> JSONResponse:
        response = problem(503, "backend-unavailable", "Graph backend unavailable", str(exc))
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(CatalogError)
    async def catalog(_: Request, exc: CatalogError) -> JSONResponse:
        found = [{"field": str(p), "message": p.message} for p in exc.problems]
        errors, _detail = _listed(found)
        return problem(422, "catalog", "Invalid catalog", str(exc), errors=errors)

    @app.exception_handler(Unauthenticated)
    async def unauthenticated(_: Request, exc: Unauthenticated) -> JSONResponse:
        response = problem(401, "unauthenticated", "Authentication required", str(exc))
        response.headers["WWW-Authenticate"] = 'Bearer realm="chainkg"'
        return response

    @app.exception_handler(NotPermitted)
    async def forbidden(_: Request, exc: NotPermitted) -> JSONResponse:
        return problem(403, "forbidden", "Not permitted", str(exc))

    @app.exception_handler(TransitionRefused)
    async def refused(_: Request, exc: TransitionRefused) -> JSONResponse:
        return problem(
            409,
            "transition-refused",
            "Status change not allowed",
            str(exc),
            current_status=exc.current.value,
            requested_status=exc.target.value,
        )

    @app.exception_handler(VersionConflict)
    async def conflict(_: Request, exc: VersionConflict) -> JSONResponse:
        current = exc.current
        response = problem(
            409,
            "version-conflict",
            "Changed meanwhile",
            f"{exc}: read it again and decide on the current state",
            current={
                "version": current.version,
                "status": current.status.value,
                "status_label": LABELS[current.status],
                "updated_at": current.updated_at.isoformat() if current.updated_at else None,
            },
        )
        response.headers["ETag"] = f'"{current.version}"'
        return response

    @app.exception_handler(AlreadyAnswered)
    async def answered(_: Request, exc: AlreadyAnswered) -> JSONResponse:
        return problem(409, "already-answered", "Answered already", str(exc))

    @app.exception_handler(PreconditionRequired)
    async def precondition(_: Request, exc: PreconditionRequired) -> JSONResponse:
        return problem(428, "precondition-required", "Version required", str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        try:
            title = http.HTTPStatus(exc.status_code).phrase
        except ValueError:
            title = "HTTP error"
        response = problem(exc.status_code, f"http-{exc.status_code}", title, str(exc.detail))
        # Headers the exception carries belong to the answer (`Allow` on 405, `Retry-After`,
        # `WWW-Authenticate`); the body's own framing headers stay the problem's.
        for name, value in (exc.headers or {}).items():
            if name.lower() not in {"content-type", "content-length"}:
                response.headers[name] = _allow(value) if name.lower() == "allow" else value
        if exc.status_code == 405:  # Starlette names the first route of the path only
            response.headers["Allow"] = _allow(", ".join(_methods_of_path(request)))
        return response

    @app.exception_handler(Exception)
    async def unexpected_error(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return unexpected()
